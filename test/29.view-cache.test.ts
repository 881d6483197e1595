// recvmmsgInto's view cache (lib/view-cache.ts): a receive loop that gives
// the same buffers call after call has their memory looked up once, and
// whatever can take a view's memory away between calls (a detached or
// resized ArrayBuffer, another view in the list, the garbage collector)
// makes the next call look it up again. Each case checks where the bytes
// went, not only the counts: a stale pointer would write into memory the
// view no longer has.

import assert = require('node:assert/strict');

import { AF_INET, AF_UNIX, MSG_TRUNC, SOCK_DGRAM, socket, socketpair, type Socket } from '../lib';
import * as fast from '../lib/fast';
import { MmsgMemory } from '../lib/mmsg';
import { ViewCache } from '../lib/view-cache';
import { sockets } from './helpers';

/** ArrayBuffer's ES2024 constructor and resize(), which this project's TypeScript lib (es2023) does not declare. */
const Resizable = ArrayBuffer as unknown as new (length: number, options: { maxByteLength: number }) => ArrayBuffer & { resize(length: number): void };

describe('29 recvmmsgInto looks up a view once per list and again when it may have moved', () => {
  const track = sockets();

  /** A connected AF_UNIX datagram pair: [sender, receiver]. */
  function pair(): [Socket, Socket] {
    const [s, r] = socketpair(AF_UNIX, SOCK_DGRAM);
    track(s);
    track(r);
    r.settimeout(10);
    return [s, r];
  }

  function send(s: Socket, ...data: string[]): void {
    assert.equal(s.sendmmsg(data), data.length);
  }

  function text(view: ArrayBufferView, size: number): string {
    return Buffer.from(view.buffer, view.byteOffset, size).toString('latin1');
  }

  it('a loop over the same list fills each buffer with its own datagram, call after call', () => {
    const [s, r] = pair();
    const bufs = Array.from({ length: 24 }, () => Buffer.alloc(8));
    for (let round = 0; round < 5; round++) {
      const data = Array.from({ length: 3 + round * 4 }, (_, i) => `${round}:${i}`);
      send(s, ...data);
      const res = r.recvmmsgInto(bufs);
      assert.equal(res.count, data.length);
      assert.deepEqual(
        bufs.slice(0, res.count).map((b, i) => b.toString('latin1', 0, res.sizes[i])),
        data,
      );
    }
  });

  it('a view whose ArrayBuffer was detached gets nothing, and the memory it had is not written, a shadowing length notwithstanding', () => {
    const [s, r] = pair();
    const a = new Uint8Array(new ArrayBuffer(16));
    const b = new Uint8Array(new ArrayBuffer(16));
    const bufs = [a, b];
    send(s, 'first a', 'first b');
    assert.equal(r.recvmmsgInto(bufs).count, 2);
    // A length defined on the view itself does not hide the detach: the
    // check reads %TypedArray%.prototype's getter.
    Object.defineProperty(b, 'length', { value: 16 });
    // Transferred within the process, the memory lives on in `moved`.
    const moved = new Uint8Array(structuredClone(b.buffer, { transfer: [b.buffer] }));
    assert.equal(b.byteLength, 0);
    send(s, 'second a', 'second b');
    const res = r.recvmmsgInto(bufs);
    assert.equal(res.count, 2);
    assert.equal(text(a, res.sizes[0]!), 'second a');
    assert.equal(res.sizes[1], 0);
    assert.equal(res.flags[1]! & MSG_TRUNC, MSG_TRUNC);
    assert.equal(Buffer.from(moved).toString('latin1', 0, 7), 'first b');
  });

  it('a length-tracking view of a resizable ArrayBuffer gets what fits its new length', () => {
    const [s, r] = pair();
    const rab = new Resizable(16, { maxByteLength: 64 });
    const v = new Uint8Array(rab);
    const bufs = [v];
    send(s, '0123456789');
    assert.equal(r.recvmmsgInto(bufs).sizes[0], 10);
    rab.resize(4);
    send(s, 'abcdefgh');
    let res = r.recvmmsgInto(bufs);
    assert.deepEqual([res.sizes[0], res.flags[0]! & MSG_TRUNC, text(v, 4)], [4, MSG_TRUNC, 'abcd']);
    rab.resize(32);
    send(s, 'a longer datagram, 26 bytes');
    res = r.recvmmsgInto(bufs);
    assert.deepEqual([res.sizes[0], res.flags[0], text(v, 27)], [27, 0, 'a longer datagram, 26 bytes']);
  });

  it('small typed arrays (kept on V8\'s heap until looked up) still get their datagrams after garbage collections', () => {
    const [s, r] = pair();
    const bufs = Array.from({ length: 4 }, () => new Uint8Array(8));
    send(s, 'a0', 'a1', 'a2', 'a3');
    assert.equal(r.recvmmsgInto(bufs).count, 4);
    const gc = (globalThis as { gc?: () => void }).gc;
    assert.ok(gc, 'mocha runs with --expose-gc');
    for (let i = 0; i < 3; i++) {
      // Garbage in between, so that a collection has something to move.
      Array.from({ length: 10_000 }, (_, k) => new Uint8Array(k % 48));
      gc();
    }
    send(s, 'b0', 'b1', 'b2', 'b3');
    const res = r.recvmmsgInto(bufs);
    assert.deepEqual(
      bufs.map((b, i) => text(b, res.sizes[i]!)),
      ['b0', 'b1', 'b2', 'b3'],
    );
  });

  it('a buffer replaced in the list gets the datagram, the one it replaced does not', () => {
    const [s, r] = pair();
    const old = Buffer.alloc(8);
    const bufs = [old, Buffer.alloc(8)];
    send(s, 'one', 'two');
    r.recvmmsgInto(bufs);
    const fresh = Buffer.alloc(8);
    bufs[0] = fresh;
    send(s, 'three', 'four');
    const res = r.recvmmsgInto(bufs);
    assert.deepEqual([res.count, fresh.toString('latin1', 0, res.sizes[0]), old.toString('latin1', 0, 3)], [2, 'three', 'one']);
    // What replaces a buffer is checked again: a non-view fails the call,
    // naming it, before any syscall.
    (bufs as unknown[])[1] = 'not a view';
    send(s, 'five');
    assert.throws(() => r.recvmmsgInto(bufs), (err: Error & { code?: string }) => err instanceof TypeError && err.code === 'ERR_INVALID_ARG_TYPE' && /buffers\[1\]/.test(err.message));
    bufs[1] = Buffer.alloc(8);
    assert.equal(fresh.toString('latin1', 0, r.recvmmsgInto(bufs).sizes[0]), 'five');
  });

  it('a view given twice, a DataView and other typed arrays, over several calls', () => {
    const [s, r] = pair();
    const u8 = new Uint8Array(8);
    const dv = new DataView(new ArrayBuffer(12), 4, 6);
    const u16 = new Uint16Array(3);
    const bufs: ArrayBufferView[] = [u8, u8, dv, u16];
    for (const round of ['x', 'y', 'z']) {
      send(s, `${round}-u8a`, `${round}-u8b`, `${round}-dview`, `${round}-u16ab`);
      const res = r.recvmmsgInto(bufs);
      assert.deepEqual(Array.from(res.sizes.subarray(0, 4)), [5, 5, 6, 6]);
      assert.equal(res.flags[2]! & MSG_TRUNC, MSG_TRUNC); // 7 bytes into a 6-byte DataView
      assert.deepEqual([text(u8, 5), text(dv, 6), text(u16, 6)], [`${round}-u8b`, `${round}-dvie`, `${round}-u16a`]);
    }
  });

  it('native code refuses a cache mark it does not hold; a lookup it kept, it gives back', () => {
    const r = track(socket(AF_INET, SOCK_DGRAM));
    r.bind(['127.0.0.1', 0]);
    const s = track(socket(AF_INET, SOCK_DGRAM));
    const m = new MmsgMemory(8);
    const cache = new ViewCache(8);
    const buf = Buffer.alloc(8);
    s.sendto('data', r.getsockname());
    // Slot 0 never looked up: a positive mark there names memory native
    // code does not hold.
    const marks = m.a[4]!;
    marks[0] = 7;
    assert.equal(fast.recvmmsgViews(r.fileno(), m.buffer, m.cap, 0, 1, 0, 0, cache.handle, null, false), fast.STALE_CACHE);
    assert.equal(buf.toString('latin1', 0, 4), '\0\0\0\0');
    // Marked by the cache, it is looked up, kept, then given by the cache.
    assert.equal(cache.mark([buf], 0, 1, marks), 1);
    assert.equal(fast.recvmmsgViews(r.fileno(), m.buffer, m.cap, 0, 1, 0, 0, cache.handle, [buf], false), 1);
    assert.equal(buf.toString('latin1', 0, 4), 'data');
    s.sendto('more', r.getsockname());
    assert.equal(cache.mark([buf], 0, 1, marks), 0);
    assert.equal(fast.recvmmsgViews(r.fileno(), m.buffer, m.cap, 0, 1, 0, 0, cache.handle, null, false), 1);
    assert.equal(buf.toString('latin1', 0, 4), 'more');
  });

  it('a call whose cache native code does not agree with looks every view up again', () => {
    const [s, r] = pair();
    const bufs = [Buffer.alloc(8), Buffer.alloc(8)];
    send(s, 'one', 'two');
    const res = r.recvmmsgInto(bufs);
    // The result's cache, reached through its internal symbol: told of a
    // view that no call looked up, it marks that view as kept next time.
    const key = Object.getOwnPropertySymbols(Object.getPrototypeOf(res)).find((k) => k.description === 'cache');
    assert.ok(key);
    const cache = (res as unknown as Record<symbol, () => ViewCache>)[key]!();
    const x = Buffer.alloc(8);
    assert.equal(cache.mark([x], 0, 1, new Int32Array(1)), 1);
    bufs[0] = x;
    send(s, 'three', 'four');
    const again = r.recvmmsgInto(bufs);
    assert.deepEqual([again.count, x.toString('latin1', 0, 5), bufs[1]!.toString('latin1', 0, 4)], [2, 'three', 'four']);
  });
});
