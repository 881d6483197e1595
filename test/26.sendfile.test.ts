// Socket.sendfile: sendfile(2) from an fd or a FileHandle, the file position
// CPython leaves, its argument and mode errors, timeouts, and the read+send
// fallback for files sendfile(2) cannot read.

import assert = require('node:assert/strict');
import fs = require('node:fs');
import path = require('node:path');

import { AF_INET, AF_UNIX, SOCK_DGRAM, SOCK_SEQPACKET, SOCK_STREAM, SocketTimeoutError, socket, socketpair, type Socket } from '../lib';
import { native } from '../lib/binding';
import { fdFlags, python, sockets, tempDirs, throwsCode, throwsSocketError } from './helpers';

const O_APPEND = 0o2000; // Linux's value, as /proc/self/fdinfo shows it

describe('26 sendfile', () => {
  const track = sockets();
  const tmp = tempDirs();
  let fds: number[] = [];
  afterEach(() => {
    for (const fd of fds) fs.closeSync(fd);
    fds = [];
  });

  function pair(): [Socket, Socket] {
    const [a, b] = socketpair(AF_UNIX, SOCK_STREAM);
    track(a).settimeout(10);
    track(b).settimeout(10);
    return [a, b];
  }

  /** A temp file holding `content`, open with `flags` (closed after the test). */
  function open(content: string | Buffer, flags = 'r'): number {
    const file = path.join(tmp(), `f${fds.length}`);
    fs.writeFileSync(file, content);
    const fd = fs.openSync(file, flags);
    fds.push(fd);
    return fd;
  }

  /** `n` bytes from `s`, as a string. */
  function recvExactly(s: Socket, n: number): string {
    const parts: Buffer[] = [];
    for (let got = 0, pass = 0; got < n && pass < 10000; pass++) {
      const data = s.recv(n - got);
      assert.ok(data.length > 0, 'EOF');
      parts.push(data);
      got += data.length;
    }
    return Buffer.concat(parts).toString();
  }

  /** Reads from the file's current position (what file.read() would see): up to 100 bytes. */
  function rest(fd: number): string {
    const buf = Buffer.alloc(100);
    return buf.subarray(0, fs.readSync(fd, buf, 0, 100, null)).toString();
  }

  /**
   * Sends far more than the socket buffers hold from `a` (timeout 0.1 s) to
   * `b`, which does not read: a SocketTimeoutError from `syscall`. Then the
   * file position must be exactly past what `b` gets.
   */
  function timesOutAt(a: Socket, b: Socket, syscall: string): void {
    const size = 16 << 20;
    const fd = open(Buffer.alloc(size, 0x61));
    a.settimeout(0.1);
    assert.throws(() => a.sendfile(fd), (err: unknown) => err instanceof SocketTimeoutError && err.syscall === syscall);
    b.settimeout(0.1);
    let received = 0;
    for (let pass = 0; pass < 100000; pass++) {
      try {
        received += b.recv(1 << 20).length;
      } catch (err) {
        if (!(err instanceof SocketTimeoutError)) throw err;
        break;
      }
    }
    assert.ok(received > 0 && received < size, `received ${received}`);
    assert.equal(fs.readSync(fd, Buffer.alloc(size), 0, size, null), size - received);
  }

  it('sends the whole file from offset 0, whatever the position, and leaves the position after the last byte sent', () => {
    const [a, b] = pair();
    const fd = open('abcdef');
    fs.readSync(fd, Buffer.alloc(4), 0, 4, null); // position 4: CPython's offset still defaults to 0
    assert.equal(a.sendfile(fd), 6);
    assert.equal(b.recv(100).toString(), 'abcdef');
    assert.equal(rest(fd), '');
    assert.equal(a.sendfile(fd, 2, 3), 3);
    assert.equal(b.recv(100).toString(), 'cde');
    assert.equal(rest(fd), 'f');
    assert.equal(a.sendfile(fd, 4, 100), 2); // a count past the end stops at the end
    assert.equal(b.recv(100).toString(), 'ef');
  });

  it('as CPython: an empty file sends nothing, and so does an offset past the end (the position stays)', () => {
    const [a] = pair();
    const empty = open('');
    assert.equal(a.sendfile(empty), 0);
    const fd = open('abc');
    assert.equal(a.sendfile(fd, 10), 0);
    assert.equal(rest(fd), 'abc');
  });

  it('takes a FileHandle as well as an fd', async () => {
    const [a, b] = pair();
    const file = path.join(tmp(), 'handle');
    fs.writeFileSync(file, 'from a handle');
    const handle = await fs.promises.open(file, 'r');
    try {
      assert.equal(a.sendfile(handle, 5), 8);
      assert.equal(b.recv(100).toString(), 'a handle');
    } finally {
      await handle.close();
    }
  });

  it('checks its arguments and the socket as CPython does, before any syscall', () => {
    const [a] = pair();
    const fd = open('abc');
    throwsCode(() => a.sendfile(fd, 0, 0), RangeError, 'ERR_OUT_OF_RANGE', /"count".*positive integer\. Received 0/);
    throwsCode(() => a.sendfile(fd, 0, 1.5), RangeError, 'ERR_OUT_OF_RANGE', /"count"/);
    throwsCode(() => a.sendfile(fd, -1), RangeError, 'ERR_OUT_OF_RANGE', /"offset"/);
    throwsCode(() => a.sendfile('3' as unknown as number), TypeError, 'ERR_INVALID_ARG_TYPE', /"file"/);
    throwsCode(() => a.sendfile({ fd: -1 }), RangeError, 'ERR_OUT_OF_RANGE', /"file"/);
    const udp = track(socket(AF_INET, SOCK_DGRAM));
    throwsCode(() => udp.sendfile(fd), TypeError, 'ERR_INVALID_ARG_VALUE', /must be a SOCK_STREAM socket/);
    a.setblocking(false);
    throwsCode(() => a.sendfile(fd), TypeError, 'ERR_INVALID_ARG_VALUE', /non-blocking/);
    assert.equal(a.sendfile(open('')), 0); // CPython returns for an empty file before it looks at the mode
    throwsSocketError(() => a.sendfile(100000), 'EBADF', 'fstat');
    a.close();
    throwsSocketError(() => a.sendfile(fd), 'EBADF', 'sendfile');
  });

  it('a timeout applies to each wait for room; the position tells what was sent', () => {
    const [a, b] = pair();
    timesOutAt(a, b, 'sendfile');
  });

  it('a pipe or a socket has size 0 and sends nothing, as in CPython', () => {
    const [a, b] = pair();
    const [p, q] = pair();
    p.sendall('stays queued');
    assert.equal(a.sendfile(q.fileno()), 0);
    assert.equal(q.recv(100).toString(), 'stays queued');
    b.setblocking(false);
    throwsSocketError(() => b.recv(1), 'EAGAIN', 'recv');
  });

  it('SOCK_SEQPACKET passes the stream check, as CPython\'s `type & SOCK_STREAM` lets it', () => {
    const [a, b] = socketpair(AF_UNIX, SOCK_SEQPACKET);
    track(a);
    track(b).settimeout(10);
    assert.equal(a.sendfile(open('hello world')), 11);
    assert.equal(b.recv(100).toString(), 'hello world');
  });

  /** Sets O_APPEND on `s` (a python3 child shares its open file): sendfile(2) then fails with EINVAL. */
  async function appendMode(s: Socket): Promise<void> {
    const child = python('import fcntl, os; fcntl.fcntl(3, fcntl.F_SETFL, fcntl.fcntl(3, fcntl.F_GETFL) | os.O_APPEND)', [], [
      'ignore',
      'pipe',
      'pipe',
      s.fileno(),
    ]);
    assert.equal((await child.exit()).code, 0);
    assert.equal(fdFlags(s.fileno()) & O_APPEND, O_APPEND);
  }

  it('where sendfile(2) fails (EINVAL here), the file is read and sent from offset, and the position follows', async () => {
    const [a, b] = pair();
    await appendMode(a);
    const text = '0123456789'.repeat(2000); // 20,000 bytes: three reads of 8 KiB
    const fd = open(text);
    assert.equal(a.sendfile(fd, 5), 19995);
    assert.equal(recvExactly(b, 19995), text.slice(5));
    assert.equal(rest(fd), '');
    assert.equal(a.sendfile(fd, 3, 4), 4);
    assert.equal(recvExactly(b, 4), '3456');
    assert.equal(rest(fd), text.slice(7, 107));
  });

  it('after a timeout in the fallback, the position is just past what the peer got, partial sends included', async () => {
    // TCP, whose sends stop part way through a chunk where AF_UNIX's rarely do.
    const l = track(socket(AF_INET, SOCK_STREAM));
    l.bind(['127.0.0.1', 0]);
    l.listen();
    const a = track(socket(AF_INET, SOCK_STREAM));
    a.connect(l.getsockname());
    const [b] = l.accept();
    track(b);
    await appendMode(a);
    timesOutAt(a, b, 'send');
  });

  it('a file not open for reading fails with EBADF from the fallback read', () => {
    const [a] = pair();
    throwsSocketError(() => a.sendfile(open('abc', 'a')), 'EBADF', 'read');
  });

  describe('sendfileAsync', () => {
    /** Everything `b` receives, with the async methods, until `n` bytes came. */
    async function received(b: Socket, n: number): Promise<number> {
      let got = 0;
      for (let pass = 0; got < n && pass < 100000; pass++) {
        const data = await b.recvAsync(1 << 20);
        assert.ok(data.length > 0, 'EOF');
        got += data.length;
      }
      return got;
    }

    for (const route of ['sendfile(2)', 'the read+send fallback']) {
      it(`over ${route}: a blocking socket never blocks the loop; the position ends past what was sent, after an abort too`, async () => {
        const [a, b] = socketpair(AF_UNIX, SOCK_STREAM); // blocking, both
        track(a);
        track(b);
        if (route !== 'sendfile(2)') await appendMode(a);
        const size = 8 << 20; // far more than the socket buffers hold
        const fd = open(Buffer.alloc(size, 0x63));
        const pending = a.sendfileAsync(fd, 1000);
        assert.equal(await received(b, size - 1000), size - 1000);
        assert.equal(await pending, size - 1000);
        assert.equal(rest(fd), '');
        // Aborted while waiting for room: what went is what the peer gets.
        const ac = new AbortController();
        const aborted = a.sendfileAsync(fd, 0, null, { signal: ac.signal });
        await new Promise((resolve) => setTimeout(resolve, 20));
        ac.abort(new Error('stop'));
        await assert.rejects(aborted, /stop/);
        b.setblocking(false);
        let drained = 0;
        for (let n = 0, pass = 0; pass < 10000 && (n = b.tryRecvInto(Buffer.alloc(1 << 20))) > 0; pass++) drained += n;
        assert.ok(drained > 0 && drained < size, `drained ${drained}`);
        assert.equal(fs.readSync(fd, Buffer.alloc(size), 0, size, null), size - drained);
      });
    }

    it('moves at most 1 MiB per sendfile(2) call and 4 MiB per turn of the event loop, so a fast reader cannot hold the loop', async () => {
      const [a, b] = socketpair(AF_UNIX, SOCK_STREAM); // blocking: the child reads b with blocking reads
      track(a);
      track(b);
      const size = 24 << 20;
      const fd = open(Buffer.alloc(size, 0x64));
      // A python3 child holding b's end reads as fast as it can.
      const reader = python(
        'import os, sys\nn = 0\nwhile n < int(sys.argv[1]):\n    d = os.read(3, 1 << 22)\n    if not d: break\n    n += len(d)\nprint(n)',
        [String(size)],
        ['ignore', 'pipe', 'pipe', b.fileno()],
      );
      let turn = 0;
      let ticking = true;
      const tick = () => {
        turn++;
        if (ticking) setImmediate(tick);
      };
      setImmediate(tick);
      const calls: Array<[turn: number, want: number, got: number]> = [];
      const original = native.sendfileNowait;
      native.sendfileNowait = (outFd, inFd, offset, want) => {
        const got = original(outFd, inFd, offset, want);
        calls.push([turn, want, got]);
        return got;
      };
      try {
        assert.equal(await a.sendfileAsync(fd, 0, null, { signal: AbortSignal.timeout(20_000) }), size);
      } finally {
        native.sendfileNowait = original;
        ticking = false;
      }
      assert.equal((await reader.exit()).stdout, `${size}\n`);
      assert.ok(Math.max(...calls.map(([, want]) => want)) <= 1 << 20);
      const perTurn = new Map<number, number>();
      for (const [t, , got] of calls) if (got > 0) perTurn.set(t, (perTurn.get(t) ?? 0) + got);
      assert.ok(Math.max(...perTurn.values()) <= 4 << 20, `${Math.max(...perTurn.values())} bytes in one turn`);
      assert.ok(perTurn.size >= 6, `only ${perTurn.size} turns`);
    });

    it('a read error in the fallback, even in the first attempt, leaves the position past what was sent', async () => {
      const [a, b] = pair();
      await appendMode(a);
      const fd = open(Buffer.alloc(1 << 20, 0x65));
      const readSync = fs.readSync;
      let reads = 0;
      fs.readSync = ((...args: Parameters<typeof fs.readSync>) => {
        if (++reads === 3) throw Object.assign(new Error('EIO: i/o error, read'), { errno: -5, code: 'EIO', syscall: 'read' });
        return readSync(...args);
      }) as typeof fs.readSync;
      try {
        await assert.rejects(a.sendfileAsync(fd), { name: 'SocketError', code: 'EIO', syscall: 'read' });
      } finally {
        fs.readSync = readSync;
      }
      b.setblocking(false);
      let got = 0;
      for (let n = 0, pass = 0; pass < 1000 && (n = b.tryRecvInto(Buffer.alloc(1 << 16))) > 0; pass++) got += n;
      assert.equal(got, 2 * 8192);
      assert.equal(fs.readSync(fd, Buffer.alloc(1 << 20), 0, 1 << 20, null), (1 << 20) - got);
    });

    it('checks what the sync form checks, rejecting; a size-0 file resolves 0; options may come after any argument', async () => {
      const [a, b] = pair();
      await assert.rejects(a.sendfileAsync(open('abc'), -1), { code: 'ERR_OUT_OF_RANGE' });
      await assert.rejects(a.sendfileAsync(open('abc'), 0, 0), { code: 'ERR_OUT_OF_RANGE' });
      await assert.rejects(a.sendfileAsync('3' as unknown as number), { code: 'ERR_INVALID_ARG_TYPE' });
      const udp = track(socket(AF_INET, SOCK_DGRAM));
      await assert.rejects(udp.sendfileAsync(open('abc')), { code: 'ERR_INVALID_ARG_VALUE' });
      assert.equal(await a.sendfileAsync(open('')), 0);
      assert.equal(await a.sendfileAsync(open('abcdef'), {}), 6);
      assert.equal(await a.sendfileAsync(open('abcdef'), 4, {}), 2);
      assert.equal(await a.sendfileAsync(open('abcdef'), 1, 2, {}), 2);
      assert.equal(b.recv(100).toString(), 'abcdefefbc');
      a.setblocking(false); // the sync form refuses this mode; the async form does not care
      assert.equal(await a.sendfileAsync(open('xyz')), 3);
      assert.equal(b.recv(100).toString(), 'xyz');
      a.close();
      await assert.rejects(a.sendfileAsync(open('abc')), { code: 'EBADF', syscall: 'sendfile' });
    });
  });

  it('CPython receives what sendfile sends, byte for byte', async () => {
    const l = track(socket(AF_INET, SOCK_STREAM));
    l.bind(['127.0.0.1', 0]);
    l.listen();
    l.settimeout(20);
    const port = (l.getsockname() as [string, number])[1];
    const child = python(
      [
        'import socket, sys, hashlib',
        'c = socket.create_connection(("127.0.0.1", int(sys.argv[1])))',
        'h = hashlib.sha256(); n = 0',
        'while True:',
        '    d = c.recv(65536)',
        '    if not d: break',
        '    h.update(d); n += len(d)',
        'print(n, h.hexdigest())',
      ].join('\n'),
      [String(port)],
    );
    const [conn] = l.accept();
    track(conn);
    const data = Buffer.alloc(3 << 20);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7919) & 0xff;
    const fd = open(data);
    assert.equal(conn.sendfile(fd, 1000), data.length - 1000);
    conn.close();
    const { createHash } = await import('node:crypto');
    const digest = createHash('sha256').update(data.subarray(1000)).digest('hex');
    assert.equal((await child.exit()).stdout, `${data.length - 1000} ${digest}\n`);
  });
});
