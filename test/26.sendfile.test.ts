// Socket.sendfile: sendfile(2) from an fd or a FileHandle, the file position
// CPython leaves, its argument and mode errors, timeouts, and the read+send
// fallback for files sendfile(2) cannot read.

import assert = require('node:assert/strict');
import fs = require('node:fs');
import path = require('node:path');

import { AF_INET, AF_UNIX, SHUT_WR, SOCK_DGRAM, SOCK_STREAM, SocketTimeoutError, socket, socketpair, type Socket } from '../lib';
import { python, sockets, tempDirs, throwsCode, throwsSocketError } from './helpers';

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

  /** Reads from the file's current position (what file.read() would see). */
  function rest(fd: number): string {
    const buf = Buffer.alloc(100);
    return buf.subarray(0, fs.readSync(fd, buf, 0, 100, null)).toString();
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
    const size = 16 << 20; // far more than the socket buffers hold
    const fd = open(Buffer.alloc(size, 0x61));
    a.settimeout(0.1);
    assert.throws(() => a.sendfile(fd), (err: unknown) => err instanceof SocketTimeoutError && err.syscall === 'sendfile');
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
    // The file position is exactly past what the peer got.
    assert.equal(fs.readSync(fd, Buffer.alloc(size), 0, size, null), size - received);
  });

  it('a file sendfile(2) cannot read (a socket here) is read and sent instead, where CPython sends nothing', () => {
    const [a, b] = pair();
    const [p, q] = pair();
    p.sendall('through the fallback');
    p.shutdown(SHUT_WR);
    assert.equal(a.sendfile(q.fileno()), 20);
    assert.equal(b.recv(100).toString(), 'through the fallback');
    throwsSocketError(() => a.sendfile(q.fileno(), 3), 'ESPIPE', 'lseek');
  });

  it('a file not open for reading fails with EBADF from the fallback read', () => {
    const [a] = pair();
    throwsSocketError(() => a.sendfile(open('abc', 'a')), 'EBADF', 'read');
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
