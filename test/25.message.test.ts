// sendmsg/recvmsg/recvmsgInto, their async forms, fd passing (sendFds,
// recvFds) and CMSG_LEN/CMSG_SPACE, against CPython's values and errors.

import assert = require('node:assert/strict');
import fs = require('node:fs');
import path = require('node:path');

import {
  AF_INET,
  AF_UNIX,
  CMSG_LEN,
  CMSG_SPACE,
  MSG_CTRUNC,
  MSG_TRUNC,
  SCM_RIGHTS,
  SOCK_DGRAM,
  SOCK_STREAM,
  SOL_SOCKET,
  SocketTimeoutError,
  recvFds,
  sendFds,
  socket,
  socketpair,
  type AncillaryItem,
  type Socket,
} from '../lib';
import { SCM_CREDENTIALS, SO_PASSCRED, SO_PEERCRED } from './linux';
import { O_CLOEXEC, fdFlags, fdIsOpen, python, UNDER_ASAN, sockets, tempDirs, throwsCode, throwsSocketError, ticks } from './helpers';

describe('25 sendmsg, recvmsg and fd passing', () => {
  const track = sockets();
  const tmp = tempDirs();
  let files: number[] = [];
  afterEach(() => {
    for (const fd of files) if (fdIsOpen(fd)) fs.closeSync(fd);
    files = [];
  });

  function pair(type: number = SOCK_STREAM): [Socket, Socket] {
    const [a, b] = socketpair(AF_UNIX, type);
    track(a).settimeout(10);
    track(b).settimeout(10);
    return [a, b];
  }

  /** An open temp file (closed after the test) holding `text`. */
  function file(text = ''): number {
    const fd = fs.openSync(path.join(tmp(), `f${files.length}`), 'w+');
    files.push(fd);
    if (text) fs.writeSync(fd, text, 0);
    return fd;
  }

  /** Fds received in a test: closed after it (and checked open until then). */
  function received(fds: number[]): number[] {
    for (const fd of fds) assert.ok(fdIsOpen(fd), `fd ${fd} not open`);
    files.push(...fds);
    return fds;
  }

  function readAll(fd: number): string {
    const buf = Buffer.alloc(100);
    return buf.subarray(0, fs.readSync(fd, buf, 0, 100, 0)).toString();
  }

  describe('CMSG_LEN and CMSG_SPACE', () => {
    it('give the x86-64 Linux values CPython gives', () => {
      assert.deepEqual([0, 1, 4, 8].map(CMSG_LEN), [16, 17, 20, 24]);
      assert.deepEqual([0, 1, 4, 8].map(CMSG_SPACE), [16, 24, 24, 24]);
    });

    it('take what fits in a socklen_t, and throw a RangeError beyond it (Python: OverflowError)', () => {
      assert.equal(CMSG_LEN(2 ** 31 - 1 - 16), 2 ** 31 - 1);
      assert.equal(CMSG_SPACE(2 ** 31 - 1 - 24), 2147483640);
      throwsCode(() => CMSG_LEN(2 ** 31 - 16), RangeError, 'ERR_OUT_OF_RANGE', /"length".*<= 2147483631\. Received 2147483632/);
      throwsCode(() => CMSG_SPACE(2 ** 31 - 24), RangeError, 'ERR_OUT_OF_RANGE', /<= 2147483623\. Received 2147483624/);
      throwsCode(() => CMSG_LEN(-1), RangeError, 'ERR_OUT_OF_RANGE');
      throwsCode(() => CMSG_SPACE(1.5), RangeError, 'ERR_OUT_OF_RANGE');
      throwsCode(() => CMSG_LEN('4' as unknown as number), TypeError, 'ERR_INVALID_ARG_TYPE');
    });
  });

  describe('sendmsg and recvmsg', () => {
    it('gather any iterable of data in order; recvmsg gives [data, [], 0, null] on a stream pair', () => {
      const [a, b] = pair();
      const words = new Uint16Array([0x6463]); // 'cd' little-endian
      assert.equal(a.sendmsg(['ab', words, new DataView(new TextEncoder().encode('ef').buffer)]), 6);
      assert.equal(a.sendmsg(new Set([Buffer.from('gh')])), 2);
      assert.equal(a.sendmsg((function* () { yield 'ij'; })()), 2);
      assert.equal(a.sendmsg([]), 0);
      assert.deepEqual(b.recvmsg(100), [Buffer.from('abcdefghij'), [], 0, null]);
    });

    it('refuse a string or a non-data item as buffers, before any syscall', () => {
      const [a, b] = pair();
      throwsCode(() => a.sendmsg('ab' as unknown as string[]), TypeError, 'ERR_INVALID_ARG_TYPE', /"buffers" argument must be an array or an iterable object/);
      throwsCode(() => a.sendmsg(['ok', 5 as unknown as string]), TypeError, 'ERR_INVALID_ARG_TYPE', /"buffers\[1\]"/);
      throwsCode(() => a.sendmsg(Buffer.from('ab') as unknown as string[]), TypeError, 'ERR_INVALID_ARG_TYPE', /"buffers\[0\]"/);
      b.setblocking(false);
      throwsSocketError(() => b.recv(10), 'EAGAIN', 'recv');
    });

    it('more than IOV_MAX (1024) buffers is EMSGSIZE from the kernel, as in Python', () => {
      const [a, b] = pair();
      const one = Buffer.from('x');
      throwsSocketError(() => a.sendmsg(new Array<Buffer>(1025).fill(one)), 'EMSGSIZE', 'sendmsg');
      assert.equal(a.sendmsg(new Array<Buffer>(1024).fill(one)), 1024);
      assert.equal(b.recv(2000).length, 1024);
    });

    it('recvmsg validates its sizes as CPython does, and an ancbufsize of 2^31 - 1 costs no memory up front', () => {
      const [a, b] = pair();
      throwsCode(() => b.recvmsg(-1), RangeError, 'ERR_OUT_OF_RANGE', /"bufsize"/);
      throwsCode(() => b.recvmsg(1, -1), RangeError, 'ERR_OUT_OF_RANGE', /"ancbufsize"/);
      throwsCode(() => b.recvmsg(1, 2 ** 31), RangeError, 'ERR_OUT_OF_RANGE', /"ancbufsize"/);
      throwsCode(() => b.recvmsg(1, 0, 1.5), RangeError, 'ERR_OUT_OF_RANGE', /"flags"/);
      a.send('z');
      const rss = process.resourceUsage().maxRSS; // KiB
      assert.deepEqual(b.recvmsg(1, 2 ** 31 - 1), [Buffer.from('z'), [], 0, null]);
      const grew = process.resourceUsage().maxRSS - rss;
      // A zeroed buffer would be 2 GiB; under ASan, the allocation's shadow
      // (an eighth of it, 256 MiB) is written whatever the allocator does.
      const limit = (UNDER_ASAN ? 2 ** 31 / 8 / 1024 : 0) + 100 * 1024;
      assert.ok(grew < limit, `maxRSS grew by ${grew} KiB`);
      a.send('y');
      assert.deepEqual(b.recvmsg(1, 0), [Buffer.from('y'), [], 0, null]);
    });

    it('recvmsg(0) makes the call, as CPython: it waits for data, leaves stream bytes queued and consumes a datagram', () => {
      const [a, b] = pair();
      b.settimeout(0.05);
      assert.throws(() => b.recvmsg(0), SocketTimeoutError);
      a.send('xy');
      assert.deepEqual(b.recvmsg(0), [Buffer.alloc(0), [], 0, null]);
      assert.equal(b.recv(10).toString(), 'xy');
      const [c, d] = pair(SOCK_DGRAM);
      d.settimeout(0.05);
      c.send('xy');
      assert.deepEqual(d.recvmsg(0), [Buffer.alloc(0), [], MSG_TRUNC, null]);
      assert.throws(() => d.recv(10), SocketTimeoutError);
    });

    it('in timeout mode, sync recvmsg waits for data and sendmsg waits for room', async () => {
      const [a, b] = pair();
      // Data that comes 0.2 s later, from a python3 child holding a's end.
      const late = python('import socket, time; s = socket.socket(fileno=3); s.settimeout(10); time.sleep(0.2); s.sendmsg([b"la", b"te"]); s.detach()', [], ['ignore', 'pipe', 'pipe', a.fileno()]);
      assert.deepEqual(b.recvmsg(10), [Buffer.from('late'), [], 0, null]);
      assert.equal((await late.exit()).code, 0);
      // A full buffer that a child holding b's end drains 0.2 s later.
      a.setblocking(false);
      let queued = 0;
      for (let n = 0; queued < 64 << 20 && (n = a.trySend(Buffer.alloc(65536))) > 0; ) queued += n;
      a.settimeout(10);
      const drain = python(
        [
          'import socket, time',
          's = socket.socket(fileno=3); s.settimeout(10); time.sleep(0.2); n = 0',
          'while True:',
          '    d = s.recv(1 << 20); n += len(d)',
          '    if d.endswith(b"END"): break',
          'print(n); s.detach()',
        ].join('\n'),
        [],
        ['ignore', 'pipe', 'pipe', b.fileno()],
      );
      assert.equal(a.sendmsg(['E', 'ND']), 3);
      const r = await drain.exit();
      assert.equal(r.stdout.trim(), String(queued + 3), r.stderr);
    });

    it('recvmsg follows the socket mode: EAGAIN, timeout, EBADF once closed', () => {
      const [, b] = pair();
      b.setblocking(false);
      throwsSocketError(() => b.recvmsg(1), 'EAGAIN', 'recvmsg');
      throwsSocketError(() => b.recvmsgInto([Buffer.alloc(1)]), 'EAGAIN', 'recvmsg');
      b.settimeout(0.05);
      assert.throws(() => b.recvmsg(1), (err: unknown) => err instanceof SocketTimeoutError && err.syscall === 'recvmsg');
      b.close();
      throwsSocketError(() => b.recvmsg(1), 'EBADF', 'recvmsg');
      throwsSocketError(() => b.sendmsg(['x']), 'EBADF', 'sendmsg');
    });

    it('recvmsgInto scatters into writable views; a datagram too long sets MSG_TRUNC', () => {
      const [a, b] = pair(SOCK_DGRAM);
      a.send('hello world');
      const bufs = [Buffer.alloc(3), new Uint8Array(4)];
      assert.deepEqual(b.recvmsgInto(bufs), [7, [], MSG_TRUNC, null]);
      assert.equal(Buffer.from(bufs[0]!).toString() + Buffer.from(bufs[1]!).toString(), 'hello w');
      a.send('hi');
      assert.deepEqual(b.recvmsgInto([]), [0, [], MSG_TRUNC, null]);
      throwsCode(() => b.recvmsgInto(['abc' as unknown as Buffer]), TypeError, 'ERR_INVALID_ARG_TYPE', /"buffers\[0\]"/);
    });

    it('over UDP: sendmsg to an address, recvmsg gives the sender; no address is EDESTADDRREQ (89)', () => {
      const rx = track(socket(AF_INET, SOCK_DGRAM));
      rx.bind(['127.0.0.1', 0]);
      rx.settimeout(10);
      const tx = track(socket(AF_INET, SOCK_DGRAM));
      throwsSocketError(() => tx.sendmsg(['x']), 'EDESTADDRREQ', 'sendmsg');
      throwsSocketError(() => tx.sendmsg(['x'], [], 0, null), 'EDESTADDRREQ', 'sendmsg');
      assert.equal(tx.sendmsg(['x', 'yz'], [], 0, rx.getsockname()), 3);
      const [data, ancdata, flags, from] = rx.recvmsg(2);
      assert.deepEqual([data, ancdata, flags], [Buffer.from('xy'), [], MSG_TRUNC]);
      assert.deepEqual(from, ['127.0.0.1', (tx.getsockname() as [string, number])[1]]);
    });

    it('ancillary data items must be [level, type, data]; the kernel judges the rest', () => {
      const [a, b] = pair();
      throwsCode(() => a.sendmsg(['x'], [[SOL_SOCKET, SCM_RIGHTS]] as never), TypeError, 'ERR_INVALID_ARG_TYPE', /"ancdata\[0\]" argument must be an array of \[level, type, data\]/);
      throwsCode(() => a.sendmsg(['x'], 5 as never), TypeError, 'ERR_INVALID_ARG_TYPE', /"ancdata"/);
      throwsCode(() => a.sendmsg(['x'], [[1.5, SCM_RIGHTS, Buffer.alloc(0)]]), RangeError, 'ERR_OUT_OF_RANGE', /"ancdata\[0\]\[0\]"/);
      throwsCode(() => a.sendmsg(['x'], [[SOL_SOCKET, SCM_RIGHTS, 'ab' as never]]), TypeError, 'ERR_INVALID_ARG_TYPE', /"ancdata\[0\]\[2\]"/);
      throwsSocketError(() => a.sendmsg(['x'], [[SOL_SOCKET, 99, Buffer.from('abcd')]]), 'EINVAL', 'sendmsg');
      throwsSocketError(() => a.sendmsg(['x'], [[SOL_SOCKET, SCM_RIGHTS, new Int32Array([-1])]]), 'EBADF', 'sendmsg');
      // An SCM_RIGHTS item with no fds is accepted, as in Python.
      assert.equal(a.sendmsg(['x'], [[SOL_SOCKET, SCM_RIGHTS, new Int32Array(0)]]), 1);
      assert.deepEqual(b.recvmsg(10, 100), [Buffer.from('x'), [], 0, null]);
    });
  });

  describe('fd passing', () => {
    it('SCM_RIGHTS: the peer gets new fds for the same open files, close-on-exec', () => {
      const [a, b] = pair();
      const f1 = file('one');
      const f2 = file('two');
      assert.equal(a.sendmsg(['hi'], [[SOL_SOCKET, SCM_RIGHTS, new Int32Array([f1, f2])]]), 2);
      const [data, ancdata, flags, address] = b.recvmsg(10, CMSG_SPACE(8));
      assert.deepEqual([data, flags, address], [Buffer.from('hi'), 0, null]);
      assert.equal(ancdata.length, 1);
      const [level, type, fdBytes] = ancdata[0]!;
      assert.deepEqual([level, type, fdBytes.length], [SOL_SOCKET, SCM_RIGHTS, 8]);
      const fds = received([fdBytes.readInt32LE(0), fdBytes.readInt32LE(4)]);
      assert.ok(!fds.includes(f1) && !fds.includes(f2));
      assert.deepEqual(fds.map(readAll), ['one', 'two']);
      for (const fd of fds) assert.equal(fdFlags(fd) & O_CLOEXEC, O_CLOEXEC);
    });

    it('fds that do not fit are closed by the kernel, which sets MSG_CTRUNC', () => {
      const [a, b] = pair();
      a.sendmsg(['hi'], [[SOL_SOCKET, SCM_RIGHTS, new Int32Array([file('one'), file('two')])]]);
      const [data, ancdata, flags] = b.recvmsg(10, CMSG_LEN(4));
      assert.deepEqual([data, flags, ancdata.length, ancdata[0]![2].length], [Buffer.from('hi'), MSG_CTRUNC, 1, 4]);
      assert.equal(readAll(received([ancdata[0]![2].readInt32LE(0)])[0]!), 'one');
    });

    it('sendFds and recvFds, as socket.send_fds and recv_fds', () => {
      const [a, b] = pair();
      assert.equal(sendFds(a, ['a'], [file('x'), file('y')]), 1);
      const [data, fds, flags, address] = recvFds(b, 10, 2);
      assert.deepEqual([data, flags, address], [Buffer.from('a'), 0, null]);
      assert.deepEqual(received(fds).map(readAll), ['x', 'y']);
      sendFds(a, ['b'], [file('z')]);
      assert.deepEqual(recvFds(b, 10, 0), [Buffer.from('b'), [], MSG_CTRUNC, null]);
      sendFds(a, [Buffer.from('c')], new Set<number>());
      assert.deepEqual(recvFds(b, 10, 2), [Buffer.from('c'), [], 0, null]);
      throwsCode(() => recvFds(b, 10, -1), RangeError, 'ERR_OUT_OF_RANGE', /"maxfds"/);
      throwsCode(() => sendFds(a, ['d'], ['3' as unknown as number]), TypeError, 'ERR_INVALID_ARG_TYPE', /"fds\[0\]"/);
    });

    it('honours flags and address, which CPython ignores: MSG_PEEK leaves the message queued', () => {
      const [a, b] = pair(SOCK_DGRAM);
      sendFds(a, ['p'], [file('peeked')]);
      const MSG_PEEK = 2;
      const [peeked, peekedFds] = recvFds(b, 10, 1, MSG_PEEK);
      const [data, fds] = recvFds(b, 10, 1);
      assert.deepEqual([peeked, data], [Buffer.from('p'), Buffer.from('p')]);
      assert.deepEqual([...received(peekedFds), ...received(fds)].map(readAll), ['peeked', 'peeked']);
      const rx = track(socket(AF_UNIX, SOCK_DGRAM));
      const where = path.join(tmp(), 'rx.sock');
      rx.bind(where);
      const tx = track(socket(AF_UNIX, SOCK_DGRAM));
      assert.equal(sendFds(tx, ['q'], [file('to an address')], 0, where), 1);
      const [qData, qFds] = recvFds(rx, 10, 1);
      assert.equal(qData.toString(), 'q');
      assert.deepEqual(received(qFds).map(readAll), ['to an address']);
    });

    it('credentials: SO_PEERCRED reads the peer as three int32s; SO_PASSCRED brings SCM_CREDENTIALS with each message', () => {
      const [a, b] = pair();
      const me = [process.pid, process.getuid!(), process.getgid!()];
      const cred = b.getsockopt(SOL_SOCKET, SO_PEERCRED, 12) as Buffer;
      assert.deepEqual([0, 4, 8].map((off) => cred.readInt32LE(off)), me);
      b.setsockopt(SOL_SOCKET, SO_PASSCRED, 1);
      a.send('c');
      const [data, ancdata, flags] = b.recvmsg(1, CMSG_SPACE(12));
      assert.deepEqual([data, flags, ancdata.length], [Buffer.from('c'), 0, 1]);
      const [level, type, bytes] = ancdata[0]!;
      assert.deepEqual([level, type, [0, 4, 8].map((off) => bytes.readInt32LE(off))], [SOL_SOCKET, SCM_CREDENTIALS, me]);
    });

    it('interoperates with CPython: fds from socket.send_fds, and fds to socket.recv_fds', async () => {
      const where = path.join(tmp(), 'py.sock');
      const l = track(socket(AF_UNIX, SOCK_STREAM));
      l.bind(where);
      l.listen();
      l.settimeout(20);
      const child = python(
        [
          'import socket, sys, os',
          'c = socket.socket(socket.AF_UNIX); c.connect(sys.argv[1])',
          'r = open(sys.argv[2], "w+"); r.write("from python"); r.flush()',
          'socket.send_fds(c, [b"P"], [r.fileno()])',
          'msg, fds, flags, addr = socket.recv_fds(c, 10, 2)',
          'for fd in fds: os.write(fd, msg)',
          'print(len(fds), flags, os.get_inheritable(fds[0]))',
          'for fd in fds: os.close(fd)',
        ].join('\n'),
        [where, path.join(tmp(), 'py.txt')],
      );
      const [conn] = l.accept();
      track(conn).settimeout(20);
      const [data, fds] = await conn.recvmsgAsync(10, CMSG_SPACE(4)).then(([d, anc]) => [d, anc.map(([, , b]) => b.readInt32LE(0))] as const);
      assert.equal(data.toString(), 'P');
      assert.equal(readAll(received(fds)[0]!), 'from python');
      const out = file();
      sendFds(conn, ['N'], [out, out]);
      assert.equal((await child.exit()).stdout, '2 0 True\n');
      assert.equal(readAll(out), 'NN');
    });
  });

  describe('hostile lists', () => {
    it('a buffers array is read once, item by item: its Symbol.species and its getters cannot swap what native code gets', () => {
      const [a, b] = pair();
      const victim = new Uint8Array(8);
      const hostile: unknown[] = [];
      Object.defineProperty(hostile, '1', {
        get() {
          structuredClone(victim.buffer, { transfer: [victim.buffer] });
          return new Uint8Array(0);
        },
      });
      const buffers = [victim, new Uint8Array(0)];
      Object.defineProperty(buffers, 'constructor', { value: { [Symbol.species]: () => hostile } });
      a.send('12345678');
      assert.deepEqual(b.recvmsgInto(buffers), [8, [], 0, null]);
      assert.equal(Buffer.from(victim).toString(), '12345678');
      // A getter on the array itself runs while lib/ reads it, before any lookup.
      const getter = [new Uint8Array(4)];
      const late = new Uint8Array(4);
      Object.defineProperty(getter, '1', {
        get() {
          structuredClone(late.buffer, { transfer: [late.buffer] });
          return late;
        },
      });
      a.send('abcd');
      assert.deepEqual(b.recvmsgInto(getter), [4, [], 0, null]);
    });

    it('holes are undefined items, refused with the item named, where they used to be skipped', () => {
      const [a] = pair();
      // eslint-disable-next-line no-sparse-arrays
      throwsCode(() => sendFds(a, ['x'], [, ] as unknown as number[]), TypeError, 'ERR_INVALID_ARG_TYPE', /"fds\[0\]"/);
      throwsCode(() => a.sendmsg(['y'], new Array(1)), TypeError, 'ERR_INVALID_ARG_TYPE', /"ancdata\[0\]"/);
      // eslint-disable-next-line no-sparse-arrays
      throwsCode(() => a.sendmsg(['a', , 'b'] as string[]), TypeError, 'ERR_INVALID_ARG_TYPE', /"buffers\[1\]"/);
      throwsCode(() => a.sendmsg(new Array(2 ** 32 - 1)), TypeError, 'ERR_INVALID_ARG_TYPE', /"buffers\[0\]"/);
    });
  });

  describe('async', () => {
    it('recvmsgAsync waits for the message and its fds; sendmsgAsync takes options after any argument', async () => {
      const [a, b] = pair();
      const pending = b.recvmsgAsync(10, CMSG_SPACE(4));
      const ac = new AbortController();
      assert.equal(await a.sendmsgAsync(['async'], [[SOL_SOCKET, SCM_RIGHTS, new Int32Array([file('sent')])]], { signal: ac.signal }), 5);
      const [data, ancdata, flags, address] = await pending;
      assert.deepEqual([data, flags, address, ancdata.length], [Buffer.from('async'), 0, null, 1]);
      assert.equal(readAll(received([ancdata[0]![2].readInt32LE(0)])[0]!), 'sent');
      assert.equal(await a.sendmsgAsync(['o'], { signal: ac.signal }), 1);
      assert.equal(await a.sendmsgAsync(['p'], [], 0, { signal: ac.signal }), 1);
      assert.equal(await a.sendmsgAsync(['q'], [], 0, null, {}), 1);
      const bufs = [Buffer.alloc(1), Buffer.alloc(2)];
      assert.deepEqual(await b.recvmsgIntoAsync(bufs, 0, 0, {}), [3, [], 0, null]);
      assert.equal(Buffer.concat(bufs).toString(), 'opq');
      const loose = a.sendmsgAsync.bind(a) as (...args: unknown[]) => Promise<number>;
      await assert.rejects(loose(['x'], [], 0, null, {}, 5), { code: 'ERR_INVALID_ARG_TYPE' });
      await assert.rejects(loose(['x'], {}, 0), { code: 'ERR_INVALID_ARG_TYPE' });
      await assert.rejects(a.sendmsgAsync('x' as never), { code: 'ERR_INVALID_ARG_TYPE' });
    });

    it('sendmsgAsync to a name resolves it off the loop; no address on UDP rejects with EDESTADDRREQ', async () => {
      const rx = track(socket(AF_INET, SOCK_DGRAM));
      rx.bind(['127.0.0.1', 0]);
      const port = (rx.getsockname() as [string, number])[1];
      const tx = track(socket(AF_INET, SOCK_DGRAM));
      await assert.rejects(tx.sendmsgAsync(['x']), { code: 'EDESTADDRREQ', errno: 89, syscall: 'sendmsg' });
      assert.equal(await tx.sendmsgAsync(['by ', 'name'], [], 0, ['localhost', port]), 7);
      const [data, , , from] = await rx.recvmsgAsync(20);
      assert.equal(data.toString(), 'by name');
      assert.deepEqual(from, ['127.0.0.1', (tx.getsockname() as [string, number])[1]]);
    });

    it("settling a call runs none of the caller's code: an AbortSignal's own methods are not called", async () => {
      const [a, b] = pair();
      const signal = new AbortController().signal;
      const called: string[] = [];
      signal.addEventListener = () => called.push('addEventListener');
      signal.removeEventListener = () => {
        called.push('removeEventListener');
        throw new Error('not to be called');
      };
      const pending = b.recvmsgAsync(10, CMSG_SPACE(4), { signal });
      sendFds(a, ['one'], [file('one')]);
      const [data, ancdata] = await pending;
      assert.equal(data.toString(), 'one');
      assert.equal(readAll(received([ancdata[0]![2].readInt32LE(0)])[0]!), 'one');
      assert.deepEqual(called, []);
    });

    it('ancillary data is copied at the call: an fd array transferred while the call waits is still sent', async () => {
      const [a, b] = pair();
      a.setblocking(false);
      let filled = 0;
      while (filled < 64 << 20 && a.trySend(Buffer.alloc(65536)) > 0) filled += 65536;
      const fds = new Int32Array([file('copied')]);
      const pending = a.sendmsgAsync(['X'], [[SOL_SOCKET, SCM_RIGHTS, fds]]);
      structuredClone(fds.buffer, { transfer: [fds.buffer] });
      // Drained without blocking (the pending send needs the event loop),
      // until EAGAIN once the send has settled: a bounded loop that fails by
      // its assertion, not by the test's timeout.
      b.setblocking(false);
      let settled = false;
      const done = () => {
        settled = true;
      };
      pending.then(done, done);
      const items: AncillaryItem[] = [];
      let tail = 0;
      for (let pass = 0; pass < 100000; pass++) {
        try {
          const [data, ancdata] = b.recvmsg(1 << 20, CMSG_SPACE(4));
          items.push(...ancdata);
          tail = data.at(-1) ?? tail;
        } catch (err) {
          if ((err as { code?: unknown }).code !== 'EAGAIN') throw err;
          if (settled) break;
          await ticks(1);
        }
      }
      assert.equal(await pending, 1);
      assert.equal(tail, 0x58); // 'X' ends the stream
      assert.equal(items.length, 1);
      assert.equal(readAll(received([items[0]![2].readInt32LE(0)])[0]!), 'copied');
    });

    it('a DataView detached while recvmsgIntoAsync waits fails it with ERR_OUT_OF_RANGE', async () => {
      const [a, b] = pair();
      const ab = new ArrayBuffer(8);
      const pending = b.recvmsgIntoAsync([new DataView(ab)]);
      structuredClone(ab, { transfer: [ab] });
      a.send('x');
      await assert.rejects(pending, { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
      assert.equal(b.recv(1).toString(), 'x');
    });

    it('an abort rejects and consumes nothing; a buffer detached while waiting fails the call before the syscall', async () => {
      const [a, b] = pair();
      const ac = new AbortController();
      const aborted = b.recvmsgAsync(10, { signal: ac.signal });
      ac.abort();
      await assert.rejects(aborted, { name: 'AbortError' });
      const target = new Uint8Array(new ArrayBuffer(8));
      const detached = b.recvmsgIntoAsync([target]);
      structuredClone(target.buffer, { transfer: [target.buffer] });
      a.send('kept');
      await assert.rejects(detached, { code: 'ERR_OUT_OF_RANGE', name: 'RangeError' });
      assert.deepEqual(await b.recvmsgAsync(10), [Buffer.from('kept'), [], 0, null]);
    });
  });
});
