// createConnection, createConnectionAsync, createServer, hasDualstackIpv6:
// Python's create_connection / create_server / has_dualstack_ipv6
// (PYTHON-SEMANTICS.md §1.6), on loopback only.
//
// The one bind to '::' (the dual-stack server) is restricted to the loopback
// device with SO_BINDTODEVICE right after createServer returns, before any
// client connects; without the privilege for that, the test is skipped.
//
// No timing assertions except "not before the timeout". The timeout cases use
// a listener whose accept queue is full (listen(0) plus connects that are
// never accepted): Linux then drops further SYNs, so a connect waits for as
// long as its timeout allows.

import assert = require('node:assert/strict');
import { spawnSync } from 'node:child_process';
import fs = require('node:fs');

import {
  AF_INET,
  AF_INET6,
  IPPROTO_IPV6,
  IPV6_V6ONLY,
  SOCK_STREAM,
  SOL_SOCKET,
  SO_ACCEPTCONN,
  SO_REUSEADDR,
  SO_REUSEPORT,
  Socket,
  SocketError,
  SocketTimeoutError,
  type InetSocketAddress,
  createConnection,
  createConnectionAsync,
  createServer,
  getaddrinfo,
  getdefaulttimeout,
  hasDualstackIpv6,
  socket,
} from '../lib';
import { SO_BINDTODEVICE } from './linux';
import { errno, since, sockets, throwsCode, throwsSocketError } from './helpers';

/** Seconds: every blocking call here has this timeout, so that a failure throws instead of hanging. */
const T = 10;

function openFdCount(): number {
  return fs.readdirSync('/proc/self/fd').length;
}

/** The port of a bound socket. */
function portOf(s: Socket): number {
  return (s.getsockname() as readonly [string, number])[1];
}

/** Expects `err` to be ECONNREFUSED from connect to host:port. */
function isRefused(err: unknown, host: string, port: number): void {
  assert.ok(err instanceof SocketError, `not a SocketError: ${String(err)}`);
  assert.deepEqual(
    { name: err.name, code: err.code, errno: err.errno, syscall: err.syscall, address: err.address, port: err.port },
    { name: 'SocketError', code: 'ECONNREFUSED', errno: errno.ECONNREFUSED, syscall: 'connect', address: host, port },
  );
  assert.equal(err.message, `connect ECONNREFUSED ${host}:${port}: Connection refused`);
}

describe('createConnection / createConnectionAsync', () => {
  const track = sockets();

  /**
   * Whether getaddrinfo(null, port, 0, SOCK_STREAM) is ['::1', '127.0.0.1'],
   * in that order, as on this machine: the "first address refuses, second
   * listens" cases depend on it.
   */
  function loopbackOrder(port: number): boolean {
    const hosts = getaddrinfo(null, port, 0, SOCK_STREAM).map((e) => (e[4] as readonly [string, number])[0]);
    return hosts.length === 2 && hosts[0] === '::1' && hosts[1] === '127.0.0.1';
  }

  /** A listener on 127.0.0.1 only (nothing on ::1 at its port). */
  function v4Listener(): { server: Socket; port: number } {
    const server = track(socket(AF_INET, SOCK_STREAM));
    server.bind(['127.0.0.1', 0]);
    server.listen(8);
    server.settimeout(T);
    return { server, port: portOf(server) };
  }

  /**
   * A port that refuses on both ::1 and 127.0.0.1: bound (so nobody else
   * takes it) but not listening. Null if ::1 cannot be bound at that port.
   */
  function refusingPort(): number | null {
    const v4 = track(socket(AF_INET, SOCK_STREAM));
    v4.bind(['127.0.0.1', 0]);
    const port = portOf(v4);
    const v6 = track(socket(AF_INET6, SOCK_STREAM));
    try {
      v6.bind(['::1', port]);
    } catch {
      return null;
    }
    return port;
  }

  it('the first address (::1) refuses, the second (127.0.0.1) listens: connects via the second', function () {
    const { server, port } = v4Listener();
    // The order of getaddrinfo's answer decides which address is tried first.
    if (!loopbackOrder(port)) this.skip();
    const c = track(createConnection([null, port]));
    assert.equal(c.family, AF_INET);
    assert.equal(c.type, SOCK_STREAM);
    assert.deepEqual(c.getpeername(), ['127.0.0.1', port]);
    const [conn, addr] = server.accept();
    track(conn);
    assert.deepEqual(addr, c.getsockname());
    // Without a timeout argument the socket has the default timeout.
    assert.equal(c.gettimeout(), getdefaulttimeout());
    assert.equal(c.gettimeout(), null);
    c.sendall('ping');
    assert.equal(conn.recv(10).toString(), 'ping');
  });

  it('createConnectionAsync: the same, via the second address', async function () {
    const { server, port } = v4Listener();
    if (!loopbackOrder(port)) this.skip();
    const c = track(await createConnectionAsync([null, port]));
    assert.equal(c.family, AF_INET);
    assert.deepEqual(c.getpeername(), ['127.0.0.1', port]);
    const [conn, addr] = server.accept();
    track(conn);
    assert.deepEqual(addr, c.getsockname());
  });

  it('nothing listening: the last error (ECONNREFUSED from 127.0.0.1); { allErrors: true }: an AggregateError of both', function () {
    const port = refusingPort();
    if (port === null || !loopbackOrder(port)) this.skip();
    assert.throws(
      () => createConnection([null, port]),
      (err: unknown) => {
        isRefused(err, '127.0.0.1', port);
        return true;
      },
    );
    assert.throws(
      () => createConnection([null, port], T, null, { allErrors: true }),
      (err: unknown) => {
        assert.ok(err instanceof AggregateError, String(err));
        assert.equal(err.message, 'createConnection failed');
        assert.equal(err.errors.length, 2);
        isRefused(err.errors[0], '::1', port);
        isRefused(err.errors[1], '127.0.0.1', port);
        return true;
      },
    );
    // allErrors false is the default.
    assert.throws(() => createConnection([null, port], undefined, undefined, { allErrors: false }), (err: unknown) => {
      isRefused(err, '127.0.0.1', port);
      return true;
    });
  });

  it('createConnectionAsync, nothing listening: the last error; with allErrors an AggregateError of both', async function () {
    const port = refusingPort();
    if (port === null || !loopbackOrder(port)) this.skip();
    await assert.rejects(createConnectionAsync([null, port]), (err: unknown) => {
      isRefused(err, '127.0.0.1', port);
      return true;
    });
    await assert.rejects(createConnectionAsync([null, port], { allErrors: true }), (err: unknown) => {
      assert.ok(err instanceof AggregateError, String(err));
      assert.equal(err.message, 'createConnection failed');
      assert.equal(err.errors.length, 2);
      isRefused(err.errors[0], '::1', port);
      isRefused(err.errors[1], '127.0.0.1', port);
      return true;
    });
  });

  it('as CPython: all_errors gives both ECONNREFUSED, in the same order; otherwise the last one', function () {
    const port = refusingPort();
    if (port === null || !loopbackOrder(port)) this.skip();
    const script = `
import socket, sys, json
port = int(sys.argv[1])
try:
    socket.create_connection((None, port), all_errors=True)
except ExceptionGroup as eg:
    group = [e.errno for e in eg.exceptions]
try:
    socket.create_connection((None, port))
except OSError as e:
    last = e.errno
print(json.dumps([group, last]))
`;
    const r = spawnSync('python3', ['-c', script, String(port)], { encoding: 'utf8', timeout: 20000 });
    assert.equal(r.status, 0, r.stderr);
    const [group, last] = JSON.parse(r.stdout) as [number[], number];
    let ours: AggregateError | null = null;
    try {
      createConnection([null, port], null, null, { allErrors: true });
    } catch (err) {
      ours = err as AggregateError;
    }
    assert.ok(ours instanceof AggregateError);
    assert.deepEqual(
      ours.errors.map((e: SocketError) => e.errno),
      group,
    );
    assert.throws(() => createConnection([null, port]), (err: unknown) => (err as SocketError).errno === last);
  });

  it('with a timeout: the returned socket has that timeout; sourceAddress binds the local side', () => {
    const { server, port } = v4Listener();
    const c = track(createConnection(['127.0.0.1', port], 2.5, ['127.0.0.2', 0]));
    assert.equal(c.gettimeout(), 2.5);
    const local = c.getsockname() as InetSocketAddress; // the exported name of the tuple
    assert.equal(local[0], '127.0.0.2');
    assert.ok(local[1] > 0);
    const [conn, addr] = server.accept();
    track(conn);
    assert.deepEqual(addr, local);
    // A timeout of null is blocking mode.
    const c2 = track(createConnection(['127.0.0.1', port], null));
    assert.equal(c2.gettimeout(), null);
    assert.equal(c2.getblocking(), true);
    track(server.accept()[0]);
    // sourceAddress with an explicit port.
    const probe = track(socket(AF_INET, SOCK_STREAM));
    probe.bind(['127.0.0.3', 0]);
    const sourcePort = portOf(probe);
    probe.close();
    const c3 = track(createConnection(['127.0.0.1', port], T, ['127.0.0.3', sourcePort]));
    assert.deepEqual(c3.getsockname(), ['127.0.0.3', sourcePort]);
    const [conn3, addr3] = server.accept();
    track(conn3);
    assert.deepEqual(addr3, ['127.0.0.3', sourcePort]);
  });

  it('createConnectionAsync: sourceAddress binds the local side; an aborted signal rejects with its reason', async () => {
    const { server, port } = v4Listener();
    const c = track(await createConnectionAsync(['127.0.0.1', port], { sourceAddress: ['127.0.0.2', 0] }));
    assert.equal((c.getsockname() as readonly [string, number])[0], '127.0.0.2');
    const [conn, addr] = server.accept();
    track(conn);
    assert.deepEqual(addr, c.getsockname());
    const reason = new Error('stop');
    await assert.rejects(createConnectionAsync(['127.0.0.1', port], { signal: AbortSignal.abort(reason) }), (err) => err === reason);
  });

  it('a timeout far below a millisecond still gets one wait (1 ms, as CPython): a loopback connect completes', () => {
    const { server, port } = v4Listener();
    for (const t of [1e-9, 1e-7]) {
      const c = track(createConnection(['127.0.0.1', port], t));
      assert.equal(c.gettimeout(), t);
      track(server.accept()[0]);
    }
  });

  it('a null port is port 0, as Python\'s None: ECONNREFUSED from 127.0.0.1:0', () => {
    throwsSocketError(() => createConnection(['127.0.0.1', null], T), 'ECONNREFUSED', 'connect', { address: '127.0.0.1', port: 0 });
  });

  it('createConnectionAsync: a sourceAddress host name is resolved off the loop, then bound', async () => {
    const { server, port } = v4Listener();
    const c = track(await createConnectionAsync(['127.0.0.1', port], { sourceAddress: ['localhost', 0] }));
    assert.equal((c.getsockname() as readonly [string, number])[0], '127.0.0.1');
    track(server.accept()[0]);
  });

  it('a sourceAddress that cannot be bound: the bind error, and no socket is left open', () => {
    const { port } = v4Listener();
    const before = openFdCount();
    // 198.51.100.1 (TEST-NET-2, documentation only) is not an address of this
    // machine: EADDRNOTAVAIL. bind sends nothing, and no connect is tried.
    throwsSocketError(() => createConnection(['127.0.0.1', port], T, ['198.51.100.1', 0]), 'EADDRNOTAVAIL', 'bind', {
      address: '198.51.100.1',
      port: 0,
    });
    assert.equal(openFdCount(), before);
  });

  describe('against a listener that never accepts (full accept queue)', () => {
    /** A listener with backlog 0 whose accept queue is full: further SYNs are dropped. */
    function fullListener(): number {
      const server = track(socket(AF_INET, SOCK_STREAM));
      server.bind(['127.0.0.1', 0]);
      server.listen(0);
      const port = portOf(server);
      // The first non-blocking connect fills the queue (backlog 0 holds one),
      // the next ones only get as far as a SYN that is dropped.
      for (let i = 0; i < 3; i++) {
        const c = track(socket(AF_INET, SOCK_STREAM));
        c.setblocking(false);
        assert.equal(c.connectEx(['127.0.0.1', port]), errno.EINPROGRESS);
      }
      return port;
    }

    it('createConnection with a timeout throws SocketTimeoutError (ETIMEDOUT, connect), not before the timeout', () => {
      const port = fullListener();
      const t0 = performance.now();
      assert.throws(
        () => createConnection(['127.0.0.1', port], 0.2),
        (err: unknown) => {
          assert.ok(err instanceof SocketTimeoutError, String(err));
          assert.deepEqual(
            { name: err.name, code: err.code, errno: err.errno, syscall: err.syscall, message: err.message, address: err.address, port: err.port },
            { name: 'SocketTimeoutError', code: 'ETIMEDOUT', errno: errno.ETIMEDOUT, syscall: 'connect', message: `connect ETIMEDOUT 127.0.0.1:${port}: timed out`, address: '127.0.0.1', port },
          );
          return true;
        },
      );
      assert.ok(since(t0) >= 0.2 - 0.002, `timed out after ${since(t0)} s`);
      // With allErrors: an AggregateError holding that one timeout.
      assert.throws(
        () => createConnection(['127.0.0.1', port], 0.05, null, { allErrors: true }),
        (err: unknown) => {
          assert.ok(err instanceof AggregateError);
          assert.equal(err.errors.length, 1);
          assert.ok(err.errors[0] instanceof SocketTimeoutError);
          return true;
        },
      );
    });

    it('createConnectionAsync: an abort while the connect waits rejects with the reason', async () => {
      const port = fullListener();
      const reason = { why: 'gave up' };
      const ac = new AbortController();
      const p = createConnectionAsync(['127.0.0.1', port], { signal: ac.signal });
      setTimeout(() => ac.abort(reason), 20);
      await assert.rejects(p, (err) => err === reason);
    });
  });

  it('bad arguments: TypeError/RangeError before anything is created', () => {
    const before = openFdCount();
    throwsCode(() => createConnection('127.0.0.1' as unknown as [string, number]), TypeError, 'ERR_INVALID_ARG_TYPE');
    throwsCode(() => createConnection(['127.0.0.1'] as unknown as [string, number]), TypeError, 'ERR_INVALID_ARG_TYPE');
    throwsCode(() => createConnection([1 as unknown as string, 80]), TypeError, 'ERR_INVALID_ARG_TYPE');
    throwsCode(() => createConnection(['127.0.0.1', 65536]), RangeError, 'ERR_SOCKET_BAD_PORT');
    throwsCode(() => createConnection(['127.0.0.1', 80], -1), RangeError, 'ERR_OUT_OF_RANGE');
    throwsCode(() => createConnection(['127.0.0.1', 80], '1' as unknown as number), TypeError, 'ERR_INVALID_ARG_TYPE');
    assert.equal(openFdCount(), before);
  });
});

describe('createServer / hasDualstackIpv6', () => {
  const track = sockets();

  it('sets SO_REUSEADDR, listens, and is bound where asked', () => {
    const s = track(createServer(['127.0.0.1', 0]));
    assert.equal(s.family, AF_INET);
    assert.equal(s.type, SOCK_STREAM);
    assert.equal(s.getsockopt(SOL_SOCKET, SO_REUSEADDR), 1);
    assert.equal(s.getsockopt(SOL_SOCKET, SO_REUSEPORT), 0);
    assert.equal((s.getsockname() as readonly [string, number])[0], '127.0.0.1');
    const c = track(createConnection(['127.0.0.1', portOf(s)], T));
    s.settimeout(T);
    const [conn, addr] = s.accept();
    track(conn);
    assert.deepEqual(addr, c.getsockname());
  });

  it('backlog null is the default, as Python\'s None', () => {
    const s = track(createServer(['127.0.0.1', 0], { backlog: null }));
    assert.equal(s.getsockopt(SOL_SOCKET, SO_ACCEPTCONN), 1);
  });

  it('reusePort sets SO_REUSEPORT: two servers share a port', () => {
    const a = track(createServer(['127.0.0.1', 0], { reusePort: true }));
    assert.equal(a.getsockopt(SOL_SOCKET, SO_REUSEPORT), 1);
    const b = track(createServer(['127.0.0.1', portOf(a)], { reusePort: true }));
    assert.equal(portOf(b), portOf(a));
    // Without it, the port is in use.
    throwsSocketError(() => createServer(['127.0.0.1', portOf(a)]), 'EADDRINUSE', 'bind');
  });

  it('AF_INET6 without dualstackIpv6 sets IPV6_V6ONLY=1', () => {
    const s = track(createServer(['::1', 0], { family: AF_INET6 }));
    assert.equal(s.family, AF_INET6);
    assert.equal(s.getsockopt(IPPROTO_IPV6, IPV6_V6ONLY), 1);
    assert.equal(s.getsockopt(SOL_SOCKET, SO_REUSEADDR), 1);
    const name = s.getsockname() as readonly [string, number, number, number];
    assert.deepEqual([name[0], name[2], name[3]], ['::1', 0, 0]);
    // (IPV6_V6ONLY=0 of dualstackIpv6 is checked on '::' below: binding ::1,
    // which has no IPv4 counterpart, makes Linux set it to 1 by itself, for
    // CPython's create_server too.)
  });

  it('the backlog is honoured: backlog 2 queues 3 connections, the 4th waits (times out)', () => {
    for (const backlog of [2, 3]) {
      const s = track(createServer(['127.0.0.1', 0], { backlog }));
      const port = portOf(s);
      // Linux queues backlog + 1 connections that are not accepted yet.
      for (let i = 0; i <= backlog; i++) track(createConnection(['127.0.0.1', port], T));
      const t0 = performance.now();
      assert.throws(() => createConnection(['127.0.0.1', port], 0.15), SocketTimeoutError);
      assert.ok(since(t0) >= 0.15 - 0.002);
      // Accepting one makes room again.
      s.settimeout(T);
      track(s.accept()[0]);
      track(createConnection(['127.0.0.1', port], T));
    }
  });

  it('a bind failure closes the socket (no fd left) and throws EADDRINUSE', () => {
    const a = track(createServer(['127.0.0.1', 0]));
    const a6 = track(createServer(['::1', 0], { family: AF_INET6 }));
    const before = openFdCount();
    for (let i = 0; i < 20; i++) {
      throwsSocketError(() => createServer(['127.0.0.1', portOf(a)]), 'EADDRINUSE', 'bind', {
        address: '127.0.0.1',
        port: portOf(a),
      });
      throwsSocketError(() => createServer(['::1', portOf(a6)], { family: AF_INET6, backlog: 1 }), 'EADDRINUSE', 'bind');
    }
    assert.equal(openFdCount(), before);
  });

  it('bad options: dualstackIpv6 with AF_INET is a TypeError ERR_INVALID_ARG_VALUE (CPython: ValueError); nothing left open', () => {
    const before = openFdCount();
    throwsCode(() => createServer(['127.0.0.1', 0], { dualstackIpv6: true }), TypeError, 'ERR_INVALID_ARG_VALUE', /dualstackIpv6/);
    throwsCode(
      () => createServer(['127.0.0.1', 0], { family: AF_INET, dualstackIpv6: true }),
      TypeError,
      'ERR_INVALID_ARG_VALUE',
      /requires family AF_INET6/,
    );
    throwsCode(() => createServer(['127.0.0.1', 0], { family: 1.5 }), RangeError, 'ERR_OUT_OF_RANGE');
    throwsCode(() => createServer(['127.0.0.1', 0], { backlog: '1' as unknown as number }), TypeError, 'ERR_INVALID_ARG_TYPE');
    // A bad address: the socket it made is closed again.
    throwsCode(() => createServer('127.0.0.1' as unknown as [string, number]), TypeError, 'ERR_INVALID_ARG_TYPE');
    throwsCode(() => createServer(['127.0.0.1', 65536]), RangeError, 'ERR_SOCKET_BAD_PORT');
    assert.equal(openFdCount(), before);
  });

  it('hasDualstackIpv6() is true, as CPython here', () => {
    const r = spawnSync('python3', ['-c', 'import socket; print(socket.has_dualstack_ipv6())'], { encoding: 'utf8', timeout: 20000 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'True');
    const before = openFdCount();
    assert.equal(hasDualstackIpv6(), true);
    assert.equal(openFdCount(), before);
  });

  it("dual-stack: one AF_INET6 server on '::' (restricted to lo) accepts 127.0.0.1 and ::1 clients", function () {
    const s = track(createServer(['::', 0], { family: AF_INET6, dualstackIpv6: true }));
    // Keep it loopback-only: from here on, only traffic on lo reaches it.
    try {
      s.setsockopt(SOL_SOCKET, SO_BINDTODEVICE, Buffer.from('lo\0'));
    } catch (err) {
      s.close();
      // SO_BINDTODEVICE needs CAP_NET_RAW; without it, no wildcard listener is kept.
      if (err instanceof SocketError && err.code === 'EPERM') this.skip();
      throw err;
    }
    assert.deepEqual(s.getsockopt(SOL_SOCKET, SO_BINDTODEVICE, 16), Buffer.from('lo\0'));
    assert.equal(s.getsockopt(IPPROTO_IPV6, IPV6_V6ONLY), 0);
    s.settimeout(T);
    const port = portOf(s);
    const c4 = track(createConnection(['127.0.0.1', port], T));
    const [a4, addr4] = s.accept();
    track(a4);
    const c6 = track(createConnection(['::1', port], T));
    const [a6, addr6] = s.accept();
    track(a6);
    const p4 = (c4.getsockname() as readonly [string, number])[1];
    const p6 = (c6.getsockname() as readonly [string, number])[1];
    assert.deepEqual(addr4, ['::ffff:127.0.0.1', p4, 0, 0]);
    assert.deepEqual(addr6, ['::1', p6, 0, 0]);
    assert.equal(a4.family, AF_INET6);
    // Both connections work.
    c4.sendall('four');
    c6.sendall('six');
    assert.equal(a4.recv(10).toString(), 'four');
    assert.equal(a6.recv(10).toString(), 'six');
  });
});
