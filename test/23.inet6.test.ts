// IPv6 on ::1: 4-tuple addresses, flowinfo and scope id, IPv4-mapped peers.

import assert = require('node:assert/strict');

import { AF_INET, AF_INET6, IPPROTO_IPV6, IPV6_V6ONLY, socket, type Socket } from '../lib';
import { sockets, throwsSocketError } from './helpers';

describe('23 inet6', () => {
  const track = sockets();

  function listener(host: string): Socket {
    const l = track(socket(AF_INET6));
    l.bind([host, 0]);
    l.listen();
    l.settimeout(10);
    return l;
  }

  it('TCP over ::1 with 4-tuple addresses on both ends', () => {
    const l = listener('::1');
    const [, port] = l.getsockname() as [string, number];
    assert.deepEqual(l.getsockname(), ['::1', port, 0, 0]);
    const c = track(socket(AF_INET6));
    c.settimeout(10);
    c.connect(['::1', port]); // 2-tuple input is enough
    const [conn, addr] = l.accept();
    track(conn);
    const [, cport] = c.getsockname();
    assert.deepEqual(addr, ['::1', cport, 0, 0]);
    assert.deepEqual(c.getpeername(), ['::1', port, 0, 0]);
    c.sendall('v6');
    assert.equal(conn.recv(10).toString(), 'v6');
  });

  it('accepts 3- and 4-element addresses', () => {
    const a = track(socket(AF_INET6));
    a.bind(['::1', 0, 0]);
    const b = track(socket(AF_INET6));
    b.bind(['::1', 0, 0, 0]);
    assert.equal(b.getsockname()[0], '::1');
  });

  it("a '%scope' suffix sets the scope id, which a given scopeId overrides", () => {
    // A link-local address needs a scope: without one, bind(2) says EINVAL.
    // A fresh socket each time: a failed bind still leaves the scope's device
    // bound to the socket (sk_bound_dev_if), which would hide the next case.
    const fresh = () => track(socket(AF_INET6));
    throwsSocketError(() => fresh().bind(['fe80::1', 0]), 'EINVAL', 'bind');
    // With scope 1 (lo) the kernel accepts the sockaddr and, since fe80::1 is
    // not configured on lo, reports EADDRNOTAVAIL: the scope got through.
    throwsSocketError(() => fresh().bind(['fe80::1%1', 0]), 'EADDRNOTAVAIL', 'bind');
    throwsSocketError(() => fresh().bind(['fe80::1%lo', 0]), 'EADDRNOTAVAIL', 'bind');
    throwsSocketError(() => fresh().bind(['fe80::1', 0, 0, 1]), 'EADDRNOTAVAIL', 'bind');
    throwsSocketError(() => fresh().bind(['fe80::1%lo', 0, 0, 0]), 'EINVAL', 'bind');
  });

  it('an IPv4-mapped address on a dual-stack socket reaches an IPv4 client', () => {
    const l = listener('::ffff:127.0.0.1');
    assert.equal(l.getsockopt(IPPROTO_IPV6, IPV6_V6ONLY), 0); // Linux default
    const [, port] = l.getsockname() as [string, number];
    const c = track(socket(AF_INET));
    c.connect(['127.0.0.1', port]);
    const [conn, addr] = l.accept();
    track(conn);
    const [, cport] = c.getsockname();
    assert.deepEqual(addr, ['::ffff:127.0.0.1', cport, 0, 0]);
  });

  it('an IPv6 literal on an AF_INET socket is a resolution error (EAI_ADDRFAMILY), as in Python', () => {
    const s = track(socket(AF_INET));
    assert.throws(
      () => s.bind(['::1', 0]),
      (err: unknown) => {
        const e = err as { name: string; code: string; errno: number; syscall: string; hostname: string };
        assert.equal(e.name, 'AddressInfoError');
        assert.equal(e.code, 'EAI_ADDRFAMILY');
        assert.equal(e.errno, -9);
        assert.equal(e.syscall, 'getaddrinfo');
        assert.equal(e.hostname, '::1');
        return true;
      },
    );
  });
});
