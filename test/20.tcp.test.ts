// TCP on 127.0.0.1: the connection lifecycle and data calls, in one process
// (the kernel completes connections in the listen backlog, so a blocking
// connect before accept does not deadlock).

import assert = require('node:assert/strict');

import {
  MSG_DONTWAIT,
  MSG_PEEK,
  MSG_TRUNC,
  SHUT_RD,
  SHUT_WR,
  SOCK_DGRAM,
  AF_INET,
  SOL_SOCKET,
  SO_ERROR,
  SO_RCVTIMEO,
  SO_LINGER,
  SocketError,
  socket,
  type Socket,
} from '../lib';
import { O_CLOEXEC, O_NONBLOCK, errno, fdFlags, sockets, throwsSocketError } from './helpers';

describe('20 tcp', () => {
  const track = sockets();

  /** A connected pair over loopback TCP: [client, server-side conn, listener]. */
  function connected(): [Socket, Socket, Socket] {
    const l = track(socket());
    l.bind(['127.0.0.1', 0]);
    l.listen();
    const c = track(socket());
    c.settimeout(10);
    c.connect(l.getsockname());
    const [conn] = l.accept();
    track(conn);
    conn.settimeout(10);
    return [c, conn, l];
  }

  it('connects, accepts and reports both ends exactly', () => {
    const l = track(socket());
    l.bind(['127.0.0.1', 0]);
    l.listen(5);
    const [host, port] = l.getsockname() as [string, number];
    assert.equal(host, '127.0.0.1');
    assert.ok(port > 0);
    const c = track(socket());
    c.connect(['127.0.0.1', port]);
    const [conn, addr] = l.accept();
    track(conn);
    assert.deepEqual(addr, c.getsockname());
    assert.deepEqual(conn.getpeername(), c.getsockname());
    assert.deepEqual(c.getpeername(), ['127.0.0.1', port]);
    assert.deepEqual(conn.getsockname(), ['127.0.0.1', port]);
    assert.equal(conn.family, AF_INET);
    assert.equal(fdFlags(conn.fileno()) & (O_CLOEXEC | O_NONBLOCK), O_CLOEXEC);
  });

  it("binds '' to INADDR_ANY and resolves 'localhost'", () => {
    const any = track(socket());
    any.bind(['', 0]);
    assert.equal((any.getsockname() as [string, number])[0], '0.0.0.0');
    const l = track(socket());
    l.bind(['localhost', 0]);
    l.listen();
    const [, port] = l.getsockname() as [string, number];
    assert.deepEqual(l.getsockname(), ['127.0.0.1', port]);
    const c = track(socket());
    c.connect(['localhost', port]);
    assert.deepEqual(c.getpeername(), ['127.0.0.1', port]);
  });

  it('sends and receives in both directions', () => {
    const [c, conn] = connected();
    assert.equal(c.send('hello'), 5);
    assert.equal(conn.recv(1024).toString(), 'hello');
    conn.sendall(Buffer.from('HELLO'));
    assert.deepEqual(c.recv(1024), Buffer.from('HELLO'));
    // strings are UTF-8; any ArrayBufferView sends only its own bytes
    c.sendall('héllo');
    assert.deepEqual(conn.recv(100), Buffer.from('héllo', 'utf8'));
    const backing = Buffer.from('xxABCDxx');
    c.sendall(new DataView(backing.buffer, backing.byteOffset + 2, 4));
    c.sendall(new Uint16Array([0x4241]));
    assert.equal(conn.recv(100).toString('latin1'), 'ABCD' + Buffer.from(new Uint16Array([0x4241]).buffer).toString('latin1'));
  });

  it('strings go out as their UTF-8 bytes, whatever their length: multi-byte characters, lone surrogates as U+FFFD', () => {
    const [c, conn] = connected();
    // Around 21,845 characters a string may no longer fit the 64 KiB
    // scratch a sync send encodes into, and gets a Buffer of its own.
    const strings = ['', 'a', 'héllo wörld €', '\ud83d\ude00 \ud800 lone \udfff', 'é'.repeat(21_845), 'x'.repeat(21_846), '€'.repeat(30_000)];
    for (const s of strings) {
      const want = Buffer.from(s, 'utf8');
      for (const send of [(x: string) => c.sendall(x), (x: string) => { let off = 0; const b = Buffer.from(x); while (off < b.length) off += c.send(b.subarray(off)); }]) {
        send(s);
        let got = Buffer.alloc(0);
        while (got.length < want.length) got = Buffer.concat([got, conn.recv(65536)]);
        assert.ok(got.equals(want), `${s.length} characters`);
      }
      if (s.length > 0 && s.length < 21_845) {
        assert.equal(c.send(s), want.length);
        assert.ok(conn.recv(65536).equals(want));
      }
    }
  });

  it('a string given to sendto is encoded after the address is read, so a getter that sends cannot change it', () => {
    const a = track(socket(AF_INET, SOCK_DGRAM));
    const b = track(socket(AF_INET, SOCK_DGRAM));
    a.bind(['127.0.0.1', 0]);
    b.bind(['127.0.0.1', 0]);
    b.settimeout(10);
    const [host, port] = b.getsockname() as [string, number];
    const address = [host, port] as [string, number];
    Object.defineProperty(address, 0, {
      get() {
        a.sendto('from the getter', ['127.0.0.1', port]);
        return host;
      },
    });
    a.sendto('the datagram', address);
    // The getter runs (once or more) before the datagram goes: had the
    // string been encoded first, the getter's own send would have
    // overwritten it ('from the ge').
    const got: string[] = [];
    do got.push(b.recv(100).toString());
    while (got.at(-1) === 'from the getter' && got.length < 10);
    assert.ok(got.length > 1);
    assert.equal(got.at(-1), 'the datagram');
  });

  it('recv returns exactly what arrived, and an empty Buffer at EOF, again and again', () => {
    const [c, conn] = connected();
    c.sendall('abc');
    const got = conn.recv(65536);
    assert.equal(got.length, 3);
    assert.equal(got.toString(), 'abc');
    c.close();
    assert.deepEqual(conn.recv(1024), Buffer.alloc(0));
    assert.deepEqual(conn.recv(1024), Buffer.alloc(0));
    assert.equal(conn.recvInto(Buffer.alloc(8)), 0);
  });

  it('recv(0) returns an empty Buffer without waiting', () => {
    const [c] = connected();
    c.settimeout(null); // blocking: a real recv(fd, 0) would block on TCP
    assert.deepEqual(c.recv(0), Buffer.alloc(0));
  });

  it('recvInto an empty view returns 0 without a syscall, in every mode (as CPython)', async () => {
    const [c] = connected();
    const empty = new Uint8Array(0);
    c.settimeout(null); // blocking: a real recv(fd, p, 0) would block with nothing queued
    // ... for at most 2 s (then EAGAIN), should that ever come back: never a hung suite.
    const timeval = Buffer.alloc(16);
    timeval.writeBigInt64LE(2n, 0);
    c.setsockopt(SOL_SOCKET, SO_RCVTIMEO, timeval);
    assert.equal(c.recvInto(empty), 0);
    assert.equal(c.recvInto(Buffer.alloc(8).subarray(8)), 0);
    c.settimeout(0.05); // and would time out here
    assert.equal(c.recvInto(empty), 0);
    assert.equal(c.tryRecvInto(empty), 0);
    assert.equal(await c.recvIntoAsync(empty), 0);
  });

  it('MSG_TRUNC: the count of discarded bytes comes back as zeros, never as old memory', async () => {
    const [c, conn] = connected();
    // Linux TCP discards the data without copying it and returns the count;
    // CPython returns that many bytes of its fresh buffer as they were.
    const calls: [string, () => Buffer | Promise<Buffer>][] = [
      ['recv', () => conn.recv(64, MSG_TRUNC)],
      ['recvfrom', () => conn.recvfrom(64, MSG_TRUNC)[0]],
      ['recvAsync', () => conn.recvAsync(64, MSG_TRUNC)],
      ['recvfromAsync', async () => (await conn.recvfromAsync(64, MSG_TRUNC))[0]],
    ];
    for (const [name, call] of calls) {
      for (let i = 0; i < 8; i++) {
        Buffer.allocUnsafe(64).fill(0xee); // leaves junk in Node's buffer pool
        c.sendall(Buffer.alloc(64, 'A'));
        assert.deepEqual(await call(), Buffer.alloc(64), name);
      }
    }
  });

  it('recvInto writes into the caller memory without copying, honouring nbytes and views', () => {
    const [c, conn] = connected();
    c.sendall('0123456789');
    const target = Buffer.alloc(16, '.');
    // a view into the middle of target: data lands there
    const view = target.subarray(4, 12);
    assert.equal(conn.recvInto(view, 3), 3);
    assert.equal(target.toString(), '....012.........');
    const words = new Uint16Array(2);
    assert.equal(conn.recvInto(words), 4); // sizes are in bytes
    assert.equal(Buffer.from(words.buffer).toString(), '3456');
    const [n, addr] = conn.recvfromInto(Buffer.alloc(10));
    assert.equal(n, 3);
    assert.equal(addr, null); // a connected stream has no sender address (Python: None)
  });

  it('MSG_PEEK leaves the data; MSG_DONTWAIT does not block a blocking socket', () => {
    const [c, conn] = connected();
    conn.settimeout(null);
    throwsSocketError(() => conn.recv(10, MSG_DONTWAIT), 'EAGAIN', 'recv');
    c.sendall('peek');
    assert.equal(conn.recv(10, MSG_PEEK).toString(), 'peek');
    assert.equal(conn.recv(10).toString(), 'peek');
  });

  it('recvfrom on a connected stream gives the data and null', () => {
    const [c, conn] = connected();
    c.sendall('x');
    const [data, addr] = conn.recvfrom(10);
    assert.equal(data.toString(), 'x');
    assert.equal(addr, null);
  });

  it('shutdown(SHUT_WR): the peer reads EOF, and a further send is EPIPE', () => {
    const [c, conn] = connected();
    c.shutdown(SHUT_WR);
    assert.equal(conn.recv(10).length, 0);
    throwsSocketError(() => c.send('late'), 'EPIPE', 'send');
    conn.sendall('still open this way');
    assert.equal(c.recv(100).toString(), 'still open this way');
    c.shutdown(SHUT_RD);
  });

  it('shutdown of an unconnected socket is ENOTCONN; a bad how is EINVAL', () => {
    const s = track(socket());
    throwsSocketError(() => s.shutdown(SHUT_WR), 'ENOTCONN', 'shutdown');
    const [c] = connected();
    throwsSocketError(() => c.shutdown(7), 'EINVAL', 'shutdown');
  });

  it('connect to a closed port is ECONNREFUSED with the address; connectEx returns 111', () => {
    const closed = track(socket());
    closed.bind(['127.0.0.1', 0]); // bound but not listening: connections are refused
    const [, port] = closed.getsockname() as [string, number];
    const c = track(socket());
    assert.throws(
      () => c.connect(['127.0.0.1', port]),
      (err: unknown) => {
        assert.ok(err instanceof SocketError);
        assert.equal(err.code, 'ECONNREFUSED');
        assert.equal(err.errno, 111);
        assert.equal(err.syscall, 'connect');
        assert.equal(err.address, '127.0.0.1');
        assert.equal(err.port, port);
        assert.equal(err.message, `connect ECONNREFUSED 127.0.0.1:${port}: Connection refused`);
        assert.equal(err.strerror, 'Connection refused');
        return true;
      },
    );
    const d = track(socket());
    assert.equal(d.connectEx(['127.0.0.1', port]), 111);
    const t = track(socket());
    t.settimeout(5);
    assert.equal(t.connectEx(['127.0.0.1', port]), 111);
  });

  it('a refused non-blocking connect shows in SO_ERROR once, then 0', () => {
    const closed = track(socket());
    closed.bind(['127.0.0.1', 0]);
    const c = track(socket());
    c.setblocking(false);
    assert.equal(c.connectEx(closed.getsockname()), errno.EINPROGRESS);
    // Loopback refuses within microseconds; the loop is bounded anyway.
    let err = 0;
    const pause = new Int32Array(new SharedArrayBuffer(4));
    for (let i = 0; i < 1000 && err === 0; i++) {
      err = c.getsockopt(SOL_SOCKET, SO_ERROR);
      if (err === 0) Atomics.wait(pause, 0, 0, 1);
    }
    assert.equal(err, errno.ECONNREFUSED);
    assert.equal(c.getsockopt(SOL_SOCKET, SO_ERROR), 0); // reading it reset it
  });

  it('connecting twice is EISCONN (106); connectEx returns it', () => {
    const l = track(socket());
    l.bind(['127.0.0.1', 0]);
    l.listen();
    const c = track(socket());
    c.connect(l.getsockname());
    throwsSocketError(() => c.connect(l.getsockname()), 'EISCONN', 'connect');
    assert.equal(c.connectEx(l.getsockname()), 106);
  });

  it('in timeout mode a second connect succeeds once, as in CPython on Linux', () => {
    // The kernel leaves a non-blocking connect in SS_CONNECTING until connect
    // is called again; CPython (and bsdsock) read SO_ERROR instead, so the
    // next connect() reports 0, and only the one after that EISCONN.
    const [c, , l] = connected();
    c.connect(l.getsockname());
    assert.equal(c.connectEx(l.getsockname()), 106);
  });

  it('accept on a non-listening socket is EINVAL, on UDP EOPNOTSUPP', () => {
    const s = track(socket());
    throwsSocketError(() => s.accept(), 'EINVAL', 'accept');
    const u = track(socket(AF_INET, SOCK_DGRAM));
    throwsSocketError(() => u.accept(), 'EOPNOTSUPP', 'accept');
  });

  it('bind twice is EINVAL; an address in use is EADDRINUSE with the address', () => {
    const a = track(socket());
    a.bind(['127.0.0.1', 0]);
    a.listen();
    throwsSocketError(() => a.bind(['127.0.0.1', 0]), 'EINVAL', 'bind');
    const [, port] = a.getsockname() as [string, number];
    const b = track(socket());
    throwsSocketError(() => b.bind(['127.0.0.1', port]), 'EADDRINUSE', 'bind', {
      address: '127.0.0.1',
      port,
      message: `bind EADDRINUSE 127.0.0.1:${port}: Address already in use`,
    });
    // TEST-NET-3 (RFC 5737): never a local address; bind(2) sends nothing.
    throwsSocketError(() => b.bind(['203.0.113.1', 0]), 'EADDRNOTAVAIL', 'bind');
  });

  it('getpeername of an unconnected socket is ENOTCONN', () => {
    const s = track(socket());
    throwsSocketError(() => s.getpeername(), 'ENOTCONN', 'getpeername');
  });

  it('listen: default and negative backlogs work', () => {
    const a = track(socket());
    a.bind(['127.0.0.1', 0]);
    a.listen();
    const b = track(socket());
    b.bind(['127.0.0.1', 0]);
    b.listen(-5); // clamped to 0 as in Python
    const c = track(socket());
    c.connect(b.getsockname());
    const [conn] = b.accept();
    track(conn);
  });

  it('a peer reset makes recv throw ECONNRESET', () => {
    const [c, conn] = connected();
    // SO_LINGER {on, 0 s}: close sends RST instead of FIN
    const linger = Buffer.alloc(8);
    linger.writeInt32LE(1, 0);
    linger.writeInt32LE(0, 4);
    c.setsockopt(SOL_SOCKET, SO_LINGER, linger);
    c.close();
    throwsSocketError(() => conn.recv(10), 'ECONNRESET', 'recv');
  });
});
