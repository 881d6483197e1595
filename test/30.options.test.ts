// getsockopt/setsockopt round trips. As socket2's tests do, each option is
// read back after being set to a value that differs from its default.

import assert = require('node:assert/strict');
import os = require('node:os');

import {
  AF_INET,
  AF_INET6,
  IPPROTO_IPV6,
  IPPROTO_TCP,
  IPV6_V6ONLY,
  SOCK_DGRAM,
  SOCK_STREAM,
  SOL_SOCKET,
  SO_ERROR,
  SO_KEEPALIVE,
  SO_LINGER,
  SO_RCVBUF,
  SO_RCVTIMEO,
  SO_REUSEADDR,
  SO_TYPE,
  TCP_NODELAY,
  socket,
  socketpair,
} from '../lib';
import { SO_BINDTODEVICE, TCP_INFO } from './linux';
import { errno, sockets, throwsSocketError } from './helpers';

/** Two native C ints, as in struct linger. */
function ints(...values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => (os.endianness() === 'LE' ? b.writeInt32LE(v, i * 4) : b.writeInt32BE(v, i * 4)));
  return b;
}

describe('30 socket options', () => {
  const track = sockets();

  it('SO_REUSEADDR: 0 by default, set with a number or a boolean', () => {
    const s = track(socket());
    assert.equal(s.getsockopt(SOL_SOCKET, SO_REUSEADDR), 0);
    s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
    assert.equal(s.getsockopt(SOL_SOCKET, SO_REUSEADDR), 1);
    s.setsockopt(SOL_SOCKET, SO_REUSEADDR, false);
    assert.equal(s.getsockopt(SOL_SOCKET, SO_REUSEADDR), 0);
    s.setsockopt(SOL_SOCKET, SO_REUSEADDR, true);
    assert.equal(s.getsockopt(SOL_SOCKET, SO_REUSEADDR), 1);
  });

  it('SO_KEEPALIVE and TCP_NODELAY round-trip', () => {
    const s = track(socket());
    assert.equal(s.getsockopt(SOL_SOCKET, SO_KEEPALIVE), 0);
    s.setsockopt(SOL_SOCKET, SO_KEEPALIVE, 1);
    assert.equal(s.getsockopt(SOL_SOCKET, SO_KEEPALIVE), 1);
    assert.equal(s.getsockopt(IPPROTO_TCP, TCP_NODELAY), 0);
    s.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
    assert.equal(s.getsockopt(IPPROTO_TCP, TCP_NODELAY), 1);
  });

  it('SO_RCVBUF: Linux doubles what is set (10000 reads back as 20000)', () => {
    const s = track(socket());
    s.setsockopt(SOL_SOCKET, SO_RCVBUF, 10000);
    assert.equal(s.getsockopt(SOL_SOCKET, SO_RCVBUF), 20000);
  });

  it('SO_TYPE tells the socket type', () => {
    assert.equal(track(socket()).getsockopt(SOL_SOCKET, SO_TYPE), SOCK_STREAM);
    assert.equal(track(socket(AF_INET, SOCK_DGRAM)).getsockopt(SOL_SOCKET, SO_TYPE), SOCK_DGRAM);
  });

  it('SO_ERROR is 0 on a healthy socket', () => {
    assert.equal(track(socket()).getsockopt(SOL_SOCKET, SO_ERROR), 0);
  });

  it('SO_LINGER as a struct linger Buffer; without buflen only l_onoff is read', () => {
    const s = track(socket());
    assert.deepEqual(s.getsockopt(SOL_SOCKET, SO_LINGER, 8), ints(0, 0));
    s.setsockopt(SOL_SOCKET, SO_LINGER, ints(1, 5));
    assert.deepEqual(s.getsockopt(SOL_SOCKET, SO_LINGER, 8), ints(1, 5));
    assert.equal(s.getsockopt(SOL_SOCKET, SO_LINGER), 1);
    // a TypedArray is passed as its raw bytes too
    s.setsockopt(SOL_SOCKET, SO_LINGER, new Int32Array([1, 7]));
    assert.deepEqual(s.getsockopt(SOL_SOCKET, SO_LINGER, 8), ints(1, 7));
  });

  it('IPV6_V6ONLY: 0 by default on Linux, settable', () => {
    const s = track(socket(AF_INET6));
    assert.equal(s.getsockopt(IPPROTO_IPV6, IPV6_V6ONLY), 0);
    s.setsockopt(IPPROTO_IPV6, IPV6_V6ONLY, 1);
    assert.equal(s.getsockopt(IPPROTO_IPV6, IPV6_V6ONLY), 1);
  });

  it('a Buffer result is cut to the length the kernel reports', () => {
    const s = track(socket());
    assert.deepEqual(s.getsockopt(SOL_SOCKET, SO_BINDTODEVICE, 16), Buffer.alloc(0));
  });

  it('TCP_INFO: the first byte of struct tcp_info is the TCP state (1 = ESTABLISHED)', () => {
    const l = track(socket());
    l.bind(['127.0.0.1', 0]);
    l.listen();
    const c = track(socket());
    c.connect(l.getsockname());
    track(l.accept()[0]);
    const info = c.getsockopt(IPPROTO_TCP, TCP_INFO, 104);
    assert.ok(Buffer.isBuffer(info));
    assert.equal(info[0], 1);
    assert.equal((l.getsockopt(IPPROTO_TCP, TCP_INFO, 104) as Buffer)[0], 10); // TCP_LISTEN
  });

  it('SO_RCVTIMEO set as a struct timeval makes a blocking recv fail with EAGAIN', () => {
    const [a] = socketpair().map(track);
    // struct timeval { time_t tv_sec; suseconds_t tv_usec; } on 64-bit Linux,
    // native byte order. 100 ms is a whole number of jiffies at any HZ, so it
    // reads back unrounded.
    const tv = Buffer.from(new BigInt64Array([0n, 100000n]).buffer);
    a!.setsockopt(SOL_SOCKET, SO_RCVTIMEO, tv);
    assert.deepEqual(a!.getsockopt(SOL_SOCKET, SO_RCVTIMEO, 16), tv);
    assert.equal(a!.gettimeout(), null); // still blocking mode for bsdsock
    throwsSocketError(() => a!.recv(10), 'EAGAIN', 'recv');
  });

  it('setsockopt(level, name, null, optlen) passes a NULL value: EINVAL for SO_REUSEADDR, as Python', () => {
    const s = track(socket());
    throwsSocketError(() => s.setsockopt(SOL_SOCKET, SO_REUSEADDR, null, 0), 'EINVAL', 'setsockopt');
  });

  it('an unknown option is ENOPROTOOPT (92)', () => {
    const s = track(socket());
    throwsSocketError(() => s.getsockopt(SOL_SOCKET, 9999), 'ENOPROTOOPT', 'getsockopt');
    throwsSocketError(() => s.setsockopt(SOL_SOCKET, 9999, 1), 'ENOPROTOOPT', 'setsockopt');
    assert.equal(errno.ENOPROTOOPT, 92);
  });
});
