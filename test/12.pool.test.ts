// The receive pool (lib/pool.ts): what recv(bufsize) and the other calls
// that return fresh bytes allocate and keep alive, and that every result
// keeps its bytes while later receives reuse the pool.

import assert = require('node:assert/strict');
import { randomFillSync } from 'node:crypto';
import path = require('node:path');
import { Worker } from 'node:worker_threads';

import { AF_UNIX, SOCK_DGRAM, SOCK_SEQPACKET, SOL_SOCKET, SO_RCVBUF, SO_SNDBUF, SO_TYPE, socketpair, type Socket } from '../lib';
import { ROOT, sockets, start } from './helpers';

const gc = global.gc!;

/** ArrayBuffer memory (Node's count: every ArrayBuffer's bytes, garbage included until it is collected). */
function arrayBufferBytes(): number {
  return process.memoryUsage().arrayBuffers;
}

/**
 * ArrayBuffer memory once the garbage is gone: V8 may free collected
 * buffers in the background after gc() returns, so collect and wait a turn
 * of the loop until two readings agree (a busy machine needs a few).
 */
async function heldBytes(): Promise<number> {
  let last = -1;
  for (let i = 0; i < 20; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
    const now = arrayBufferBytes();
    if (now === last) return now;
    last = now;
  }
  return last;
}

/** A message of `size` random bytes. */
function message(size: number): Buffer {
  return randomFillSync(Buffer.alloc(size));
}

// Sizes around every threshold of the pool: the small-results slab (4 KiB
// results, 8 KiB slabs), the large slab (256 KiB; a slice from 64 KiB).
const SIZES = [0, 1, 7, 8, 63, 64, 1000, 4095, 4096, 4097, 8192, 16384, 65535, 65536, 100_000, 200_000];

describe('12 the receive pool', () => {
  const track = sockets();

  /** A datagram pair (message boundaries kept) with room for 200 KB messages. */
  function pair(type: number = SOCK_SEQPACKET): [Socket, Socket] {
    const [a, b] = socketpair(AF_UNIX, type);
    track(a);
    track(b);
    a.setsockopt(SOL_SOCKET, SO_SNDBUF, 4 << 20);
    b.setsockopt(SOL_SOCKET, SO_RCVBUF, 4 << 20);
    return [a, b];
  }

  it('every result keeps its own bytes while later receives reuse the pool: recv, recvfrom, recvmsg, sync and async', async () => {
    const [a, b] = pair();
    const [c, d] = pair(SOCK_DGRAM);
    const kept: Array<[Buffer, Buffer]> = [];
    // Every size through every call, with bufsizes below, at and above the
    // size, several times over so that slabs fill and are replaced.
    for (let round = 0; round < 6; round++) {
      for (const size of SIZES) {
        for (const bufsize of [size, size + 1, 4096, 65536, 262144, 1 << 20]) {
          if (bufsize === 0) continue;
          const sent = message(size);
          a.sendall(sent);
          c.send(sent);
          const want = sent.subarray(0, bufsize);
          switch (round % 3) {
            case 0:
              kept.push([b.recv(bufsize), want], [d.recvfrom(bufsize)[0], want]);
              break;
            case 1:
              kept.push([await b.recvAsync(bufsize), want], [(await d.recvfromAsync(bufsize))[0], want]);
              break;
            default:
              kept.push([b.recvmsg(bufsize)[0], want], [(await d.recvmsgAsync(bufsize))[0], want]);
          }
        }
      }
    }
    for (const [got, want] of kept) assert.ok(got.equals(want), `a ${want.length}-byte result changed`);
  });

  it('async receives waiting on several sockets at once each get their own bytes', async () => {
    const pairs = [pair(), pair(), pair()];
    const pending = pairs.flatMap(([, b]) => [b.recvAsync(65536), b.recvAsync(16), b.recvAsync(100_000)]);
    const sent: Buffer[] = [];
    for (const [a] of pairs) {
      for (const size of [70_000, 10, 90_000]) {
        const m = message(size);
        a.sendall(m);
        sent.push(m);
      }
    }
    const got = await Promise.all(pending);
    // The bufsizes cut the messages: 65536 of 70,000; 10 of 10; 90,000 of 90,000.
    const want = sent.map((m, i) => m.subarray(0, [65536, 16, 100_000][i % 3]));
    got.forEach((g, i) => assert.ok(g.equals(want[i]!), `result ${i}`));
  });

  it('allocates about what it returns: recv(65536) of 64 bytes costs 64 bytes and a share of a small slab, not 64 KiB', () => {
    const [a, b] = pair();
    const calls = 200;
    // The least of three tries: the rest of the suite may allocate in the
    // background (a timer, a finalizer) while one try runs, but a pool
    // that allocated bufsize per call would fail all three.
    const cost = (bufsize: number, size: number): number =>
      Math.min(costOnce(bufsize, size), costOnce(bufsize, size), costOnce(bufsize, size));
    const costOnce = (bufsize: number, size: number): number => {
      const m = message(size);
      a.sendall(m);
      b.recv(bufsize); // the first call may start a new slab
      const kept: Buffer[] = [];
      const before = arrayBufferBytes();
      for (let i = 0; i < calls; i++) {
        a.sendall(m);
        kept.push(b.recv(bufsize));
      }
      const grew = arrayBufferBytes() - before;
      assert.equal(kept.length, calls);
      return grew / calls;
    };
    // Small results share 8 KiB slabs (8-byte aligned): at most 64 + 8 bytes
    // each, plus one slab for the results that did not fit the last one.
    for (const bufsize of [64, 1024, 4096, 65536, 1 << 20]) {
      const perCall = cost(bufsize, 64);
      assert.ok(perCall <= 72 + 8192 / calls, `recv(${bufsize}) of 64 bytes allocated ${perCall} bytes per call`);
    }
    // A middle-sized result is a copy of its own; a large one a slice of a
    // slab (one 256 KiB slab per four 64 KiB results).
    assert.ok(cost(65536, 10_000) <= 10_000 + 8, 'recv(65536) of 10,000 bytes');
    assert.ok(cost(65536, 65536) <= 65536 + 262144 / calls, 'recv(65536) of 65,536 bytes');
  });

  it('a short read never pins a large allocation: what results keep alive is at most four times their size, or a small slab', async () => {
    const [a, b] = pair();
    /** ArrayBuffer bytes still held after `count` results of `size` bytes are kept, with `between` bytes received and dropped after each. */
    const held = async (bufsize: number, size: number, between: number, count: number): Promise<number> => {
      a.sendall(message(size));
      b.recv(bufsize); // the pool's slabs for this bufsize exist before the count starts
      const before = await heldBytes();
      const kept: Buffer[] = [];
      for (let i = 0; i < count; i++) {
        a.sendall(message(size));
        kept.push(b.recv(bufsize));
        // Bytes that move the large slab on (a slice of it), dropped at once.
        a.sendall(message(between));
        b.recv(bufsize);
      }
      const after = await heldBytes();
      assert.equal(kept.length, count);
      return after - before;
    };
    // 100 results of 10 bytes from recv(1 MiB), with 300 KB slices of 1 MiB
    // slabs between them: the small results share 8 KiB slabs and pin none
    // of the 34 large slabs used (the pool still holds its current one).
    const MiB = 1 << 20;
    assert.ok((await held(MiB, 10, 300_000, 100)) <= 2 * 8192 + MiB, 'recv(1 MiB) of 10 bytes');
    // Results of 70,000 bytes: each a slice of a slab at most four times its size.
    assert.ok((await held(262144, 70_000, 70_000, 20)) <= 40 * 4 * 70_000 + 262144, 'recv(256 KiB) of 70,000 bytes');
  });

  it('recvfrom(0) still takes a datagram and returns an empty Buffer', () => {
    const [c, d] = pair(SOCK_DGRAM);
    c.send('x');
    c.send('yz');
    const [data] = d.recvfrom(0);
    assert.equal(data.length, 0);
    assert.equal(d.recv(10).toString(), 'yz');
  });

  it('getsockopt with a buflen returns exactly the bytes the kernel gave', () => {
    const [a] = pair();
    const got = a.getsockopt(SOL_SOCKET, SO_TYPE, 16);
    assert.ok(Buffer.isBuffer(got));
    assert.deepEqual([...got], [...Buffer.from(new Int32Array([SOCK_SEQPACKET]).buffer)]);
  });

  it('a slab detached under it (as ArrayBuffer.prototype.transfer does on Node 22) is replaced, never written', async function () {
    // Node 20 has no way to detach an untransferable ArrayBuffer from
    // JavaScript; V8's own %ArrayBufferDetach does what transfer() does.
    this.timeout(20_000);
    const script = `
      const { socketpair, AF_UNIX, SOCK_SEQPACKET } = require(${JSON.stringify(path.join(ROOT, 'lib'))});
      const [a, b] = socketpair(AF_UNIX, SOCK_SEQPACKET);
      const check = (got, want) => { if (!got.equals(want)) throw new Error('wrong bytes: ' + got.length); };
      for (const [bufsize, size] of [[65536, 65536], [65536, 10], [1024, 10], [300000, 200000]]) {
        const m = Buffer.alloc(size, 7);
        a.sendall(m);
        const r = b.recv(bufsize);
        check(r, m);
        %ArrayBufferDetach(r.buffer);
        for (let i = 0; i < 3; i++) {
          const n = Buffer.alloc(size, i + 1);
          a.sendall(n);
          check(b.recv(bufsize), n);
          a.sendall(n);
          check(b.recvfrom(bufsize)[0], n);
        }
      }
      a.close(); b.close();
      console.log('ok');
    `;
    const child = start(process.execPath, ['--allow-natives-syntax', '--require', 'tsx/cjs', '-e', script]);
    const { code, stdout, stderr } = await child.exit();
    assert.equal(code, 0, stderr);
    assert.equal(stdout.trim(), 'ok');
  });

  it('a result posted to a worker with its buffer in the transfer list is copied, and the rest of its slab stays', async () => {
    const [a, b] = pair();
    const m = message(100);
    a.sendall(m);
    const first = b.recv(4096);
    a.sendall(m);
    const second = b.recv(4096); // from the same small slab as `first`
    assert.equal(first.buffer, second.buffer);
    const worker = new Worker('require("node:worker_threads").parentPort.once("message", (b) => { require("node:worker_threads").parentPort.postMessage(b.length); })', { eval: true });
    try {
      const echoed = new Promise((resolve) => worker.once('message', resolve));
      worker.postMessage(first, [first.buffer as ArrayBuffer]);
      assert.equal(await echoed, 100);
      assert.ok(first.equals(m) && second.equals(m), 'the slab was detached');
    } finally {
      await worker.terminate();
    }
  });
});
