// Python's select module: select(), poll objects, epoll objects (Linux), and
// the classic select()-based chat server of examples/select-chat-server.ts.
//
// Expected event masks are the ones CPython's select module reports on Linux
// for the same situations (checked side by side with python3). These calls
// block the JS thread, as in Python, so every wait here has a timeout, and
// the only timing assertions are "not before the timeout" lower bounds.

import assert = require('node:assert/strict');
import fs = require('node:fs');
import path = require('node:path');

import {
  AF_INET,
  AF_UNIX,
  Epoll,
  MSG_OOB,
  POLLERR,
  POLLHUP,
  POLLIN,
  POLLNVAL,
  POLLOUT,
  POLLPRI,
  Poll,
  SHUT_WR,
  SOCK_DGRAM,
  SOCK_STREAM,
  SOL_SOCKET,
  SO_ERROR,
  SO_RCVBUF,
  epoll,
  poll,
  select,
  socket,
  socketpair,
  type Socket,
} from '../lib';
import { EPOLLERR, EPOLLET, EPOLLHUP, EPOLLIN, EPOLLONESHOT, EPOLLOUT, EPOLLPRI, EPOLLRDHUP, EPOLL_CLOEXEC, POLLRDHUP } from './linux';
import { O_CLOEXEC, errno, fdFlags, fdIsOpen, python, since, sockets, tempDirs, throwsCode, throwsSocketError, tsNode } from './helpers';

/** Seconds: the timeout of every blocking socket and every "wait until ready" here. */
const T = 10;

describe('72 select', function () {
  this.timeout(20000);
  const track = sockets();
  const tempDir = tempDirs();

  /** A connected loopback TCP pair: [client, server side]. The listener is closed. */
  function tcpPair(): [Socket, Socket] {
    const l = socket();
    try {
      l.bind(['127.0.0.1', 0]);
      l.listen(1);
      const c = track(socket());
      c.settimeout(T);
      c.connect(l.getsockname());
      const [s] = l.accept();
      track(s).settimeout(T);
      return [c, s];
    } finally {
      l.close();
    }
  }

  function unixPair(): [Socket, Socket] {
    const [a, b] = socketpair(AF_UNIX, SOCK_STREAM);
    return [track(a), track(b)];
  }

  /** An fd number that is not open: a socket's, just closed. */
  function closedFd(): number {
    const s = socket();
    const fd = s.fileno();
    s.close();
    return fd;
  }

  describe('select()', () => {
    it('returns the same objects it was given, in the given order, for each list', () => {
      const [a, b] = unixPair();
      const [c, d] = unixPair();
      const wrapped = { fileno: () => c.fileno() };
      b.send('x');
      d.send('y');
      const rlist = [wrapped, a, d.fileno(), c];
      const [r, w, x] = select(rlist, [d, wrapped, b.fileno()], [a, c], 0);
      // d has nothing to read; the rest do (c and wrapped are the same fd).
      assert.equal(r.length, 3);
      assert.equal(r[0], wrapped);
      assert.equal(r[1], a);
      assert.equal(r[2], c);
      assert.deepEqual(w, [d, wrapped, b.fileno()]);
      assert.equal(w[0], d);
      assert.equal(w[1], wrapped);
      assert.deepEqual(x, []);
      // The result arrays are new ones.
      assert.notEqual(r, rlist);
    });

    it('takes any iterable as a list (a Set, a generator), as CPython; the results are arrays', () => {
      const [a, b] = unixPair();
      b.send('x');
      function* only(...items: Socket[]): Generator<Socket> {
        yield* items;
      }
      const [r, w, x] = select(new Set([a, b]), only(b), new Map([[a, 1]]).keys(), 0);
      assert.ok(Array.isArray(r) && Array.isArray(w) && Array.isArray(x));
      assert.equal(r.length, 1);
      assert.equal(r[0], a);
      assert.equal(w.length, 1);
      assert.equal(w[0], b);
      assert.deepEqual(x, []);
      // A TypedArray of fds is a list too (CPython: an array.array); a
      // detached one is empty. A DataView is not iterable.
      const fds = new Int32Array([a.fileno()]);
      assert.deepEqual(select(fds, [], [], 0), [[a.fileno()], [], []]);
      const gone = new Uint8Array(8);
      structuredClone(gone.buffer, { transfer: [gone.buffer] });
      assert.deepEqual(select(gone, [], [], 0), [[], [], []]);
      throwsCode(() => select(new DataView(new ArrayBuffer(4)) as unknown as number[], [], [], 0), TypeError, 'ERR_INVALID_ARG_TYPE', /"rlist"/);
      // A malformed iterable is the same TypeError; what an iterator throws passes through.
      const malformed = [
        { [Symbol.iterator]: () => 5 },
        { [Symbol.iterator]: () => ({ next: 1 }) },
        { [Symbol.iterator]: () => ({ next: () => 7 }) },
      ];
      for (const m of malformed) throwsCode(() => select([], m as unknown as number[], [], 0), TypeError, 'ERR_INVALID_ARG_TYPE', /"wlist"/);
      function* boom(): Generator<Socket> {
        yield a;
        throw new Error('boom');
      }
      assert.throws(() => select(boom(), [], [], 0), /^Error: boom$/);
      // Any truthy done ends the iteration, as for-of and Array.from.
      let k = 0;
      const truthyDone = { [Symbol.iterator]: () => ({ next: () => (k++ < 2 ? { done: 0, value: a } : { done: 1 }) }) };
      const [twice] = select(truthyDone as unknown as Socket[], [], [], 0);
      assert.equal(k, 3);
      assert.equal(twice.length, 2); // a is readable (b sent 'x'), listed twice
      assert.ok(twice.every((s) => s === a));
    });

    it('checks as CPython does: the timeout before any list, then each list read and converted in turn', () => {
      const [a] = unixPair();
      let touched = false;
      function* lazy(): Generator<Socket> {
        touched = true;
        yield a;
      }
      throwsCode(() => select(lazy(), [], [], -1), RangeError, 'ERR_OUT_OF_RANGE', /"timeout"/);
      assert.equal(touched, false);
      function* later(): Generator<Socket> {
        touched = true;
        yield a;
      }
      // rlist's bad element is reported before wlist is read.
      throwsCode(() => select(['x' as unknown as number], later(), [], 0), TypeError, 'ERR_INVALID_ARG_TYPE', /"rlist"/);
      assert.equal(touched, false);
    });

    it('returns an object given twice twice, as CPython does', () => {
      const [a, b] = unixPair();
      b.send('x');
      const [r] = select([a, a.fileno(), a], [], [], 0);
      assert.equal(r.length, 3);
      assert.equal(r[0], a);
      assert.equal(r[1], a.fileno());
      assert.equal(r[2], a);
    });

    it('reports TCP urgent data (MSG_OOB) as exceptional, and readable while normal data waits', () => {
      const [c, s] = tcpPair();
      assert.deepEqual(select([s], [s], [s], 0), [[], [s], []]);
      c.send('ab');
      c.send('!', MSG_OOB);
      // Wait for the urgent byte to arrive.
      assert.deepEqual(select([], [], [s], T), [[], [], [s]]);
      assert.deepEqual(select([s], [s], [s], 0), [[s], [s], [s]]);
      assert.deepEqual(s.recv(10), Buffer.from('ab'));
      assert.deepEqual(s.recv(1, MSG_OOB), Buffer.from('!'));
      assert.deepEqual(select([s], [s], [s], 0), [[], [s], []]);
    });

    it('makes a socket readable when the peer closes; recv then gives an empty Buffer', () => {
      const [c, s] = tcpPair();
      assert.deepEqual(select([s], [], [], 0), [[], [], []]);
      c.close();
      assert.deepEqual(select([s], [], [], T), [[s], [], []]);
      assert.deepEqual(s.recv(100), Buffer.alloc(0));
      // Still readable: EOF stays.
      assert.deepEqual(select([s], [], [], 0), [[s], [], []]);
    });

    it('reports a pending connection on a listener and a datagram on a UDP socket as readable', () => {
      const l = track(socket());
      l.bind(['127.0.0.1', 0]);
      l.listen(1);
      const u = track(socket(AF_INET, SOCK_DGRAM));
      u.bind(['127.0.0.1', 0]);
      assert.deepEqual(select([l, u], [], [], 0), [[], [], []]);
      const c = track(socket());
      c.settimeout(T);
      c.connect(l.getsockname());
      assert.deepEqual(select([l, u], [], [], T), [[l], [], []]);
      const v = track(socket(AF_INET, SOCK_DGRAM));
      v.bind(['127.0.0.1', 0]);
      v.sendto('d', u.getsockname());
      // Both now, in the given order.
      assert.deepEqual(select([u, l], [], [], T), [[u, l], [], []]);
      const [conn] = l.accept();
      track(conn);
      assert.deepEqual(u.recvfrom(10), [Buffer.from('d'), v.getsockname()]);
    });

    it('reports a refused non-blocking connect as readable and writable, not exceptional (as select(2))', () => {
      const l = socket();
      l.bind(['127.0.0.1', 0]);
      const address = l.getsockname();
      l.close(); // nothing listens there now
      const c = track(socket());
      c.setblocking(false);
      assert.equal(c.connectEx(address), errno.EINPROGRESS);
      assert.deepEqual(select([c], [c], [c], T), [[c], [c], []]);
      assert.equal(c.getsockopt(SOL_SOCKET, SO_ERROR), errno.ECONNREFUSED);
    });

    it('polls with timeout 0, returns at once when something is ready with a null or omitted timeout', () => {
      const [a, b] = unixPair();
      assert.deepEqual(select([a], [], [], 0), [[], [], []]);
      assert.deepEqual(select([], [], [], 0), [[], [], []]);
      // Writable at once: these would hang if the timeout were "forever and ignore readiness".
      assert.deepEqual(select([a], [b], [], null), [[], [b], []]);
      assert.deepEqual(select([a], [b], []), [[], [b], []]);
      b.send('z');
      assert.deepEqual(select([a], [], []), [[a], [], []]);
    });

    it('returns three empty lists after (not before) the timeout', () => {
      const [a, b] = unixPair();
      let t0 = performance.now();
      assert.deepEqual(select([a, b], [], [a, b], 0.05), [[], [], []]);
      assert.ok(since(t0) >= 0.05, `returned after ${since(t0)} s`);
      // Nothing to watch at all: select() sleeps, as in Python.
      t0 = performance.now();
      assert.deepEqual(select([], [], [], 0.03), [[], [], []]);
      assert.ok(since(t0) >= 0.03, `returned after ${since(t0)} s`);
    });

    it('rejects a closed socket with RangeError, a closed fd with EBADF, and bad arguments', () => {
      const [a] = unixPair();
      const s = socket();
      s.close();
      throwsCode(() => select([s], [], [], 0), RangeError, 'ERR_OUT_OF_RANGE', /"rlist"/);
      throwsCode(() => select([], [], [s], 0), RangeError, 'ERR_OUT_OF_RANGE', /"xlist"/);
      throwsCode(() => select([], [{ fileno: () => -1 }], [], 0), RangeError, 'ERR_OUT_OF_RANGE', /"wlist"/);
      const fd = closedFd();
      throwsSocketError(() => select([a, fd], [], [], 0), 'EBADF', 'select');
      throwsSocketError(() => select([], [fd], [], 0), 'EBADF', 'select');
      throwsSocketError(() => select([], [], [fd], 0), 'EBADF', 'select');
      throwsCode(() => select([a], [], [], -1), RangeError, 'ERR_OUT_OF_RANGE', /"timeout"/);
      throwsCode(() => select([a], [], [], -0.001), RangeError, 'ERR_OUT_OF_RANGE', /"timeout"/);
      throwsCode(() => select([a], [], [], NaN), RangeError, 'ERR_OUT_OF_RANGE', /"timeout"/);
      // Too long for poll(2)'s int of milliseconds: CPython's OverflowError, not a shorter wait.
      for (const t of [Infinity, 1e300, 2 ** 31 / 1000]) throwsCode(() => select([a], [], [], t), RangeError, 'ERR_OUT_OF_RANGE', /"timeout"/);
      throwsCode(() => select([a], [], [], '1' as unknown as number), TypeError, 'ERR_INVALID_ARG_TYPE', /"timeout"/);
      throwsCode(() => select('34' as unknown as Socket[], [], [], 0), TypeError, 'ERR_INVALID_ARG_TYPE', /"rlist"/);
      throwsCode(() => select([], a as unknown as Socket[], [], 0), TypeError, 'ERR_INVALID_ARG_TYPE', /"wlist"/);
      throwsCode(() => select([], [], null as unknown as Socket[], 0), TypeError, 'ERR_INVALID_ARG_TYPE', /"xlist"/);
      throwsCode(() => select(['3' as unknown as number], [], [], 0), TypeError, 'ERR_INVALID_ARG_TYPE', /"rlist"/);
      throwsCode(() => select([1.5], [], [], 0), TypeError, 'ERR_INVALID_ARG_TYPE', /"rlist"/);
      throwsCode(() => select([{ fileno: () => 'x' } as unknown as Socket], [], [], 0), TypeError, 'ERR_INVALID_ARG_TYPE');
      throwsCode(() => select([{} as unknown as Socket], [], [], 0), TypeError, 'ERR_INVALID_ARG_TYPE');
    });
  });

  describe('poll()', () => {
    it('register/modify/unregister with exact [fd, revents] pairs in registration order', () => {
      const [a, b] = unixPair();
      const p = poll();
      assert.ok(p instanceof Poll);
      assert.deepEqual(p.poll(0), []);
      p.register(a, POLLIN);
      p.register(b); // POLLIN | POLLPRI | POLLOUT
      assert.deepEqual(p.poll(0), [[b.fileno(), POLLOUT]]);
      b.send('x');
      assert.deepEqual(p.poll(0), [
        [a.fileno(), POLLIN],
        [b.fileno(), POLLOUT],
      ]);
      // modify keeps the place in the order; registering again is a modify.
      p.modify(a, POLLIN | POLLOUT);
      p.register(b.fileno(), POLLIN);
      assert.deepEqual(p.poll(0), [[a.fileno(), POLLIN | POLLOUT]]);
      p.unregister(a.fileno());
      assert.deepEqual(p.poll(0), []);
      // Registering again puts it last.
      p.register({ fileno: () => a.fileno() }, POLLIN);
      p.modify(b, POLLOUT);
      assert.deepEqual(p.poll(0), [
        [b.fileno(), POLLOUT],
        [a.fileno(), POLLIN],
      ]);
      assert.deepEqual(a.recv(10), Buffer.from('x'));
      assert.deepEqual(p.poll(0), [[b.fileno(), POLLOUT]]);
      p.unregister(b);
      p.unregister(a);
      assert.deepEqual(p.poll(0), []);
    });

    it('reports POLLHUP (even unasked) and POLLRDHUP when the peer closes', () => {
      const [a, b] = unixPair();
      const p = poll();
      p.register(a, 0);
      assert.deepEqual(p.poll(0), []);
      b.close();
      assert.deepEqual(p.poll(0), [[a.fileno(), POLLHUP]]);
      p.modify(a, POLLIN | POLLPRI | POLLOUT);
      assert.deepEqual(p.poll(0), [[a.fileno(), POLLIN | POLLOUT | POLLHUP]]);

      // TCP: the peer's FIN closes only our read side, so no POLLHUP until we shut down too.
      const [c, s] = tcpPair();
      const q = poll();
      q.register(s, POLLIN | POLLOUT | POLLRDHUP);
      assert.deepEqual(q.poll(0), [[s.fileno(), POLLOUT]]);
      c.close();
      assert.deepEqual(select([s], [], [], T), [[s], [], []]);
      assert.deepEqual(q.poll(0), [[s.fileno(), POLLIN | POLLOUT | POLLRDHUP]]);
      s.shutdown(SHUT_WR);
      assert.deepEqual(q.poll(0), [[s.fileno(), POLLIN | POLLOUT | POLLRDHUP | POLLHUP]]);
    });

    it('reports POLLNVAL for a registered fd that was closed', () => {
      const [a] = unixPair();
      const x = socket();
      const fd = x.fileno();
      const p = poll();
      p.register(x, POLLIN);
      p.register(a, POLLOUT);
      x.close();
      assert.deepEqual(p.poll(0), [
        [fd, POLLNVAL],
        [a.fileno(), POLLOUT],
      ]);
      p.unregister(fd);
      assert.deepEqual(p.poll(0), [[a.fileno(), POLLOUT]]);
    });

    it('reports POLLPRI for TCP urgent data and POLLERR for a refused connect', () => {
      const [c, s] = tcpPair();
      const p = poll();
      p.register(s, POLLPRI);
      c.send('!', MSG_OOB);
      assert.deepEqual(p.poll(T * 1000), [[s.fileno(), POLLPRI]]);
      assert.deepEqual(s.recv(1, MSG_OOB), Buffer.from('!'));

      const l = socket();
      l.bind(['127.0.0.1', 0]);
      const address = l.getsockname();
      l.close();
      const r = track(socket());
      r.setblocking(false);
      assert.equal(r.connectEx(address), errno.EINPROGRESS);
      const q = poll();
      q.register(r, POLLOUT);
      // The error and the hang-up are reported whatever the mask.
      assert.deepEqual(q.poll(T * 1000), [[r.fileno(), POLLOUT | POLLERR | POLLHUP]]);
    });

    it('times out after (not before) timeoutMs; 0 polls; null, omitted and negative wait for readiness', () => {
      const [a, b] = unixPair();
      const p = poll();
      p.register(a, POLLIN);
      assert.deepEqual(p.poll(0), []);
      const t0 = performance.now();
      assert.deepEqual(p.poll(50), []);
      assert.ok(since(t0) >= 0.05, `returned after ${since(t0)} s`);
      const t1 = performance.now();
      // A fraction of a millisecond is rounded up (as CPython), not down to 0.
      assert.deepEqual(p.poll(0.5), []);
      assert.ok(since(t1) >= 0.0005, `returned after ${since(t1)} s`);
      b.send('x');
      assert.deepEqual(p.poll(), [[a.fileno(), POLLIN]]);
      assert.deepEqual(p.poll(null), [[a.fileno(), POLLIN]]);
      assert.deepEqual(p.poll(-1), [[a.fileno(), POLLIN]]);
      assert.deepEqual(p.poll(-12.5), [[a.fileno(), POLLIN]]);
    });

    it('a negative fraction of a millisecond waits for readiness too, as CPython (not a 0 ms poll)', async () => {
      const l = track(socket());
      l.bind(['127.0.0.1', 0]);
      l.listen(1);
      const p = poll();
      p.register(l, POLLIN);
      // Connects after 0.2 s; the poll below waits for it.
      const peer = python(
        'import socket, sys, time\ntime.sleep(0.2)\nsocket.create_connection(("127.0.0.1", int(sys.argv[1]))).close()',
        [String((l.getsockname() as [string, number])[1])],
      );
      assert.deepEqual(p.poll(-0.5), [[l.fileno(), POLLIN]]);
      assert.equal((await peer.exit()).code, 0);
    });

    it('modify of an unregistered fd is ENOENT (FileNotFoundError); unregister of one is a RangeError (KeyError)', () => {
      const [a] = unixPair();
      const p = poll();
      throwsSocketError(() => p.modify(a, POLLIN), 'ENOENT', 'modify');
      throwsCode(() => p.unregister(a), RangeError, 'ERR_OUT_OF_RANGE', /"fd"/);
      p.register(a, POLLIN);
      p.unregister(a);
      throwsCode(() => p.unregister(a), RangeError, 'ERR_OUT_OF_RANGE', /"fd"/);
      const s = socket();
      s.close();
      throwsCode(() => p.register(s), RangeError, 'ERR_OUT_OF_RANGE', /"fd"/);
      throwsCode(() => p.register('4' as unknown as number), TypeError, 'ERR_INVALID_ARG_TYPE', /"fd"/);
      throwsCode(() => p.poll('10' as unknown as number), TypeError, 'ERR_INVALID_ARG_TYPE', /"timeoutMs"/);
    });

    // CPython: poll.register(fd, 0x10000) is an OverflowError, a negative
    // mask a ValueError, poll.poll(nan) a ValueError. Silently masking the
    // event mask to 16 bits watches something else than what was asked.
    it('rejects an event mask that does not fit 16 bits, and a NaN timeout, with RangeError (as CPython)', () => {
      const [a] = unixPair();
      const p = poll();
      throwsCode(() => p.register(a, 0x10000), RangeError, 'ERR_OUT_OF_RANGE', /"eventmask"/);
      throwsCode(() => p.register(a, -1), RangeError, 'ERR_OUT_OF_RANGE', /"eventmask"/);
      throwsCode(() => p.register(a, EPOLLET), RangeError, 'ERR_OUT_OF_RANGE', /"eventmask"/);
      p.register(a, POLLIN);
      throwsCode(() => p.modify(a, 0x10001), RangeError, 'ERR_OUT_OF_RANGE', /"eventmask"/);
      throwsCode(() => p.poll(NaN), RangeError, 'ERR_OUT_OF_RANGE', /"timeoutMs"/);
      for (const t of [Infinity, -Infinity, 2 ** 31]) throwsCode(() => p.poll(t), RangeError, 'ERR_OUT_OF_RANGE', /"timeoutMs"/);
    });
  });

  describe('epoll', () => {
    it('register/modify/unregister/poll with exact [fd, events]; close, fileno, closed, close-on-exec', () => {
      const [a, b] = unixPair();
      const ep = epoll();
      try {
        assert.ok(ep instanceof Epoll);
        assert.equal(ep.closed, false);
        const fd = ep.fileno();
        assert.ok(fd >= 0);
        assert.equal(fdFlags(fd) & O_CLOEXEC, O_CLOEXEC);
        assert.deepEqual(ep.poll(0), []);
        ep.register(a, EPOLLIN);
        assert.deepEqual(ep.poll(0), []);
        b.send('x');
        assert.deepEqual(ep.poll(0), [[a.fileno(), EPOLLIN]]);
        // Level-triggered: still there.
        assert.deepEqual(ep.poll(0), [[a.fileno(), EPOLLIN]]);
        ep.modify(a, EPOLLOUT);
        assert.deepEqual(ep.poll(0), [[a.fileno(), EPOLLOUT]]);
        ep.modify(a.fileno(), EPOLLIN | EPOLLOUT);
        assert.deepEqual(ep.poll(0), [[a.fileno(), EPOLLIN | EPOLLOUT]]);
        ep.unregister(a);
        assert.deepEqual(ep.poll(0), []);
        // The default mask: EPOLLIN | EPOLLPRI | EPOLLOUT.
        ep.register({ fileno: () => b.fileno() });
        assert.deepEqual(ep.poll(0), [[b.fileno(), EPOLLOUT]]);
      } finally {
        ep.close();
      }
      assert.equal(ep.closed, true);
      throwsCode(() => ep.fileno(), TypeError, 'ERR_INVALID_ARG_VALUE', /closed epoll object/); // CPython: ValueError
      ep.close(); // idempotent
    });

    it('closes at the end of a using block', () => {
      let fd = -1;
      let kept: Epoll | null = null;
      {
        using ep = epoll();
        fd = ep.fileno();
        kept = ep;
        assert.equal(ep.closed, false);
      }
      assert.ok(fd >= 0);
      assert.equal(kept.closed, true);
      assert.equal(fdIsOpen(fd), false);
    });

    it('reports EPOLLRDHUP, then EPOLLHUP, as the connection closes', () => {
      const [a, b] = unixPair();
      using ep = epoll();
      ep.register(a, EPOLLIN | EPOLLOUT | EPOLLRDHUP);
      assert.deepEqual(ep.poll(0), [[a.fileno(), EPOLLOUT]]);
      b.close();
      assert.deepEqual(ep.poll(0), [[a.fileno(), EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLHUP]]);

      const [c, s] = tcpPair();
      using eq = epoll();
      eq.register(s, EPOLLIN | EPOLLOUT | EPOLLRDHUP);
      c.close();
      assert.deepEqual(select([s], [], [], T), [[s], [], []]);
      assert.deepEqual(eq.poll(0), [[s.fileno(), EPOLLIN | EPOLLOUT | EPOLLRDHUP]]);
      s.shutdown(SHUT_WR);
      assert.deepEqual(eq.poll(0), [[s.fileno(), EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLHUP]]);
      // Unasked: hang-up and error come anyway.
      eq.modify(s, 0);
      assert.deepEqual(eq.poll(0), [[s.fileno(), EPOLLHUP]]);
    });

    it('reports EPOLLPRI for urgent data and EPOLLERR for a refused connect', () => {
      const [c, s] = tcpPair();
      using ep = epoll();
      ep.register(s, EPOLLPRI);
      c.send('!', MSG_OOB);
      assert.deepEqual(ep.poll(T), [[s.fileno(), EPOLLPRI]]);
      assert.deepEqual(s.recv(1, MSG_OOB), Buffer.from('!'));
      assert.deepEqual(ep.poll(0), []);

      const l = socket();
      l.bind(['127.0.0.1', 0]);
      const address = l.getsockname();
      l.close();
      const r = track(socket());
      r.setblocking(false);
      assert.equal(r.connectEx(address), errno.EINPROGRESS);
      ep.register(r, EPOLLOUT);
      assert.deepEqual(ep.poll(T), [[r.fileno(), EPOLLOUT | EPOLLERR | EPOLLHUP]]);
    });

    it('EPOLLET: a second poll without reading reports nothing; new data is a new edge', () => {
      const [a, b] = unixPair();
      using ep = epoll();
      ep.register(a, EPOLLIN | EPOLLET);
      assert.deepEqual(ep.poll(0), []);
      b.send('1');
      assert.deepEqual(ep.poll(0), [[a.fileno(), EPOLLIN]]);
      assert.deepEqual(ep.poll(0), []);
      b.send('2');
      assert.deepEqual(ep.poll(0), [[a.fileno(), EPOLLIN]]);
      assert.deepEqual(ep.poll(0), []);
      assert.deepEqual(a.recv(10), Buffer.from('12'));
      assert.deepEqual(ep.poll(0), []);
      // Level-triggered again after modify: reported on every poll.
      b.send('3');
      ep.modify(a, EPOLLIN);
      assert.deepEqual(ep.poll(0), [[a.fileno(), EPOLLIN]]);
      assert.deepEqual(ep.poll(0), [[a.fileno(), EPOLLIN]]);
    });

    it('EPOLLONESHOT: one report, then nothing until modify re-arms it', () => {
      const [a, b] = unixPair();
      using ep = epoll();
      ep.register(a, EPOLLIN | EPOLLONESHOT);
      b.send('1');
      assert.deepEqual(ep.poll(0), [[a.fileno(), EPOLLIN]]);
      assert.deepEqual(ep.poll(0), []);
      b.send('2');
      assert.deepEqual(ep.poll(0), []);
      ep.modify(a, EPOLLIN | EPOLLONESHOT);
      assert.deepEqual(ep.poll(0), [[a.fileno(), EPOLLIN]]);
      assert.deepEqual(ep.poll(0), []);
      // Still registered while disarmed: registering again is EEXIST.
      throwsSocketError(() => ep.register(a, EPOLLIN), 'EEXIST', 'epoll_ctl');
    });

    it('maxevents limits how many events one poll returns', () => {
      const socks = [...unixPair(), ...unixPair()];
      const fds = socks.map((s) => s.fileno());
      using ep = epoll();
      for (const s of socks) ep.register(s, EPOLLOUT);
      const first = ep.poll(0, 2);
      assert.equal(first.length, 2);
      const second = ep.poll(0, 3);
      assert.equal(second.length, 3);
      const all = ep.poll(0);
      assert.deepEqual(
        all.map(([fd]) => fd).sort((x, y) => x - y),
        [...fds].sort((x, y) => x - y),
      );
      for (const [fd, events] of [...first, ...second, ...all]) {
        assert.ok(fds.includes(fd), `fd ${fd}`);
        assert.equal(events, EPOLLOUT);
      }
      assert.equal(ep.poll(0, 1).length, 1);
      throwsCode(() => ep.poll(0, 0), RangeError, 'ERR_OUT_OF_RANGE', /"maxevents"/);
      throwsCode(() => ep.poll(0, -2), RangeError, 'ERR_OUT_OF_RANGE', /"maxevents"/);
    });

    it('times out after (not before) the timeout, in seconds; negative and null wait for readiness', () => {
      const [a, b] = unixPair();
      using ep = epoll();
      ep.register(a, EPOLLIN);
      const t0 = performance.now();
      assert.deepEqual(ep.poll(0.05), []);
      assert.ok(since(t0) >= 0.05, `returned after ${since(t0)} s`);
      b.send('x');
      assert.deepEqual(ep.poll(), [[a.fileno(), EPOLLIN]]);
      assert.deepEqual(ep.poll(null), [[a.fileno(), EPOLLIN]]);
      assert.deepEqual(ep.poll(-1), [[a.fileno(), EPOLLIN]]);
      assert.deepEqual(ep.poll(-0.5), [[a.fileno(), EPOLLIN]]);
      assert.equal(a.recv(1).toString(), 'x');
      // As CPython: rounded up to whole milliseconds, -0.0005 s is 0 ms (a poll), not forever.
      assert.deepEqual(ep.poll(-0.0005), []);
      for (const t of [NaN, Infinity, -Infinity, 2 ** 31 / 1000]) throwsCode(() => ep.poll(t), RangeError, 'ERR_OUT_OF_RANGE', /"timeout"/);
    });

    it('sizehint and flags are checked as CPython: sizehint -1 or > 0, flags 0 or EPOLL_CLOEXEC', () => {
      epoll(-1, EPOLL_CLOEXEC).close();
      epoll(10).close();
      for (const hint of [0, -5]) throwsCode(() => epoll(hint), RangeError, 'ERR_OUT_OF_RANGE', /"sizehint"/);
      throwsSocketError(() => epoll(-1, 12345), 'EINVAL', 'epoll_create1');
    });

    it('epoll_ctl errors: EEXIST, ENOENT, EBADF, EPERM; a closed epoll is a TypeError (CPython: ValueError)', () => {
      const [a, b] = unixPair();
      const ep = epoll();
      try {
        ep.register(a, EPOLLIN);
        throwsSocketError(() => ep.register(a, EPOLLIN), 'EEXIST', 'epoll_ctl');
        throwsSocketError(() => ep.register(a.fileno()), 'EEXIST', 'epoll_ctl');
        throwsSocketError(() => ep.unregister(b), 'ENOENT', 'epoll_ctl');
        throwsSocketError(() => ep.modify(b, EPOLLIN), 'ENOENT', 'epoll_ctl');
        const fd = closedFd();
        throwsSocketError(() => ep.register(fd, EPOLLIN), 'EBADF', 'epoll_ctl');
        const s = socket();
        s.close();
        throwsCode(() => ep.register(s), RangeError, 'ERR_OUT_OF_RANGE', /"fd"/);
        // A regular file cannot be watched by epoll.
        const dir = tempDir();
        const file = path.join(dir, 'f');
        fs.writeFileSync(file, 'x');
        const ffd = fs.openSync(file, 'r');
        try {
          throwsSocketError(() => ep.register(ffd, EPOLLIN), 'EPERM', 'epoll_ctl');
        } finally {
          fs.closeSync(ffd);
        }
        // An invalid combination (EPOLLEXCLUSIVE with everything else).
        throwsSocketError(() => ep.modify(a, -1), 'EINVAL', 'epoll_ctl');
      } finally {
        ep.close();
      }
      for (const call of [() => ep.poll(0), () => ep.register(a), () => ep.modify(a, EPOLLIN), () => ep.unregister(a), () => ep.fileno()]) {
        throwsCode(call, TypeError, 'ERR_INVALID_ARG_VALUE', /I\/O operation on closed epoll object/);
      }
      // The arguments are checked first, as in CPython.
      throwsCode(() => ep.register(-1), RangeError, 'ERR_OUT_OF_RANGE', /"fd"/);
      assert.equal(ep.closed, true);
    });

    it('drops a registered socket that is closed (the kernel removes it)', () => {
      const [a] = unixPair();
      using ep = epoll();
      const x = socket();
      const fd = x.fileno();
      ep.register(x, EPOLLOUT | EPOLLIN);
      ep.register(a, EPOLLOUT);
      assert.equal(ep.poll(0).length, 2);
      x.close();
      assert.deepEqual(ep.poll(0), [[a.fileno(), EPOLLOUT]]);
      throwsSocketError(() => ep.unregister(fd), 'EBADF', 'epoll_ctl');
    });
  });

  describe('examples/select-chat-server.ts', () => {
    /** Reads exactly `expected.length` bytes from `s` and compares them. */
    function expectRecv(s: Socket, expected: string | Buffer, who: string): void {
      const want = Buffer.isBuffer(expected) ? expected : Buffer.from(expected);
      const parts: Buffer[] = [];
      let n = 0;
      while (n < want.length) {
        const chunk = s.recv(Math.min(want.length - n, 1 << 20));
        if (chunk.length === 0) break;
        parts.push(chunk);
        n += chunk.length;
      }
      const got = Buffer.concat(parts);
      if (got.equals(want)) return;
      if (want.length <= 4096) assert.equal(got.toString(), want.toString(), `${who} received`);
      let at = 0;
      while (at < got.length && got[at] === want[at]) at++;
      const show = (b: Buffer) => JSON.stringify(b.subarray(Math.max(0, at - 40), at + 40).toString());
      assert.fail(`${who}: got ${got.length} of ${want.length} bytes, first difference at ${at}: ${show(got)} vs ${show(want)}`);
    }

    /** Asserts that `s` has nothing more: EOF right away. */
    function expectEof(s: Socket, who: string): void {
      const rest = s.recv(65536);
      assert.equal(rest.toString(), '', `${who} had more`);
    }

    function connect(port: number): [Socket, string, string] {
      const c = track(socket());
      c.settimeout(T);
      c.connect(['127.0.0.1', port]);
      const [host, p] = c.getsockname() as [string, number];
      return [c, `${host}:${p}`, `${host} ${p}`];
    }

    it('broadcasts each line to the other clients only, announces joins and leaves, and ends', async () => {
      const server = tsNode('examples/select-chat-server.ts', ['--max-clients', '4']);
      const first = await server.line();
      const m = /^listening 127\.0\.0\.1 (\d+)$/.exec(first);
      assert.ok(m, first);
      const port = Number(m[1]);

      const clients: Socket[] = [];
      const names: string[] = [];
      const shown: string[] = [];
      for (let i = 0; i < 4; i++) {
        const [c, name, show] = connect(port);
        // The server has accepted it (and queued the announcement) before it says so.
        assert.equal(await server.line(), `joined ${show}`);
        clients.push(c);
        names.push(name);
        shown.push(show);
      }
      const [A, B, C, D] = clients as [Socket, Socket, Socket, Socket];
      const [nA, nB, nC, nD] = names as [string, string, string, string];

      // Everyone already there hears of each later join.
      expectRecv(A, `* ${nB} joined\n* ${nC} joined\n* ${nD} joined\n`, 'A');
      expectRecv(B, `* ${nC} joined\n* ${nD} joined\n`, 'B');
      expectRecv(C, `* ${nD} joined\n`, 'C');

      A.sendall('hello from A\n');
      for (const [s, who] of [[B, 'B'], [C, 'C'], [D, 'D']] as const) expectRecv(s, `[${nA}] hello from A\n`, who);

      // Two lines in one send are two messages.
      B.sendall('two\nlines\n');
      for (const [s, who] of [[A, 'A'], [C, 'C'], [D, 'D']] as const) expectRecv(s, `[${nB}] two\n[${nB}] lines\n`, who);

      // A line in pieces is delivered once it ends; lines of others go by meanwhile.
      C.sendall('split ');
      D.sendall('ping\n');
      for (const [s, who] of [[A, 'A'], [B, 'B'], [C, 'C']] as const) expectRecv(s, `[${nD}] ping\n`, who);
      C.sendall('line\n');
      for (const [s, who] of [[A, 'A'], [B, 'B'], [D, 'D']] as const) expectRecv(s, `[${nC}] split line\n`, who);

      // A long line (many recv()s on the server) arrives whole, exactly.
      const long = Buffer.alloc(300_000);
      for (let i = 0; i < long.length; i++) long[i] = 0x61 + (i % 26);
      D.sendall(Buffer.concat([long, Buffer.from('\n')]));
      const longLine = Buffer.concat([Buffer.from(`[${nD}] `), long, Buffer.from('\n')]);
      for (const [s, who] of [[A, 'A'], [B, 'B'], [C, 'C']] as const) expectRecv(s, longLine, who);

      // D leaves abruptly, after an unterminated line: that line, then the announcement.
      D.sendall('bye');
      D.close();
      assert.equal(await server.line(), `left ${shown[3]}`);
      for (const [s, who] of [[A, 'A'], [B, 'B'], [C, 'C']] as const) expectRecv(s, `[${nD}] bye\n* ${nD} left\n`, who);

      // The others leave one by one (half-close: the server closes, we read EOF).
      A.shutdown(SHUT_WR);
      assert.equal(await server.line(), `left ${shown[0]}`);
      expectEof(A, 'A');
      for (const [s, who] of [[B, 'B'], [C, 'C']] as const) expectRecv(s, `* ${nA} left\n`, who);
      B.shutdown(SHUT_WR);
      assert.equal(await server.line(), `left ${shown[1]}`);
      expectEof(B, 'B');
      expectRecv(C, `* ${nB} left\n`, 'C');
      C.shutdown(SHUT_WR);
      assert.equal(await server.line(), `left ${shown[2]}`);
      expectEof(C, 'C');

      assert.equal(await server.line(), 'done');
      const { code, signal, stderr } = await server.exit();
      assert.equal(signal, null, stderr);
      assert.equal(code, 0, stderr);
      assert.equal(stderr, '');
    });

    it('buffers output for a client that does not read, and keeps serving the others', async () => {
      const server = tsNode('examples/select-chat-server.ts', ['--max-clients', '3']);
      const m = /^listening 127\.0\.0\.1 (\d+)$/.exec(await server.line());
      assert.ok(m);
      const port = Number(m[1]);
      const [A, nA, sA] = connect(port);
      assert.equal(await server.line(), `joined ${sA}`);
      const [B, nB, sB] = connect(port);
      assert.equal(await server.line(), `joined ${sB}`);
      // The slow reader: a small receive buffer, and it reads nothing for now.
      const S = track(socket());
      S.setsockopt(SOL_SOCKET, SO_RCVBUF, 4096);
      S.settimeout(T);
      S.connect(['127.0.0.1', port]);
      const [hS, pS] = S.getsockname() as [string, number];
      const nS = `${hS}:${pS}`;
      assert.equal(await server.line(), `joined ${hS} ${pS}`);

      // 8 MiB of lines from A, while neither B nor S reads: far more than the
      // kernel's buffers hold, so sendall() only completes because the
      // server keeps reading A and queues the rest (a server blocked in a
      // send to B or S would stop reading A, and this would time out).
      const lines: Buffer[] = [];
      for (let i = 0; i < 128; i++) {
        const line = Buffer.alloc(65536, 0x61 + (i % 26));
        line.write(`line ${i}:`);
        line[line.length - 1] = 0x0a;
        lines.push(line);
      }
      A.sendall(Buffer.concat(lines));
      const relayed = Buffer.concat(lines.flatMap((l) => [Buffer.from(`[${nA}] `), l]));
      expectRecv(B, Buffer.concat([Buffer.from(`* ${nS} joined\n`), relayed]), 'B');

      // S has still read nothing: the server holds most of those 8 MiB for it
      // (S's receive buffer is tiny and a socket's send buffer is at most
      // 4 MiB here), and goes on serving the others meanwhile.
      B.sendall('still here\n');
      expectRecv(A, `* ${nB} joined\n* ${nS} joined\n[${nB}] still here\n`, 'A');
      // Then S reads it all, in order.
      expectRecv(S, Buffer.concat([relayed, Buffer.from(`[${nB}] still here\n`)]), 'S');

      for (const [s, who, show, others] of [
        [A, 'A', sA, [B, S]],
        [B, 'B', sB, [S]],
        [S, 'S', `${hS} ${pS}`, []],
      ] as const) {
        s.shutdown(SHUT_WR);
        assert.equal(await server.line(), `left ${show}`);
        expectEof(s, who);
        const name = `${show.replace(' ', ':')}`;
        for (const o of others) expectRecv(o, `* ${name} left\n`, 'other');
      }
      assert.equal(await server.line(), 'done');
      const { code, signal, stderr } = await server.exit();
      assert.equal(signal, null, stderr);
      assert.equal(code, 0, stderr);
    });

    it('refuses bad arguments with a usage line and exit code 2', async () => {
      const { code, stdout, stderr } = await tsNode('examples/select-chat-server.ts', ['--max-clients', '0']).exit();
      assert.equal(code, 2);
      assert.equal(stdout, '');
      assert.equal(stderr, 'usage: select-chat-server.ts [port] [--max-clients N]\n');
    });
  });
});
