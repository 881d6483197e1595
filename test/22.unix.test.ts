// AF_UNIX: filesystem paths, Linux abstract names, autobind, unnamed peers,
// the sun_path limits (never truncated), SEQPACKET and DGRAM.

import assert = require('node:assert/strict');
import fs = require('node:fs');
import path = require('node:path');

import { AF_UNIX, SOCK_DGRAM, SOCK_SEQPACKET, SOCK_STREAM, SOL_SOCKET, SO_SNDTIMEO, SocketTimeoutError, socket, type Socket } from '../lib';
import { O_NONBLOCK, errno, fdFlags, python, sockets, tempDirs, throwsSocketError } from './helpers';

describe('22 unix', () => {
  const track = sockets();
  const tmp = tempDirs();

  function unix(type: number = SOCK_STREAM): Socket {
    const s = track(socket(AF_UNIX, type));
    s.settimeout(10);
    return s;
  }

  it('stream over a filesystem path: names as strings, unnamed client as empty string', () => {
    const file = path.join(tmp(), 'server.sock');
    const l = unix();
    l.bind(file);
    l.listen();
    assert.equal(l.getsockname(), file);
    const c = unix();
    c.connect(file);
    const [conn, addr] = l.accept();
    track(conn);
    assert.equal(addr, '');
    assert.equal(c.getpeername(), file);
    assert.equal(c.getsockname(), '');
    c.sendall('over unix');
    assert.equal(conn.recv(100).toString(), 'over unix');
  });

  it('the socket file stays after close; binding it again is EADDRINUSE', () => {
    const file = path.join(tmp(), 's');
    const a = unix();
    a.bind(file);
    a.close();
    assert.ok(fs.statSync(file).isSocket());
    const b = unix();
    throwsSocketError(() => b.bind(file), 'EADDRINUSE', 'bind', { address: file });
  });

  it('a path given as bytes comes back as a string; non-UTF-8 bytes stay bytes', () => {
    const dir = tmp();
    const file = path.join(dir, 'bytes.sock');
    const a = unix(SOCK_DGRAM);
    a.bind(Buffer.from(file));
    assert.equal(a.getsockname(), file);
    const raw = Buffer.concat([Buffer.from(dir + '/'), Buffer.from([0xff, 0xfe])]);
    const b = unix(SOCK_DGRAM);
    b.bind(raw);
    assert.deepEqual(b.getsockname(), raw);
  });

  it('abstract names (leading NUL) round-trip as Buffers of exact length', () => {
    const name = Buffer.from(`\0bsdsock-test-${process.pid}-${Date.now()}`);
    const l = unix();
    l.bind(name);
    l.listen();
    assert.deepEqual(l.getsockname(), name);
    const c = unix();
    c.connect(name.toString('latin1')); // a string with a leading NUL is abstract too
    const [conn] = l.accept();
    track(conn);
    assert.deepEqual(c.getpeername(), name);
    c.sendall('abstract');
    assert.equal(conn.recv(100).toString(), 'abstract');
  });

  it("bind('') autobinds to a 6-byte abstract name: NUL and 5 hex digits", () => {
    const s = unix(SOCK_DGRAM);
    s.bind('');
    const name = s.getsockname();
    assert.ok(Buffer.isBuffer(name));
    assert.equal(name.length, 6);
    assert.equal(name[0], 0);
    assert.match(name.subarray(1).toString(), /^[0-9a-f]{5}$/);
  });

  it('a filesystem path of 107 bytes works; 108 bytes is ENAMETOOLONG and nothing is created', () => {
    const dir = tmp();
    const fill = (n: number) => path.join(dir, 'p'.repeat(n - dir.length - 1));
    const ok = fill(107);
    assert.equal(Buffer.byteLength(ok), 107);
    const a = unix();
    a.bind(ok);
    assert.equal(a.getsockname(), ok);
    const long = fill(108);
    const b = unix();
    throwsSocketError(() => b.bind(long), 'ENAMETOOLONG', 'bind', { address: long });
    throwsSocketError(() => b.connect(long), 'ENAMETOOLONG', 'connect');
    assert.deepEqual(fs.readdirSync(dir), [path.basename(ok)]);
  });

  it('an abstract name may use all 108 bytes; 109 is ENAMETOOLONG', () => {
    const name = Buffer.alloc(108, 'a');
    name[0] = 0;
    name.write(String(process.pid), 1);
    const a = unix(SOCK_DGRAM);
    a.bind(name);
    assert.deepEqual(a.getsockname(), name);
    const b = unix(SOCK_DGRAM);
    throwsSocketError(() => b.bind(Buffer.concat([name, Buffer.from('x')])), 'ENAMETOOLONG', 'bind');
  });

  it('datagrams: the sender address is its path, or null when it is unbound', () => {
    const dir = tmp();
    const server = unix(SOCK_DGRAM);
    server.bind(path.join(dir, 'server'));
    const anon = unix(SOCK_DGRAM);
    anon.sendto('from nobody', path.join(dir, 'server'));
    assert.deepEqual(server.recvfrom(100), [Buffer.from('from nobody'), null]);
    const named = unix(SOCK_DGRAM);
    named.bind(path.join(dir, 'client'));
    named.sendto('from client', path.join(dir, 'server'));
    const [data, addr] = server.recvfrom(100);
    assert.equal(data.toString(), 'from client');
    assert.equal(addr, path.join(dir, 'client'));
    server.sendto('reply', addr!);
    assert.equal(named.recv(100).toString(), 'reply');
  });

  it('sendto follows the address given, for path strings and abstract names changed in place', () => {
    const dir = tmp();
    const a = unix(SOCK_DGRAM);
    a.bind(path.join(dir, 'a'));
    const b = unix(SOCK_DGRAM);
    b.bind(path.join(dir, 'b'));
    const c = unix(SOCK_DGRAM);
    c.sendto('1', path.join(dir, 'a'));
    c.sendto('2', path.join(dir, 'b'));
    c.sendto('3', path.join(dir, 'a'));
    assert.equal(a.recv(10).toString() + a.recv(10).toString(), '13');
    assert.equal(b.recv(10).toString(), '2');
    // One Buffer reused for two abstract names: the second send must follow
    // the new bytes, not a cached sockaddr of the old ones.
    const name = Buffer.from(`\0bsdsock-x-${process.pid}`);
    const x = unix(SOCK_DGRAM);
    x.bind(Buffer.from(name));
    name[name.length - 1] = 0x79; // ...-<pid> -> ...-<pid but last digit 'y'>
    const y = unix(SOCK_DGRAM);
    y.bind(Buffer.from(name));
    const target = Buffer.from(x.getsockname() as Buffer);
    c.sendto('to x', target);
    target.set(y.getsockname() as Buffer);
    c.sendto('to y', target);
    assert.equal(x.recv(10).toString(), 'to x');
    assert.equal(y.recv(10).toString(), 'to y');
  });

  it('a Buffer address is a fresh copy each time: changing one does not change the next', () => {
    const s = unix(SOCK_DGRAM);
    s.bind('');
    const sender = unix(SOCK_DGRAM);
    sender.bind('');
    sender.sendto('1', s.getsockname());
    sender.sendto('2', s.getsockname());
    const [, first] = s.recvfrom(10);
    const [, second] = s.recvfrom(10);
    assert.ok(Buffer.isBuffer(first) && Buffer.isBuffer(second));
    assert.notEqual(first, second);
    assert.deepEqual(first, sender.getsockname());
    (first as Buffer).fill(0x41);
    assert.deepEqual(second, sender.getsockname());
  });

  it('SEQPACKET keeps message boundaries and drops what does not fit', () => {
    const file = path.join(tmp(), 'seq');
    const l = unix(SOCK_SEQPACKET);
    l.bind(file);
    l.listen();
    const c = unix(SOCK_SEQPACKET);
    c.connect(file);
    const [conn] = l.accept();
    track(conn);
    assert.equal(conn.type, SOCK_SEQPACKET);
    c.send('first message');
    c.send('second');
    assert.equal(conn.recv(5).toString(), 'first');
    assert.equal(conn.recv(100).toString(), 'second');
    c.close();
    assert.equal(conn.recv(100).length, 0);
  });

  it('connecting to a missing path is ENOENT, to a non-socket ECONNREFUSED', () => {
    const dir = tmp();
    const c = unix();
    throwsSocketError(() => c.connect(path.join(dir, 'missing')), 'ENOENT', 'connect');
    const plain = path.join(dir, 'plain');
    fs.writeFileSync(plain, '');
    throwsSocketError(() => c.connect(plain), 'ECONNREFUSED', 'connect');
  });

  it('an error names the address however it was given: string, bytes, or an abstract name', () => {
    const dir = tmp();
    const missing = path.join(dir, 'missing');
    const c = unix();
    throwsSocketError(() => c.connect(missing), 'ENOENT', 'connect', { address: missing, message: `connect ENOENT ${missing}: No such file or directory` });
    throwsSocketError(() => c.connect(Buffer.from(missing)), 'ENOENT', 'connect', { address: missing });
    const name = `bsdsock-test-${process.pid}-nobody`;
    throwsSocketError(() => c.connect(new Uint8Array(Buffer.from(`\0${name}`))), 'ECONNREFUSED', 'connect', { address: `@${name}` });
    const d = track(socket(AF_UNIX, SOCK_DGRAM));
    throwsSocketError(() => d.sendto('x', Buffer.from(missing)), 'ENOENT', 'sendto', { address: missing });
  });

  describe('a listener whose backlog is full', () => {
    /** A listener with listen(0) and its one queued connection: the next connect must wait for room. */
    function full(): [Socket, string] {
      const file = path.join(tmp(), 'full.sock');
      // Blocking: a process it is handed to must find the fd without O_NONBLOCK.
      const l = track(socket(AF_UNIX));
      l.bind(file);
      l.listen(0);
      const f = unix();
      f.setblocking(false);
      f.connect(file);
      const g = unix();
      g.setblocking(false);
      throwsSocketError(() => g.connect(file), 'EAGAIN', 'connect', { address: file });
      return [l, file];
    }

    it('timeout mode: connect waits for room up to the timeout (CPython: EAGAIN at once), then times out', () => {
      const [, file] = full();
      const c = unix();
      c.settimeout(0.05);
      assert.throws(
        () => c.connect(file),
        (e: unknown) => e instanceof SocketTimeoutError && e.code === 'ETIMEDOUT' && e.syscall === 'connect',
      );
      assert.equal(c.connectEx(file), errno.EAGAIN); // connect_ex's timeout value, as Python's
      // The wait made the fd blocking and set SO_SNDTIMEO for the call only.
      assert.equal(fdFlags(c.fileno()) & O_NONBLOCK, O_NONBLOCK);
      assert.deepEqual(c.getsockopt(SOL_SOCKET, SO_SNDTIMEO, 16), Buffer.alloc(16));
      throwsSocketError(() => c.getpeername(), 'ENOTCONN', 'getpeername');
    });

    it('timeout mode: connect connects once another process makes room', async () => {
      const [l, file] = full();
      // python3 gets the listener as its fd 3: once told, it accepts the
      // queued connection (room), then ours, and greets it.
      const py = python(
        [
          'import socket, sys, time',
          'l = socket.socket(fileno=3)',
          'sys.stdin.readline()',
          'time.sleep(0.1)',
          'l.accept()[0].close()',
          'c, _ = l.accept()',
          "c.sendall(b'room')",
          'c.close()',
        ].join('\n'),
        [],
        ['pipe', 'pipe', 'pipe', l.fileno()],
      );
      const c = unix(); // timeout 10 s
      py.write('go\n');
      c.connect(file);
      assert.equal(c.getpeername(), file);
      assert.equal(c.recv(16).toString(), 'room');
      assert.equal((await py.exit()).code, 0);
    });
  });
});
