// UDP on 127.0.0.1: sendto/recvfrom, datagram truncation, connected UDP.

import assert = require('node:assert/strict');

import { AF_INET, AF_INET6, MSG_PEEK, MSG_TRUNC, SOCK_DGRAM, socket, type Socket } from '../lib';
import { sockets, throwsSocketError } from './helpers';

describe('21 udp', () => {
  const track = sockets();

  function udp(family: number = AF_INET): Socket {
    const s = track(socket(family, SOCK_DGRAM));
    s.bind([family === AF_INET ? '127.0.0.1' : '::1', 0]);
    s.settimeout(10);
    return s;
  }

  it('sendto / recvfrom carry data and the exact sender address', () => {
    const server = udp();
    const client = udp();
    assert.equal(client.sendto('hello', server.getsockname()), 5);
    const [data, addr] = server.recvfrom(1024);
    assert.equal(data.toString(), 'hello');
    assert.deepEqual(addr, client.getsockname());
    server.sendto(data.toString().toUpperCase(), addr!);
    const [back, from] = client.recvfrom(1024);
    assert.equal(back.toString(), 'HELLO');
    assert.deepEqual(from, server.getsockname());
  });

  it('sendto(data, flags, address) is the three-argument form', () => {
    const server = udp();
    const client = udp();
    assert.equal(client.sendto(Buffer.from('abc'), 0, server.getsockname()), 3);
    assert.equal(server.recv(10).toString(), 'abc');
  });

  it('a datagram larger than the buffer is truncated and the rest is lost (Linux)', () => {
    const server = udp();
    const client = udp();
    const to = server.getsockname();
    client.sendto('0123456789'.repeat(10), to);
    client.sendto('next', to);
    const [first] = server.recvfrom(10);
    assert.equal(first.toString(), '0123456789');
    assert.equal(server.recv(100).toString(), 'next');
  });

  it('MSG_TRUNC: recvInto reports the real length, recv returns only what fits', () => {
    const server = udp();
    const client = udp();
    const to = server.getsockname();
    client.sendto(Buffer.alloc(100, 'a'), to);
    client.sendto(Buffer.alloc(100, 'b'), to);
    const buf = Buffer.alloc(10);
    assert.equal(server.recvInto(buf, 0, MSG_TRUNC), 100);
    assert.equal(buf.toString(), 'aaaaaaaaaa');
    // CPython returns 100 bytes here, 90 of them uninitialised; bsdsock does not.
    assert.deepEqual(server.recv(10, MSG_TRUNC), Buffer.alloc(10, 'b'));
  });

  it('recvInto an empty view consumes no datagram; recvfromInto does, as in CPython', async () => {
    const server = udp();
    const client = udp();
    const to = server.getsockname();
    for (const d of ['one', 'two', 'three']) client.sendto(d, to);
    const empty = new Uint8Array(0);
    assert.equal(server.recvInto(empty), 0);
    assert.equal(server.tryRecvInto(empty), 0);
    assert.equal(await server.recvIntoAsync(empty), 0);
    assert.equal(server.recv(10).toString(), 'one');
    // recvfrom(2) with no room is a real call: the datagram is gone
    assert.deepEqual(server.recvfromInto(empty), [0, client.getsockname()]);
    assert.equal(server.recv(10).toString(), 'three');
  });

  it('an empty datagram arrives as an empty Buffer with its sender', () => {
    const server = udp();
    const client = udp();
    assert.equal(client.sendto('', server.getsockname()), 0);
    const [data, addr] = server.recvfrom(10);
    assert.equal(data.length, 0);
    assert.deepEqual(addr, client.getsockname());
  });

  it('MSG_PEEK leaves the datagram queued', () => {
    const server = udp();
    const client = udp();
    client.sendto('peek', server.getsockname());
    assert.equal(server.recvfrom(10, MSG_PEEK)[0].toString(), 'peek');
    const [n, addr] = server.recvfromInto(Buffer.alloc(10));
    assert.equal(n, 4);
    assert.deepEqual(addr, client.getsockname());
  });

  it('sendto follows the address it is given, even a reused array mutated in place', () => {
    const a = udp();
    const b = udp();
    const client = udp();
    const [ahost, aport] = a.getsockname() as [string, number];
    const [, bport] = b.getsockname() as [string, number];
    const target: [string, number] = [ahost, aport];
    client.sendto('to a', target);
    target[1] = bport;
    client.sendto('to b', target);
    client.sendto('to a again', a.getsockname());
    assert.equal(a.recv(20).toString(), 'to a');
    assert.equal(b.recv(20).toString(), 'to b');
    assert.equal(a.recv(20).toString(), 'to a again');
  });

  it('repeated recvfrom from one peer returns equal addresses', () => {
    const server = udp();
    const client = udp();
    for (let i = 0; i < 3; i++) client.sendto(String(i), server.getsockname());
    const addrs = [0, 1, 2].map(() => server.recvfrom(10)[1]);
    for (const addr of addrs) assert.deepEqual(addr, client.getsockname());
    assert.ok(Object.isFrozen(addrs[0]));
  });

  it('recvfrom gives each of many peers taking turns its own address', () => {
    // More peers than the decoded-address cache holds, in turn and out of turn.
    const server = udp();
    const peers = Array.from({ length: 7 }, () => udp());
    const order = [0, 1, 2, 3, 4, 5, 6, 0, 6, 1, 1, 5, 2, 4, 3, 0, 0, 6];
    for (const i of order) {
      peers[i]!.sendto(String(i), server.getsockname());
      const [data, from] = server.recvfrom(10);
      assert.equal(data.toString(), String(i));
      assert.deepEqual(from, peers[i]!.getsockname());
    }
  });

  it('connected UDP: send/recv, and ECONNREFUSED after an ICMP port unreachable', () => {
    const server = udp();
    const client = udp();
    client.connect(server.getsockname());
    client.send('connected');
    assert.equal(server.recv(20).toString(), 'connected');
    const gone = udp();
    const goneAddr = gone.getsockname();
    gone.close();
    const lonely = udp();
    lonely.connect(goneAddr);
    lonely.send('anyone?');
    throwsSocketError(() => lonely.recv(10), 'ECONNREFUSED', 'recv');
  });

  it('IPv6 datagrams on ::1 report 4-tuples', () => {
    const server = udp(AF_INET6);
    const client = udp(AF_INET6);
    client.sendto('six', server.getsockname());
    const [data, addr] = server.recvfrom(10);
    assert.equal(data.toString(), 'six');
    const [, port] = client.getsockname() as [string, number];
    assert.deepEqual(addr, ['::1', port, 0, 0]);
  });

  it("'<broadcast>' means INADDR_BROADCAST for AF_INET and is an error for AF_INET6", () => {
    const s = track(socket(AF_INET, SOCK_DGRAM));
    s.bind(['<broadcast>', 0]); // Linux lets a socket bind to 255.255.255.255
    assert.equal((s.getsockname() as [string, number])[0], '255.255.255.255');
    const s6 = track(socket(AF_INET6, SOCK_DGRAM));
    throwsSocketError(() => s6.bind(['<broadcast>', 0]), 'EAFNOSUPPORT', 'bind');
  });
});
