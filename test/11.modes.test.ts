// The three modes (blocking, timeout, non-blocking), EINTR and SIGPIPE.
// Timing is never asserted here, except that a timeout does not fire before
// its deadline (a correctness property: CPython's poll rounds up too).

import assert = require('node:assert/strict');
import crypto = require('node:crypto');

import {
  SOL_SOCKET,
  SO_RCVBUF,
  SO_SNDBUF,
  SocketError,
  SocketTimeoutError,
  socket,
  socketpair,
  setdefaulttimeout,
  type Socket,
} from '../lib';
import { O_NONBLOCK, errno, fdFlags, python, since, sockets, start, throwsCode, throwsSocketError, ticks } from './helpers';

function listener(track: (s: Socket) => Socket, backlog?: number) {
  const l = socket();
  track(l);
  l.bind(['127.0.0.1', 0]);
  l.listen(backlog);
  return l;
}

function timesOut(fn: () => unknown, syscall: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof SocketTimeoutError, String(err));
    assert.ok(err instanceof SocketError);
    assert.equal(err.name, 'SocketTimeoutError');
    assert.match(err.message, new RegExp(`^${syscall} ETIMEDOUT( \\S+)?: timed out$`));
    assert.equal(err.strerror, 'timed out');
    assert.equal(err.code, 'ETIMEDOUT');
    assert.equal(err.errno, errno.ETIMEDOUT);
    assert.equal(err.syscall, syscall);
    return true;
  });
}

describe('11 modes', () => {
  const track = sockets();
  afterEach(() => setdefaulttimeout(null));

  describe('the mode table', () => {
    it('timeout null: blocking, fd blocking; 0: non-blocking; > 0: blocking with O_NONBLOCK', () => {
      const s = track(socket());
      const fl = () => fdFlags(s.fileno()) & O_NONBLOCK;
      assert.deepEqual([s.gettimeout(), s.getblocking(), fl()], [null, true, 0]);
      s.settimeout(0);
      assert.deepEqual([s.gettimeout(), s.getblocking(), fl()], [0, false, O_NONBLOCK]);
      s.settimeout(1.5);
      assert.deepEqual([s.gettimeout(), s.getblocking(), fl()], [1.5, true, O_NONBLOCK]);
      s.settimeout(null);
      assert.deepEqual([s.gettimeout(), s.getblocking(), fl()], [null, true, 0]);
    });

    it('setblocking(false) is settimeout(0); setblocking(true) discards a timeout', () => {
      const s = track(socket());
      s.settimeout(5);
      s.setblocking(false);
      assert.equal(s.gettimeout(), 0);
      s.settimeout(5);
      s.setblocking(true);
      assert.equal(s.gettimeout(), null);
      s.setblocking(0);
      assert.equal(s.gettimeout(), 0);
      s.setblocking(1);
      assert.equal(s.gettimeout(), null);
    });

    it('stores the timeout before touching the fd, so a closed socket reports it (as Python)', () => {
      const s = socket();
      s.close();
      throwsSocketError(() => s.settimeout(2), 'EBADF', 'fcntl');
      assert.equal(s.gettimeout(), 2);
      throwsSocketError(() => s.setblocking(false), 'EBADF', 'fcntl');
      assert.equal(s.gettimeout(), 0);
    });

    it('rejects negative, NaN and infinite timeouts', () => {
      const s = track(socket());
      for (const bad of [-1, NaN, Infinity]) throwsCode(() => s.settimeout(bad), RangeError, 'ERR_OUT_OF_RANGE', /"timeout"/);
      throwsCode(() => s.settimeout('1' as unknown as number), TypeError, 'ERR_INVALID_ARG_TYPE', /"timeout"/);
      throwsCode(() => setdefaulttimeout(-0.5), RangeError, 'ERR_OUT_OF_RANGE', /"timeout"/);
    });
  });

  describe('timeout mode', () => {
    it('recv throws SocketTimeoutError, not before the deadline', () => {
      const [a] = socketpair().map(track);
      a!.settimeout(0.2);
      const t0 = performance.now();
      timesOut(() => a!.recv(10), 'recv');
      assert.ok(since(t0) >= 0.2, `returned after ${since(t0)} s`);
    });

    it('recv returns data that is already there', () => {
      const [a, b] = socketpair().map(track);
      a!.settimeout(0.2);
      b!.sendall('ready');
      assert.equal(a!.recv(10).toString(), 'ready');
    });

    it('accept times out without a client and succeeds with one', () => {
      const l = listener(track);
      l.settimeout(0.1);
      timesOut(() => l.accept(), 'accept');
      const c = track(socket());
      c.connect(l.getsockname()); // completes in the kernel's backlog
      const [conn, addr] = l.accept();
      track(conn);
      assert.deepEqual(addr, c.getsockname());
      // The accepted socket gets the default timeout (none), not the listener's.
      assert.equal(conn.gettimeout(), null);
      assert.equal(fdFlags(conn.fileno()) & O_NONBLOCK, 0);
    });

    it('connect times out against a listener whose backlog is full; connectEx returns EAGAIN', () => {
      const l = listener(track, 0);
      const address = l.getsockname();
      // Fill the accept queue: once it is full, Linux drops further SYNs.
      for (let i = 0; i < 8; i++) {
        const f = track(socket());
        f.setblocking(false);
        f.connectEx(address);
      }
      const c = track(socket());
      c.settimeout(0.3);
      timesOut(() => c.connect(address), 'connect');
      const d = track(socket());
      d.settimeout(0.2);
      assert.equal(d.connectEx(address), errno.EAGAIN);
    });

    it('sendall applies one deadline to the whole buffer', () => {
      const [a, b] = socketpair().map(track);
      b!.setsockopt(SOL_SOCKET, SO_RCVBUF, 4096);
      a!.setsockopt(SOL_SOCKET, SO_SNDBUF, 4096);
      a!.settimeout(0.3);
      // Nobody reads b: the first chunks go out, then the deadline expires.
      const t0 = performance.now();
      timesOut(() => a!.sendall(Buffer.alloc(8 << 20)), 'send');
      assert.ok(since(t0) >= 0.3);
    });
  });

  describe('non-blocking mode', () => {
    it('recv and accept throw EAGAIN (Python: BlockingIOError)', () => {
      const [a] = socketpair().map(track);
      a!.setblocking(false);
      throwsSocketError(() => a!.recv(10), 'EAGAIN', 'recv');
      throwsSocketError(() => a!.recvInto(Buffer.alloc(4)), 'EAGAIN', 'recv');
      throwsSocketError(() => a!.recvfrom(10), 'EAGAIN', 'recvfrom');
      const l = listener(track);
      l.setblocking(false);
      throwsSocketError(() => l.accept(), 'EAGAIN', 'accept');
    });

    it('send returns a partial count when the buffer fills, then throws EAGAIN', () => {
      const [a] = socketpair().map(track);
      a!.setblocking(false);
      const big = Buffer.alloc(8 << 20);
      const n = a!.send(big);
      assert.ok(n > 0 && n < big.length, `sent ${n}`);
      throwsSocketError(() => a!.send(big), 'EAGAIN', 'send');
      throwsSocketError(() => a!.sendall(big), 'EAGAIN', 'send');
    });

    it('connect throws EINPROGRESS; connectEx returns it; SO_ERROR tells the outcome', () => {
      const l = listener(track);
      const c = track(socket());
      c.setblocking(false);
      throwsSocketError(() => c.connect(l.getsockname()), 'EINPROGRESS', 'connect');
      const r = track(socket());
      r.setblocking(false);
      const closed = track(socket());
      closed.bind(['127.0.0.1', 0]); // bound, never listening: refuses
      assert.equal(r.connectEx(closed.getsockname()), errno.EINPROGRESS);
    });
  });

  describe('tryRecvInto: the non-throwing receive', () => {
    it('returns -1 when nothing is there, in any mode, and the count when something is', () => {
      const [a, b] = socketpair().map(track);
      const buf = Buffer.alloc(8);
      for (const mode of [null, 0, 5]) {
        a!.settimeout(mode);
        assert.equal(a!.tryRecvInto(buf), -1); // never blocks, never throws EAGAIN
      }
      b!.sendall('abc');
      assert.equal(a!.tryRecvInto(buf, 2), 2);
      assert.equal(buf.subarray(0, 2).toString(), 'ab');
      b!.close();
      assert.equal(a!.tryRecvInto(buf), 1);
      assert.equal(a!.tryRecvInto(buf), 0); // EOF
    });

    it('throws any other error', () => {
      const s = socket();
      s.close();
      throwsSocketError(() => s.tryRecvInto(Buffer.alloc(1)), 'EBADF', 'recv');
    });
  });

  describe('trySend: the non-throwing send', () => {
    it('returns -1 when the buffer is full, in any mode, and every byte it reported arrives', () => {
      const [a, b] = socketpair().map(track);
      a!.setsockopt(SOL_SOCKET, SO_SNDBUF, 4096);
      const chunk = crypto.randomBytes(4096);
      const sent: Buffer[] = [];
      let n = 0;
      for (let i = 0; i < 10_000 && (n = a!.trySend(chunk)) !== -1; i++) sent.push(chunk.subarray(0, n));
      assert.equal(n, -1, 'the buffer never filled');
      for (const mode of [null, 0, 5]) {
        a!.settimeout(mode);
        assert.equal(a!.trySend(chunk), -1); // never blocks, never throws EAGAIN
      }
      const want = Buffer.concat(sent);
      const got = Buffer.alloc(want.length);
      let off = 0;
      while (off < got.length) off += b!.recvInto(got.subarray(off));
      assert.ok(got.equals(want));
      b!.setblocking(false);
      throwsSocketError(() => b!.recv(1), 'EAGAIN', 'recv'); // nothing more than reported
      assert.equal(a!.trySend('xyz'), 3); // room again
      assert.equal(b!.recv(8).toString(), 'xyz');
    });

    it('throws EPIPE (never SIGPIPE) once the peer is gone, and any other error', () => {
      const [a, b] = socketpair().map(track);
      b!.close();
      throwsSocketError(() => a!.trySend('x'), 'EPIPE', 'send');
      const s = socket();
      s.close();
      throwsSocketError(() => s.trySend('x'), 'EBADF', 'send');
    });
  });

  describe('the hot path', () => {
    it('allocates nothing per data call once compiled (a closure context would be 48+ bytes)', async () => {
      const child = start(process.execPath, ['--max-semi-space-size=64', '--require', 'tsx/cjs', 'test/fixtures/hot-path-alloc.ts']);
      const { code, stdout, stderr } = await child.exit();
      assert.equal(stderr, '');
      assert.equal(code, 0);
      const perCall = JSON.parse(stdout) as Record<string, number>;
      assert.deepEqual(Object.keys(perCall), [
        'sendall + recvInto',
        'send + recvInto',
        'trySend + tryRecvInto',
        'sendto + recvInto (UDP)',
        'getsockopt(SO_TYPE)',
      ]);
      // A few bytes over 10,000 calls is the JIT's own bookkeeping, not the calls.
      for (const [name, bytes] of Object.entries(perCall)) assert.ok(bytes < 4, `${name}: ${bytes} bytes per call`);
    });
  });

  describe('default timeout', () => {
    it('applies to accepted sockets, which are then non-blocking', () => {
      const l = listener(track);
      const c = track(socket());
      c.connect(l.getsockname());
      setdefaulttimeout(7);
      const [conn] = l.accept();
      track(conn);
      assert.equal(conn.gettimeout(), 7);
      assert.equal(fdFlags(conn.fileno()) & O_NONBLOCK, O_NONBLOCK);
    });
  });

  describe('large transfers', () => {
    it('sendall pushes 32 MiB through a socketpair while the peer (python3) reads', async () => {
      const [a, b] = socketpair();
      track(a!);
      const data = crypto.randomBytes(32 << 20);
      const child = python(
        'import hashlib, socket\n' +
          's = socket.socket(fileno=3)\n' +
          'h = hashlib.sha256(); n = 0\n' +
          'while True:\n' +
          '    d = s.recv(1 << 16)\n' +
          '    if not d: break\n' +
          '    h.update(d); n += len(d)\n' +
          'print(n, h.hexdigest())\n',
        [],
        ['ignore', 'pipe', 'pipe', b!.fileno()],
      );
      b!.close(); // the child has its own copy
      a!.settimeout(60);
      a!.sendall(data);
      a!.shutdown(1);
      const { code, stdout, stderr } = await child.exit();
      assert.equal(stderr, '');
      assert.equal(code, 0);
      assert.equal(stdout, `${data.length} ${crypto.createHash('sha256').update(data).digest('hex')}\n`);
    });
  });

  describe('signals', () => {
    // A child process signals us while we block in a call, then supplies
    // what the call waits for. PEP 475: the call goes on and returns it.
    const SCRIPT =
      'import os, signal, socket, sys, time\n' +
      's = socket.socket(fileno=3)\n' +
      'ppid = int(sys.argv[1])\n' +
      'time.sleep(0.3)\n' +
      'for _ in range(3):\n' +
      '    os.kill(ppid, signal.SIGUSR2); time.sleep(0.1)\n' +
      's.sendall(b"after signals")\n' +
      's.close()\n';

    let signals = 0;
    const onSignal = () => {
      signals++;
    };
    beforeEach(() => {
      signals = 0;
      process.on('SIGUSR2', onSignal);
    });
    afterEach(() => {
      process.off('SIGUSR2', onSignal);
    });

    async function interrupted(mode: number | null): Promise<void> {
      const [a, b] = socketpair();
      track(a!);
      const child = python(SCRIPT, [String(process.pid)], ['ignore', 'pipe', 'pipe', b!.fileno()]);
      b!.close();
      a!.settimeout(mode);
      // Blocks the event loop while the signals arrive; the JS listener runs after.
      const data = a!.recv(100);
      assert.equal(data.toString(), 'after signals');
      for (let i = 0; i < 100 && signals < 3; i++) await ticks();
      assert.equal(signals, 3);
      const { code, stderr } = await child.exit();
      assert.equal(stderr, '');
      assert.equal(code, 0);
    }

    it('a blocking recv interrupted by signals is retried and returns the data', async () => {
      await interrupted(null);
    });

    it('a recv with a timeout keeps waiting for the time left when signals interrupt poll', async () => {
      await interrupted(10);
    });

    it('a send to a closed peer is EPIPE, never SIGPIPE', () => {
      const [a, b] = socketpair().map(track);
      b!.close();
      throwsSocketError(() => a!.send('x'), 'EPIPE', 'send');
      throwsSocketError(() => a!.sendall('x'), 'EPIPE', 'send');
    });
  });
});
