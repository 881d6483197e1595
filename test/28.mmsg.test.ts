// Batched datagrams: sendmmsg, recvmmsg, recvmmsgInto and their async
// forms, UDP GSO (UDP_SEGMENT) and GRO (UDP_GRO), against a CPython peer
// that sends and receives one datagram at a time.

import assert = require('node:assert/strict');
import path = require('node:path');

import {
  AF_INET,
  AF_INET6,
  AF_UNIX,
  MMSG_MAX,
  MSG_TRUNC,
  SOCK_DGRAM,
  SOCK_STREAM,
  SOL_SOCKET,
  SO_RCVBUF,
  SO_SNDBUF,
  SocketTimeoutError,
  constants,
  groSegmentSize,
  groSegments,
  socket,
  socketpair,
  type Socket,
} from '../lib';
import { SOCK_NONBLOCK, SOL_UDP, UDP_GRO, UDP_SEGMENT } from './linux';
import { python, since, sockets, tempDirs, throwsCode, throwsSocketError, ticks } from './helpers';

// A CPython UDP peer on loopback. It prints its port, then follows commands
// on stdin: "recv N" receives N datagrams one at a time (recvfrom) and
// prints each as [length, first bytes, sender]; "send PORT N SIZE" sends N
// datagrams of SIZE bytes, one sendto each, datagram i starting with i.
const PEER = `
import json, socket, sys
fam = socket.AF_INET6 if sys.argv[1] == '6' else socket.AF_INET
host = '::1' if fam == socket.AF_INET6 else '127.0.0.1'
s = socket.socket(fam, socket.SOCK_DGRAM)
s.bind((host, 0))
s.settimeout(10)
print(s.getsockname()[1], flush=True)
for line in sys.stdin:
    cmd = line.split()
    if cmd[0] == 'recv':
        got = []
        for _ in range(int(cmd[1])):
            d, a = s.recvfrom(65536)
            got.append([len(d), d[:8].decode('latin-1'), list(a[:2])])
        print(json.dumps(got), flush=True)
    elif cmd[0] == 'send':
        port, n, size = int(cmd[1]), int(cmd[2]), int(cmd[3])
        for i in range(n):
            s.sendto((str(i) + ':').encode().ljust(size, b'.')[:size], (host, port))
        print('sent', flush=True)
    elif cmd[0] == 'gso':
        import struct
        port, n, size = int(cmd[1]), int(cmd[2]), int(cmd[3])
        data = b''.join((str(i) + ':').encode().ljust(size, b'.')[:size] for i in range(n))
        s.sendmsg([data], [(socket.SOL_UDP, 103, struct.pack('H', size))], 0, (host, port))
        print('sent', flush=True)
    else:
        break
`;

describe('28 batched datagrams: sendmmsg, recvmmsg, GSO and GRO', function () {
  this.timeout(20_000);
  const track = sockets();
  const tmp = tempDirs();

  async function peer(family: number = AF_INET) {
    const child = python(PEER, [family === AF_INET6 ? '6' : '4']);
    const port = Number(await child.line());
    const host = family === AF_INET6 ? '::1' : '127.0.0.1';
    return {
      address: [host, port] as const,
      async command(line: string): Promise<string> {
        child.write(`${line}\n`);
        return child.line();
      },
      async end(): Promise<void> {
        child.write('quit\n');
        const { code, stderr } = await child.exit();
        assert.equal(code, 0, stderr);
      },
    };
  }

  function udp(family: number = AF_INET): Socket {
    const s = track(socket(family, SOCK_DGRAM));
    s.bind([family === AF_INET6 ? '::1' : '127.0.0.1', 0]);
    s.settimeout(10);
    return s;
  }

  describe('sendmmsg', () => {
    for (const family of [AF_INET, AF_INET6]) {
      const v6 = family === AF_INET6;
      it(`sends each message as one datagram, in order, to its address (${v6 ? 'IPv6' : 'IPv4'}, CPython receiving one at a time)`, async () => {
        const p = await peer(family);
        const s = udp(family);
        const to = p.address;
        const n = s.sendmmsg([['zero', to], [Buffer.from('one'), to], [new Uint16Array([0x7774, 0x6f]), to], ['', to]]);
        assert.equal(n, 4);
        const me = (s.getsockname() as [string, number]).slice(0, 2);
        assert.deepEqual(JSON.parse(await p.command('recv 4')), [
          [4, 'zero', me],
          [3, 'one', me],
          [4, 'two\0', me],
          [0, '', me],
        ]);
        await p.end();
      });
    }

    it('on a connected socket takes data alone, and [data, null] too', async () => {
      const p = await peer();
      const s = udp();
      s.connect(p.address);
      assert.equal(s.sendmmsg(['a', Buffer.from('bb'), ['ccc', null]]), 3);
      const me = s.getsockname();
      assert.deepEqual(JSON.parse(await p.command('recv 3')), [
        [1, 'a', me],
        [2, 'bb', me],
        [3, 'ccc', me],
      ]);
      await p.end();
    });

    it('takes any iterable, and sends to several peers in one call', async () => {
      const [p, q] = [await peer(), await peer()];
      const s = udp();
      const gen = function* () {
        for (let i = 0; i < 6; i++) yield [`m${i}`, i % 2 ? q.address : p.address] as const;
      };
      assert.equal(s.sendmmsg(gen()), 6);
      const me = s.getsockname();
      assert.deepEqual(JSON.parse(await p.command('recv 3')), [[2, 'm0', me], [2, 'm2', me], [2, 'm4', me]]);
      assert.deepEqual(JSON.parse(await q.command('recv 3')), [[2, 'm1', me], [2, 'm3', me], [2, 'm5', me]]);
      assert.equal(s.sendmmsg(new Set<readonly [string, readonly [string, number]]>([['x', q.address]])), 1);
      assert.deepEqual(JSON.parse(await q.command('recv 1')), [[1, 'x', me]]);
      await p.end();
      await q.end();
    });

    it('sends a buffer repeated in a batch (looked up once) as often as given, between others, in order', () => {
      const r = udp();
      const s = udp();
      const to = r.getsockname();
      const a = Buffer.from('aa');
      const b = Buffer.from('bbb');
      const whole = Buffer.from('0123456789');
      const messages = [a, a, b, a, b, b, whole.subarray(2, 4), whole.subarray(2, 4), whole, new Uint16Array([0x4443]), a];
      assert.equal(s.sendmmsg(messages.map((m) => [m, to] as const)), 11);
      const got = r.recvmmsg(16, 64).map(([data]) => data.toString('latin1'));
      assert.deepEqual(got, ['aa', 'aa', 'bbb', 'aa', 'bbb', 'bbb', '23', '23', '0123456789', 'CD', 'aa']);
    });

    it('sends at most 1024 (UIO_MAXIOV) per call and says so in its count', () => {
      const r = udp();
      const s = udp();
      const to = r.getsockname();
      const one = Buffer.from('x');
      assert.equal(MMSG_MAX, 1024);
      // (UDP: a receiver short of room drops what does not fit, the count
      // is the sender's.)
      assert.equal(s.sendmmsg(new Array(1500).fill([one, to])), 1024);
      assert.equal(s.sendmmsg([]), 0);
      assert.equal(r.recvmmsg(1, 16).length, 1);
    });

    it('throws the first datagram\'s error with its address; after the first, returns the count and the next call throws', () => {
      const s = udp();
      const r = udp();
      const to = r.getsockname() as [string, number];
      throwsSocketError(() => s.sendmmsg(['no address']), 'EDESTADDRREQ', 'sendmmsg');
      throwsSocketError(() => s.sendmmsg([[Buffer.alloc(70000), to]]), 'EMSGSIZE', 'sendmmsg', { address: '127.0.0.1', port: to[1] });
      const batch = [['ok', to], [Buffer.alloc(70000), to], ['never', to]] as const;
      assert.equal(s.sendmmsg(batch), 1);
      throwsSocketError(() => s.sendmmsg(batch.slice(1)), 'EMSGSIZE', 'sendmmsg');
      assert.deepEqual(r.recvmmsg(4, 100).map(([d]) => d.toString()), ['ok']);
    });

    it('over AF_UNIX: to a path, connected, and an unbound sender has no address', () => {
      const dir = tmp();
      const r = track(socket(AF_UNIX, SOCK_DGRAM));
      r.bind(path.join(dir, 'r'));
      r.settimeout(10);
      const s = track(socket(AF_UNIX, SOCK_DGRAM));
      assert.equal(s.sendmmsg([['a', path.join(dir, 'r')], ['bc', path.join(dir, 'r')]]), 2);
      throwsSocketError(() => s.sendmmsg(['x']), 'ENOTCONN', 'sendmmsg');
      // (Received before s binds: Linux gives a queued datagram its sender's
      // address as it is when the datagram is read.)
      assert.deepEqual(r.recvmmsg(8, 10), [
        [Buffer.from('a'), null],
        [Buffer.from('bc'), null],
      ]);
      s.bind(path.join(dir, 's'));
      s.connect(path.join(dir, 'r'));
      assert.equal(s.sendmmsg(['def', 'g']), 2);
      assert.deepEqual(r.recvmmsg(8, 10), [
        [Buffer.from('def'), path.join(dir, 's')],
        [Buffer.from('g'), path.join(dir, 's')],
      ]);
    });

    it('non-blocking: a full peer gives a partial count, then EAGAIN; timeout mode times out', () => {
      const [a, b] = socketpair(AF_UNIX, SOCK_DGRAM);
      track(a);
      track(b);
      a.setsockopt(SOL_SOCKET, SO_SNDBUF, 4096);
      a.setblocking(false);
      const msgs = new Array(500).fill(Buffer.alloc(100));
      const n = a.sendmmsg(msgs);
      assert.ok(n > 0 && n < 500, `sent ${n}`);
      throwsSocketError(() => a.sendmmsg(msgs), 'EAGAIN', 'sendmmsg');
      a.settimeout(0.05);
      const t0 = performance.now();
      assert.throws(() => a.sendmmsg(msgs), (err: unknown) => err instanceof SocketTimeoutError && err.syscall === 'sendmmsg');
      assert.ok(since(t0) >= 0.04);
      assert.equal(b.recvmmsg(1024, 200).length, n);
    });

    it('checks its arguments before any syscall, naming the message', () => {
      const s = udp();
      const to = s.getsockname();
      throwsCode(() => s.sendmmsg('ab' as unknown as string[]), TypeError, 'ERR_INVALID_ARG_TYPE', /"messages" argument must be an array or an iterable/);
      throwsCode(() => s.sendmmsg([5 as unknown as string]), TypeError, 'ERR_INVALID_ARG_TYPE', /"messages\[0\]"/);
      throwsCode(() => s.sendmmsg([['ok', to], [5, to] as unknown as [string, null]]), TypeError, 'ERR_INVALID_ARG_TYPE', /"messages\[1\]\[0\]"/);
      throwsCode(() => s.sendmmsg([['a'] as unknown as [string, null]]), TypeError, 'ERR_INVALID_ARG_VALUE', /'messages\[0\]' must be data, \[data, address\]/);
      throwsCode(() => s.sendmmsg([['a', to, 70000]]), RangeError, 'ERR_OUT_OF_RANGE', /"messages\[0\]\[2\]"/);
      throwsCode(() => s.sendmmsg([['a', ['127.0.0.1', 70000]]]), RangeError, 'ERR_SOCKET_BAD_PORT');
      throwsCode(() => s.sendmmsg([], 1.5), RangeError, 'ERR_OUT_OF_RANGE', /"flags"/);
      s.close();
      throwsSocketError(() => s.sendmmsg([['a', to]]), 'EBADF', 'sendmmsg');
      throwsSocketError(() => s.recvmmsg(1, 1), 'EBADF', 'recvmmsg');
      throwsSocketError(() => s.recvmmsgInto([Buffer.alloc(1)]), 'EBADF', 'recvmmsg');
    });
  });

  describe('recvmmsg and recvmmsgInto', () => {
    it('recvmmsg gives what is queued, in order, as [data, address], from CPython sending one at a time', async () => {
      const p = await peer();
      const r = udp();
      const port = (r.getsockname() as [string, number])[1];
      assert.equal(await p.command(`send ${port} 5 10`), 'sent');
      const got = r.recvmmsg(8, 100);
      assert.deepEqual(
        got.map(([d, a]) => [d.toString(), a]),
        [0, 1, 2, 3, 4].map((i) => [`${i}:........`, p.address]),
      );
      // A datagram longer than bufsize is cut, as by recvfrom.
      assert.equal(await p.command(`send ${port} 2 3000`), 'sent');
      assert.deepEqual(r.recvmmsg(2, 1000).map(([d]) => d.length), [1000, 1000]);
      await p.end();
    });

    it('recvmmsg blocks for the first datagram only (MSG_WAITFORONE), then takes what is there', async () => {
      const p = await peer();
      const r = udp();
      r.settimeout(null);
      const port = (r.getsockname() as [string, number])[1];
      p.command(`send ${port} 1 4`).catch(() => {});
      const t0 = performance.now();
      const got = r.recvmmsg(64, 100); // blocks the loop until CPython's one datagram
      assert.equal(got.length, 1);
      assert.equal(got[0]![0].toString(), '0:..');
      assert.ok(since(t0) < 5);
      await p.end();
    });

    it('recvmmsg follows the mode: EAGAIN, a timeout with its syscall, [] for vlen 0', () => {
      const r = udp();
      r.setblocking(false);
      throwsSocketError(() => r.recvmmsg(4, 100), 'EAGAIN', 'recvmmsg');
      throwsSocketError(() => r.recvmmsgInto([Buffer.alloc(4)]), 'EAGAIN', 'recvmmsg');
      r.settimeout(0.05);
      const t0 = performance.now();
      assert.throws(() => r.recvmmsg(4, 100), (err: unknown) => err instanceof SocketTimeoutError && err.syscall === 'recvmmsg');
      assert.ok(since(t0) >= 0.04);
      assert.deepEqual(r.recvmmsg(0, 100), []);
    });

    it('recvmmsg(vlen, 0) takes the datagrams and returns no bytes, as recvfrom(0)', () => {
      const r = udp();
      const s = udp();
      s.sendmmsg([['ab', r.getsockname()], ['c', r.getsockname()]]);
      assert.deepEqual(r.recvmmsg(4, 0), [
        [Buffer.alloc(0), s.getsockname()],
        [Buffer.alloc(0), s.getsockname()],
      ]);
      r.setblocking(false);
      throwsSocketError(() => r.recvmmsg(4, 0), 'EAGAIN', 'recvmmsg');
    });

    it('recvmmsg results stay intact across later receives (the pool rule), small and large', () => {
      const r = udp();
      r.setsockopt(SOL_SOCKET, SO_RCVBUF, 4 << 20);
      const s = udp();
      const to = r.getsockname();
      const sizes = [1, 100, 4096, 5000, 20000, 65000];
      s.sendmmsg(sizes.map((n, i) => [Buffer.alloc(n, 65 + i), to] as const));
      const first = r.recvmmsg(8, 65536);
      s.sendmmsg(sizes.map((n) => [Buffer.alloc(n, 0x7a), to] as const));
      const second = r.recvmmsg(8, 65536);
      assert.deepEqual(first.map(([d]) => d.length), sizes);
      first.forEach(([d], i) => assert.ok(d.every((x) => x === 65 + i), `datagram ${i}`));
      second.forEach(([d]) => assert.ok(d.every((x) => x === 0x7a)));
      // Each result keeps alive at most four times its size, or an 8 KiB slab.
      for (const [d] of [...first, ...second]) assert.ok(d.buffer.byteLength <= Math.max(8192, 4 * d.length), `${d.length} in ${d.buffer.byteLength}`);
    });

    it('recvmmsgInto fills the buffers, reports sizes, MSG_TRUNC per message and senders; the result belongs to the array', () => {
      const r = udp();
      const s = udp();
      const to = r.getsockname();
      s.sendmmsg([['hello', to], ['hi', to], ['truncated!', to]]);
      const bufs = [Buffer.alloc(8), Buffer.alloc(8), new Uint8Array(4), Buffer.alloc(8)];
      const res = r.recvmmsgInto(bufs);
      assert.equal(res.count, 3);
      assert.deepEqual([...res.sizes.subarray(0, 3)], [5, 2, 4]);
      assert.deepEqual([...res.flags.subarray(0, 3)], [0, 0, MSG_TRUNC]);
      assert.deepEqual([...res.segmentSizes.subarray(0, 3)], [0, 0, 0]);
      assert.deepEqual([res.address(0), res.address(2)], [s.getsockname(), s.getsockname()]);
      assert.equal(bufs[0]!.toString('utf8', 0, 5), 'hello');
      assert.equal(Buffer.from(bufs[2]!).toString(), 'trun');
      throwsCode(() => res.address(3), RangeError, 'ERR_OUT_OF_RANGE', /"i"/);
      // The same array refills the same result; another array gets its own.
      s.sendmmsg([['again', to]]);
      assert.equal(r.recvmmsgInto(bufs), res);
      assert.equal(res.count, 1);
      assert.equal(res.sizes[0], 5);
      s.sendmmsg([['other', to]]);
      const other = r.recvmmsgInto([Buffer.alloc(8)]);
      assert.notEqual(other, res);
      assert.equal(res.count, 1);
      // With MSG_TRUNC in flags, a size is the datagram's real length.
      s.sendmmsg([['0123456789', to]]);
      assert.equal(r.recvmmsgInto([Buffer.alloc(4)], MSG_TRUNC).sizes[0], 10);
    });

    it('recvmmsgInto gives each datagram its own sender, from peers interleaved, asked in any order, call after call', () => {
      const r = udp();
      const a = udp();
      const b = udp();
      const to = r.getsockname();
      const bufs = Array.from({ length: 8 }, () => Buffer.alloc(8));
      const expect = (senders: Socket[]) => senders.map((p) => p.getsockname());
      for (const order of [[a, a, b, a, b, b], [b, a, a, a, b, a, b]]) {
        for (const p of order) p.sendto('x', to);
        const res = r.recvmmsgInto(bufs);
        assert.equal(res.count, order.length);
        // The last one first: the runs before it are found on the way.
        const got = Array.from({ length: res.count }, (_, i) => res.count - 1 - i).map((i) => res.address(i));
        assert.deepEqual(got.reverse(), expect(order));
      }
    });

    it('recvmmsgInto takes what is queued past its first step, in order; an empty datagram right after that step waits for the next call', () => {
      const r = udp();
      const s = udp();
      const to = r.getsockname();
      const bufs = Array.from({ length: 32 }, () => Buffer.alloc(8));
      // A new list's first step takes 4 buffers; the rest come in a second.
      s.sendmmsg(Array.from({ length: 28 }, (_, i) => [`d${i}`, to] as const));
      const res = r.recvmmsgInto(bufs);
      assert.equal(res.count, 28);
      assert.deepEqual(bufs.slice(0, 28).map((b, i) => b.toString('utf8', 0, res.sizes[i])), Array.from({ length: 28 }, (_, i) => `d${i}`));
      assert.equal(res.address(27)?.toString(), s.getsockname().toString());
      // After 28, the first step takes 16 (its most): exactly 16, then an
      // empty datagram, then one more: the second step sees nothing it can
      // tell from an empty queue (FIONREAD is 0).
      s.sendmmsg([...Array.from({ length: 16 }, (_, i) => [`e${i}`, to] as const), ['', to], ['last', to]]);
      assert.equal(r.recvmmsgInto(bufs).count, 16);
      let rest = r.recvmmsgInto(bufs);
      assert.deepEqual([rest.count, rest.sizes[0], bufs[1]!.toString('utf8', 0, rest.sizes[1])], [2, 0, 'last']);
      // After 2, the first step takes 4: a burst of 10 still comes whole.
      s.sendmmsg(Array.from({ length: 10 }, (_, i) => [`f${i}`, to] as const));
      rest = r.recvmmsgInto(bufs);
      assert.deepEqual(bufs.slice(0, rest.count).map((b, i) => b.toString('utf8', 0, rest.sizes[i])), Array.from({ length: 10 }, (_, i) => `f${i}`));
      // After 10, it takes 12: the empty datagram's place moves with it.
      s.sendmmsg([...Array.from({ length: 12 }, (_, i) => [`g${i}`, to] as const), ['', to], ['end', to]]);
      assert.equal(r.recvmmsgInto(bufs).count, 12);
      rest = r.recvmmsgInto(bufs);
      assert.deepEqual([rest.count, rest.sizes[0], bufs[1]!.toString('utf8', 0, rest.sizes[1])], [2, 0, 'end']);
    });

    it('recvmmsgInto checks its buffers: writable views, the first 1024 used', function () {
      const r = udp();
      // 1030 queued datagrams need about 1 MiB of receive buffer; the
      // kernel gives at most net.core.rmem_max.
      r.setsockopt(SOL_SOCKET, SO_RCVBUF, 4 << 20);
      if (r.getsockopt(SOL_SOCKET, SO_RCVBUF) < 2 << 20) this.skip();
      throwsCode(() => r.recvmmsgInto(['abc' as unknown as Buffer]), TypeError, 'ERR_INVALID_ARG_TYPE', /"buffers\[0\]"/);
      throwsCode(() => r.recvmmsgInto(5 as unknown as Buffer[]), TypeError, 'ERR_INVALID_ARG_TYPE', /"buffers"/);
      throwsCode(() => r.recvmmsg(1025, 1), RangeError, 'ERR_OUT_OF_RANGE', /"vlen".*<= 1024/);
      throwsCode(() => r.recvmmsg(-1, 1), RangeError, 'ERR_OUT_OF_RANGE', /"vlen"/);
      throwsCode(() => r.recvmmsg(1024, 2 ** 22), RangeError, 'ERR_OUT_OF_RANGE', /"bufsize"/);
      throwsCode(() => r.recvmmsg(1, 1, 'x' as unknown as number), TypeError, 'ERR_INVALID_ARG_TYPE', /"flags"/);
      const s = udp();
      const msgs = new Array(1030).fill([Buffer.from('d'), r.getsockname()]);
      for (let sent = 0; sent < msgs.length; ) sent += s.sendmmsg(msgs.slice(sent));
      const res = r.recvmmsgInto(Array.from({ length: 1100 }, () => Buffer.alloc(2)));
      assert.equal(res.count, 1024);
      assert.equal(res.sizes.length, 1024);
      assert.equal(r.recvmmsg(10, 2).length, 6);
    });

    it('a blocking recvmmsg interrupted by signals is retried and returns the datagram', async () => {
      let signals = 0;
      const onSignal = () => signals++;
      process.on('SIGUSR2', onSignal);
      try {
        const r = udp();
        r.settimeout(null);
        const port = (r.getsockname() as [string, number])[1];
        const child = python(
          [
            'import os, signal, socket, sys, time',
            'time.sleep(0.3)',
            'for _ in range(3):',
            '    os.kill(int(sys.argv[1]), signal.SIGUSR2); time.sleep(0.1)',
            's = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)',
            's.sendto(b"after signals", ("127.0.0.1", int(sys.argv[2])))',
          ].join('\n'),
          [String(process.pid), String(port)],
        );
        const got = r.recvmmsg(8, 100);
        assert.deepEqual(got.map(([d]) => d.toString()), ['after signals']);
        for (let i = 0; i < 100 && signals < 3; i++) await ticks();
        assert.equal(signals, 3);
        assert.equal((await child.exit()).code, 0);
      } finally {
        process.off('SIGUSR2', onSignal);
      }
    });

    it('AF_INET6 and AF_UNIX datagram sockets give their addresses', () => {
      const r = udp(AF_INET6);
      const s = udp(AF_INET6);
      s.sendmmsg([['six', r.getsockname()]]);
      const [[data, from]] = r.recvmmsg(2, 10) as [[Buffer, unknown]];
      assert.equal(data.toString(), 'six');
      assert.deepEqual(from, s.getsockname());
      const [a, b] = socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK);
      track(a);
      track(b);
      a.sendmmsg(['p', 'q']);
      const res = b.recvmmsgInto([Buffer.alloc(2), Buffer.alloc(2)]);
      assert.equal(res.count, 2);
      assert.equal(res.address(1), null);
    });
  });

  describe('UDP GSO and GRO', () => {
    it('exports UDP_SEGMENT, UDP_GRO and SOL_UDP with Linux values', () => {
      assert.deepEqual([UDP_SEGMENT, UDP_GRO, SOL_UDP], [103, 104, 17]);
      assert.deepEqual([constants.UDP_SEGMENT, constants.UDP_GRO, constants.SOL_UDP], [103, 104, 17]);
    });

    it('[data, address, segmentSize] goes out as datagrams of segmentSize bytes (CPython receiving)', async () => {
      const p = await peer();
      const s = udp();
      const data = Buffer.concat([0, 1, 2, 3].map((i) => Buffer.from(`${i}:`.padEnd(1200, '.')))).subarray(0, 3 * 1200 + 7);
      assert.equal(s.sendmmsg([[data, p.address, 1200], ['plain', p.address, null]]), 2);
      const me = s.getsockname();
      assert.deepEqual(JSON.parse(await p.command('recv 5')), [
        [1200, '0:......', me],
        [1200, '1:......', me],
        [1200, '2:......', me],
        [7, '3:.....', me],
        [5, 'plain', me],
      ]);
      await p.end();
    });

    it('GSO beyond the kernel\'s segment count is EINVAL; on AF_UNIX or TCP it is EOPNOTSUPP', () => {
      const s = udp();
      const to = s.getsockname();
      throwsSocketError(() => s.sendmmsg([[Buffer.alloc(200 * 10), to, 10]]), 'EINVAL', 'sendmmsg');
      const [a, b] = socketpair(AF_UNIX, SOCK_DGRAM);
      track(a);
      track(b);
      throwsSocketError(() => a.sendmmsg([['abc', null, 1]]), 'EOPNOTSUPP', 'sendmmsg');
      const t = track(socket(AF_INET, SOCK_STREAM));
      throwsSocketError(() => t.sendmmsg([['abc', null, 1]]), 'EOPNOTSUPP', 'sendmmsg');
    });

    it('with UDP_GRO on, recvmmsg splits a coalesced receive into its datagrams (CPython sending with GSO)', async () => {
      const p = await peer();
      const r = udp();
      r.setsockopt(SOL_UDP, UDP_GRO, 1);
      const port = (r.getsockname() as [string, number])[1];
      assert.equal(await p.command(`gso ${port} 4 1000`), 'sent');
      const got = r.recvmmsg(4, 65536);
      assert.deepEqual(
        got.map(([d, a]) => [d.length, d.toString('latin1', 0, 3), a]),
        [0, 1, 2, 3].map((i) => [1000, `${i}:.`, p.address]),
      );
      // recvmmsgInto keeps it whole and gives the segment size.
      assert.equal(await p.command(`gso ${port} 3 500`), 'sent');
      const buf = Buffer.alloc(65536);
      const res = r.recvmmsgInto([buf]);
      assert.deepEqual([res.count, res.sizes[0], res.segmentSizes[0]], [1, 1500, 500]);
      assert.deepEqual(res.datagrams(0).map((d) => d.toString('latin1', 0, 3)), ['0:.', '1:.', '2:.']);
      assert.equal(res.datagrams(0)[1]!.buffer, buf.buffer); // views, not copies
      await p.end();
    });

    it('groSegmentSize reads recvmsg\'s UDP_GRO item; groSegments splits by it', () => {
      const r = udp();
      r.setsockopt(SOL_UDP, UDP_GRO, 1);
      const s = udp();
      s.sendmmsg([[Buffer.alloc(250, 'g'), r.getsockname(), 100]]);
      const [data, ancdata] = r.recvmsg(65536, 64);
      assert.equal(groSegmentSize(ancdata), 100);
      assert.deepEqual(groSegments(data, 100).map((d) => d.length), [100, 100, 50]);
      assert.deepEqual(groSegments(data, 0), [data]);
      assert.equal(groSegmentSize([]), 0);
      throwsCode(() => groSegments('x' as unknown as Buffer, 1), TypeError, 'ERR_INVALID_ARG_TYPE');
      throwsCode(() => groSegments(data, -1), RangeError, 'ERR_OUT_OF_RANGE');
    });
  });

  describe('worker threads', () => {
    it('two workers batch at once, each with its own memory, pool and native scratch', async () => {
      const code = `
        const { parentPort } = require('node:worker_threads');
        const { socket, AF_INET, SOCK_DGRAM } = require(${JSON.stringify(path.join(__dirname, '..', 'lib'))});
        const r = socket(AF_INET, SOCK_DGRAM);
        r.bind(['127.0.0.1', 0]);
        r.settimeout(10);
        const s = socket(AF_INET, SOCK_DGRAM);
        const to = r.getsockname();
        let ok = 0;
        for (let round = 0; round < 200; round++) {
          const msgs = [];
          for (let i = 0; i < 32; i++) msgs.push([Buffer.alloc(40 + i, round % 256), to]);
          if (s.sendmmsg(msgs) !== 32) throw new Error('short send');
          let got = [];
          while (got.length < 32) got = got.concat(r.recvmmsg(32, 100));
          if (got.every(([d], i) => d.length === 40 + i && d.every((x) => x === round % 256))) ok++;
        }
        r.close();
        s.close();
        parentPort.postMessage(ok);
      `;
      const { Worker } = await import('node:worker_threads');
      const run = () =>
        new Promise<number>((resolve, reject) => {
          const w = new Worker(code, { eval: true, execArgv: ['--require', 'tsx/cjs'] });
          w.once('message', resolve);
          w.once('error', reject);
        });
      assert.deepEqual(await Promise.all([run(), run()]), [200, 200]);
    });
  });

  describe('async forms', () => {
    it('recvmmsgAsync resolves with what one readiness yields', async () => {
      const p = await peer();
      const r = udp();
      const port = (r.getsockname() as [string, number])[1];
      const pending = r.recvmmsgAsync(16, 64);
      await ticks(2);
      assert.equal(await p.command(`send ${port} 3 8`), 'sent');
      await ticks(2);
      const got = await pending;
      assert.ok(got.length >= 1 && got.length <= 3);
      const rest = got.length < 3 ? await r.recvmmsgAsync(16, 64) : [];
      assert.deepEqual([...got, ...rest].map(([d, a]) => [d.toString(), a]), [0, 1, 2].map((i) => [`${i}:......`, p.address]));
      await p.end();
    });

    it('sendmmsgAsync sends them all, to CPython receiving one at a time', async () => {
      const p = await peer();
      const s = udp();
      const msgs = Array.from({ length: 100 }, (_, i) => [`${i}`, p.address] as const);
      const received = p.command('recv 100');
      assert.equal(await s.sendmmsgAsync(msgs), 100);
      const got = JSON.parse(await received) as Array<[number, string]>;
      assert.deepEqual(got.map((x) => x[1]), msgs.map(([d]) => d));
      await p.end();
    });

    it('recvmmsgIntoAsync fills the buffers; flags and options in either order', async () => {
      const r = udp();
      const s = udp();
      const bufs = [Buffer.alloc(4), Buffer.alloc(4)];
      const pending = r.recvmmsgIntoAsync(bufs, MSG_TRUNC, {});
      s.sendmmsg([['abcdef', r.getsockname()]]);
      const res = await pending;
      assert.deepEqual([res.count, res.sizes[0], res.flags[0]], [1, 6, MSG_TRUNC]);
      s.sendmmsg([['xy', r.getsockname()]]);
      assert.equal((await r.recvmmsgIntoAsync(bufs, { signal: AbortSignal.timeout(5000) })).sizes[0], 2);
    });

    it('an abort rejects with the reason and takes nothing; close rejects with EBADF', async () => {
      const r = udp();
      const ac = new AbortController();
      const pending = r.recvmmsgAsync(4, 10, { signal: ac.signal });
      ac.abort(new Error('stop'));
      await assert.rejects(pending, /stop/);
      await assert.rejects(r.recvmmsgAsync(4, 10, { signal: ac.signal }), /stop/);
      const s = udp();
      s.sendmmsg([['kept', r.getsockname()]]);
      assert.deepEqual(r.recvmmsg(4, 10).map(([d]) => d.toString()), ['kept']);
      const closing = r.recvmmsgIntoAsync([Buffer.alloc(4)]);
      r.close();
      await assert.rejects(closing, (err: Error & { code?: string; syscall?: string }) => err.code === 'EBADF' && err.syscall === 'recvmmsg');
    });

    it('a buffer detached while the call waits fails it with a RangeError, before the syscall', async () => {
      const r = udp();
      const buf = new Uint8Array(new ArrayBuffer(8));
      const pending = r.recvmmsgIntoAsync([buf]);
      structuredClone(buf.buffer, { transfer: [buf.buffer] });
      const s = udp();
      s.sendmmsg([['x', r.getsockname()]]);
      await assert.rejects(pending, (err: Error & { code?: string }) => err instanceof RangeError && err.code === 'ERR_OUT_OF_RANGE' && /buffers\[0\]/.test(err.message));
      assert.deepEqual(r.recvmmsg(1, 4).map(([d]) => d.toString()), ['x']);
    });

    it('sendmmsgAsync waits for room on a full AF_UNIX peer and sends past 1024, in order; it rejects bad input', async () => {
      const [a, b] = socketpair(AF_UNIX, SOCK_DGRAM);
      track(a);
      track(b);
      const msgs = Array.from({ length: 1500 }, (_, i) => `${i}`);
      const sending = a.sendmmsgAsync(msgs);
      const got: string[] = [];
      b.setblocking(false);
      for (let i = 0; i < 20000 && got.length < 1500; i++) {
        await ticks();
        try {
          for (const [d] of b.recvmmsg(64, 8)) got.push(d.toString());
        } catch {
          // EAGAIN: the sender has not been back yet
        }
      }
      assert.equal(await sending, 1500);
      assert.deepEqual(got, msgs);
      await assert.rejects(a.sendmmsgAsync([5 as unknown as string]), (err: Error & { code?: string }) => err.code === 'ERR_INVALID_ARG_TYPE');
      await assert.rejects(a.sendmmsgAsync(['x'], 'f' as unknown as number), (err: Error & { code?: string }) => err.code === 'ERR_INVALID_ARG_TYPE');
    });
  });
});
