// The receive pool: the memory that recv(bufsize), recvfrom(bufsize),
// recvmsg(bufsize), getsockopt(level, name, buflen) and the async forms
// receive into and return.
//
// CPython's recv(bufsize) mallocs bufsize bytes, receives into them and
// shrinks the allocation in place to what arrived; the memory is freed the
// moment the caller drops the bytes, and the next call gets it back. V8 can
// do neither: an ArrayBuffer cannot shrink, and one is freed only when the
// garbage collector runs. A fresh bufsize-byte ArrayBuffer per call made
// recv(65536) cost twice what recv(64) cost when 64 bytes arrived.
//
// So these calls receive into slabs shared by every socket of the thread,
// and make the result from what arrived:
//   * a bufsize the small-results slab still has room for is received
//     straight into it, and the result is a slice of it. That slab has
//     8 KiB and takes results of at most 4 KiB: the rule of Node's own pool
//     behind Buffer.allocUnsafe;
//   * a larger one is received into a large slab (256 KiB, or bufsize if
//     larger); then a result of at most 4 KiB is copied by native code to
//     the small-results slab, one of at least a quarter of the large slab
//     is a slice of it (no copy), and one in between is copied to a buffer
//     of its own. Only a slice moves the large slab on; otherwise the next
//     receive reuses the same bytes.
// Whatever bufsize was, a result keeps alive at most four times its own
// size, or an 8 KiB small-results slab: a short read never pins a large
// allocation. A call costs about the same whatever bufsize, and allocates
// one typed array for its result.
//
// Both slabs are marked untransferable, as Node's own pool is: a result sent
// to a worker is copied, since detaching its memory would empty every other
// result sliced from the same slab. They are passed to native code with
// every call, never kept there, so even a slab detached anyway
// (ArrayBuffer.prototype.transfer ignores the mark on Node 22) is never
// written: native code reports it (NO_SLAB), and this side takes a new one.

import { Buffer } from 'node:buffer';
import { markAsUntransferable } from 'node:worker_threads';

import { MSG_TRUNC } from './constant-names';
import * as fast from './fast';

/** Bytes in a slab, unless one receive asks for more (up to {@link MAX_POOLED}). */
const SLAB_SIZE = 256 * 1024;
/**
 * The largest bufsize served from the pool. A larger one gets an allocation
 * of its own for the call (shrunk by copying when little arrives), so that
 * one recv(100 MiB) does not leave a 100 MiB slab behind for good.
 */
export const MAX_POOLED = 4 * 1024 * 1024;
/** Node's Buffer.poolSize, and the largest result copied to it (Buffer.allocUnsafe's rule). */
const SMALL_SIZE = 8 * 1024;
const SMALL_MAX = SMALL_SIZE >>> 1;

// Buffer's species is Node's FastBuffer (Node 20 to 26), the class
// Buffer.allocUnsafe returns: constructing it over a slab is a plain
// Uint8Array construction, without Buffer.from's argument checks. Should a
// Node answer something else, Buffer.from does the same job.
type BufferClass = new (ab: ArrayBuffer, offset: number, length: number) => Buffer;
const species = (Buffer as unknown as { [Symbol.species]: unknown })[Symbol.species];
const FastBuffer: BufferClass =
  typeof species === 'function' && species !== Buffer && Reflect.construct(species, [new ArrayBuffer(1), 0, 1]) instanceof Buffer
    ? (species as BufferClass)
    : (class {
        constructor(ab: ArrayBuffer, offset: number, length: number) {
          return Buffer.from(ab, offset, length);
        }
      } as unknown as BufferClass);

const NO_BYTES = new Uint8Array(0);
/** What native code returns for a slab too short for the range: detached (native/io.cc kNoSlab). */
const NO_SLAB = -65536;

// The slabs and their sizes. The sizes are kept here: asking an ArrayBuffer
// for its byteLength is a builtin call each time.
let slab = newSlab(SLAB_SIZE);
let slabSize = SLAB_SIZE;
/** Where the next receive goes in the large slab. */
let offset = 0;
let small = newSlab(SMALL_SIZE);
/** Where the next small result goes in the small-results slab. */
let smallOffset = 0;
/** Whether the last receive's bytes are in the small-results slab (else the large one). */
let inSmall = false;
/**
 * The buffer of the receive just made outside the pool (MSG_TRUNC, or a
 * bufsize above MAX_POOLED), for take(); null when it went to the pool.
 */
let own: Buffer | null = null;

function newSlab(size: number): ArrayBuffer {
  // Uninitialized memory: only bytes the kernel wrote are ever handed out.
  const ab = Buffer.allocUnsafeSlow(size).buffer as ArrayBuffer;
  markAsUntransferable(ab);
  return ab;
}

/** Starts a new large slab of at least `bufsize` bytes. */
function newLarge(bufsize: number): void {
  slabSize = Math.max(SLAB_SIZE, bufsize);
  slab = newSlab(slabSize);
  offset = 0;
}

function newSmall(): void {
  small = newSlab(SMALL_SIZE);
  smallOffset = 0;
}

/**
 * A buffer of its own for a receive the pool does not serve, else null:
 * with MSG_TRUNC a stream socket discards the data without copying it and
 * still returns the count (Linux), so that buffer is zero-filled rather
 * than left holding old memory.
 */
function ownBuffer(bufsize: number, flags: number): Buffer | null {
  if ((flags & MSG_TRUNC) !== 0) return Buffer.alloc(bufsize);
  return bufsize > MAX_POOLED ? Buffer.allocUnsafe(bufsize) : null;
}

// What receive() calls: recv(2), recvfrom(2) or recvmsg(2).
const RECV = 0;
const RECVFROM = 1;
const RECVMSG = 2;

/** One receive of `kind` into `slab` at `at` (copying a small result to `into` when given). */
function call(kind: number, fd: number, slab: ArrayBuffer, at: number, bufsize: number, flags: number, ancbufsize: number, into?: ArrayBuffer, intoAt = 0, copyMax = 0): number {
  if (kind === RECV) return fast.recvPool(fd, slab, at, bufsize, flags, into, intoAt, copyMax);
  if (kind === RECVFROM) return fast.recvfromPool(fd, slab, at, bufsize, flags, into, intoAt, copyMax);
  return fast.recvmsgPool(fd, slab, at, bufsize, flags, ancbufsize, into, intoAt, copyMax);
}

/** A receive of `kind` of up to `bufsize` (> 0) bytes into the pool: the count, or -errno. */
function receive(kind: number, fd: number, bufsize: number, flags: number, ancbufsize: number): number {
  let r: number;
  const room = SMALL_SIZE - smallOffset;
  if (bufsize <= room) {
    r = call(kind, fd, small, smallOffset, bufsize, flags, ancbufsize);
    if (r === NO_SLAB) {
      newSmall();
      return receive(kind, fd, bufsize, flags, ancbufsize);
    }
    inSmall = true;
    return r;
  }
  if (slabSize - offset < bufsize) newLarge(bufsize);
  const copyMax = room < SMALL_MAX ? room : SMALL_MAX;
  r = call(kind, fd, slab, offset, bufsize, flags, ancbufsize, small, smallOffset, copyMax);
  if (r === NO_SLAB) {
    newLarge(bufsize);
    return receive(kind, fd, bufsize, flags, ancbufsize);
  }
  const copied = fast.copied();
  if (copied < 0) newSmall(); // detached: take() copies this one, the next goes to a new slab
  inSmall = copied > 0;
  return r;
}

/**
 * recv(2) of up to `bufsize` (> 0) bytes for a fresh result: the count, or
 * -errno. After a count, call {@link take} before anything else uses the
 * pool (retrying after -errno is fine).
 */
export function recv(fd: number, bufsize: number, flags: number): number {
  own = ownBuffer(bufsize, flags);
  if (own !== null) return fast.recv(fd, own, 0, bufsize, flags);
  return receive(RECV, fd, bufsize, flags, 0);
}

/**
 * {@link recv} with recvfrom(2): the sender's sockaddr is in fast.addrOut.
 * A bufsize of 0 makes the call too (it takes a datagram), as CPython's.
 */
export function recvfrom(fd: number, bufsize: number, flags: number): number {
  own = ownBuffer(bufsize, flags);
  if (own !== null) return fast.recvfrom(fd, own, 0, bufsize, flags);
  if (bufsize > 0) return receive(RECVFROM, fd, bufsize, flags, 0);
  inSmall = true; // an empty result, sliced from anywhere
  return fast.recvfrom(fd, NO_BYTES, 0, 0, flags);
}

/**
 * {@link recv} with recvmsg(2), with room for `ancbufsize` bytes of
 * ancillary data: fast.messageItems(), msgFlags() and addrOut tell the
 * rest. A bufsize of 0 makes the call too, as CPython's.
 */
export function recvmsg(fd: number, bufsize: number, flags: number, ancbufsize: number): number {
  own = ownBuffer(bufsize, flags);
  if (own !== null) return fast.recvmsgViews(fd, [own], flags, ancbufsize);
  if (bufsize > 0) return receive(RECVMSG, fd, bufsize, flags, ancbufsize);
  inSmall = true; // an empty result, sliced from anywhere
  return fast.recvmsgViews(fd, [NO_BYTES], flags, ancbufsize);
}

/**
 * A view of `bufsize` bytes to receive into, for a call that takes a view
 * (getsockopt): the pool's next bytes, or a buffer of its own. Fill it,
 * then {@link take} the count before anything else uses the pool: the view
 * is only good until then.
 */
export function region(bufsize: number, flags: number): Uint8Array {
  own = ownBuffer(bufsize, flags);
  if (own !== null) return own;
  // A view notices a detached slab (it is empty then), where native code is
  // not asked: measure the slabs here.
  if (small.byteLength === 0) newSmall();
  if (bufsize <= SMALL_SIZE - smallOffset) {
    inSmall = true;
    return new Uint8Array(small, smallOffset, bufsize);
  }
  if (slabSize - offset < bufsize || slab.byteLength === 0) newLarge(bufsize);
  inSmall = false;
  return new Uint8Array(slab, offset, bufsize);
}

/**
 * The result of the receive just made: its first `n` bytes (at most
 * `bufsize`: a datagram's real length can be larger with MSG_TRUNC).
 */
export function take(n: number, bufsize: number): Buffer {
  if (n > bufsize) n = bufsize;
  if (own !== null) {
    const buf = own;
    own = null;
    // The pool's rule: a result keeps at most four times its size alive.
    if (n >= buf.length) return buf;
    return n * 4 >= buf.length ? buf.subarray(0, n) : Buffer.from(buf.subarray(0, n));
  }
  if (inSmall) {
    const out = new FastBuffer(small, smallOffset, n);
    smallOffset += (n + 7) & ~7; // 8-byte aligned, as Node's pool
    return out;
  }
  if (n * 4 >= slabSize) {
    const out = new FastBuffer(slab, offset, n);
    offset += (n + 7) & ~7;
    return out;
  }
  const out = Buffer.allocUnsafe(n);
  if (n > 0) out.set(new Uint8Array(slab, offset, n));
  // A small result the small-results slab had no room for: the next one
  // goes to a new slab.
  if (n <= SMALL_MAX && n > SMALL_SIZE - smallOffset) newSmall();
  return out;
}

// ---- batches: recvmmsg(vlen, bufsize) ---------------------------------------
//
// A batch receives into one region of the large slab, message i at
// i * bufsize; native code then copies each message of at most 4 KiB to the
// small-results slab while it has room (a memcpy each, where a copy in
// JavaScript costs a typed array). Every message then becomes a result by
// the rule above: a copy in the small-results slab, a slice of the large
// slab when it is at least a quarter of it, else a buffer of its own. The
// large slab moves past the last slice taken; otherwise the next receive
// reuses the region. So a batch keeps alive no more than single receives
// would, whatever vlen and bufsize were.

/** What native code returns for an mmsg memory too short: detached (native/mmsg.cc kNoMemory). */
export const NO_MEMORY = -65537;

/** The batch being taken: its slab, where its region starts, and that slab's size (the rule's measure). */
let batchSlab: ArrayBuffer = slab;
let batchOff = 0;
let batchSize = 0;
/** Whether the batch went to a buffer of its own rather than the large slab. */
let batchOwn = false;
/** The end of the last slice taken from the large slab, or -1. */
let batchEnd = -1;

/**
 * recvmmsg(2) of up to `vlen` messages of up to `bufsize` (> 0) bytes each
 * into the pool, the per-message results in `mem` (the mmsg memory of
 * capacity `cap`): the count, -errno, or NO_MEMORY. After a count, take
 * each result with {@link batchPiece}, then call {@link endBatch}, before
 * anything else uses the pool.
 */
export function recvmmsg(fd: number, vlen: number, bufsize: number, flags: number, control: number, mem: ArrayBuffer, cap: number): number {
  const total = vlen * bufsize;
  batchEnd = -1;
  // As ownBuffer(): MSG_TRUNC on a stream socket copies nothing, so that
  // region is zeroed; a region above MAX_POOLED is the call's own.
  batchOwn = (flags & MSG_TRUNC) !== 0 || total > MAX_POOLED;
  if (batchOwn) {
    const own = (flags & MSG_TRUNC) !== 0 ? Buffer.alloc(total) : Buffer.allocUnsafeSlow(total);
    batchSlab = own.buffer as ArrayBuffer;
    batchOff = own.byteOffset;
    batchSize = total;
  } else {
    if (slabSize - offset < total || slab.byteLength === 0) newLarge(total);
    batchSlab = slab;
    batchOff = offset;
    batchSize = slabSize;
  }
  if (small.byteLength === 0) newSmall();
  const r = fast.recvmmsgPool(fd, batchSlab, batchOff, bufsize, vlen, flags, control, mem, cap, small, smallOffset, SMALL_MAX);
  if (r === NO_SLAB) {
    newLarge(total);
    return recvmmsg(fd, vlen, bufsize, flags, control, mem, cap);
  }
  if (r > 0) {
    const next = fast.copied();
    if (next < 0) newSmall(); // detached: nothing was copied there
    else smallOffset = next;
  }
  return r;
}

/**
 * One result of the batch just received: the `n` bytes at `start` in its
 * region, which native code copied to the small-results slab at `where`
 * (-1: it did not). A piece of a message (a GRO segment) is taken the same
 * way, `where` then pointing into the message's copy.
 */
export function batchPiece(start: number, n: number, where: number): Buffer {
  if (where >= 0) return new FastBuffer(small, where, n);
  const at = batchOff + start;
  if (n * 4 >= batchSize) {
    if (!batchOwn && at + n > batchEnd) batchEnd = at + n;
    return new FastBuffer(batchSlab, at, n);
  }
  if (n <= SMALL_MAX && n <= SMALL_SIZE - smallOffset) {
    const out = new FastBuffer(small, smallOffset, n);
    out.set(new Uint8Array(batchSlab, at, n));
    smallOffset += (n + 7) & ~7;
    return out;
  }
  const out = Buffer.allocUnsafe(n);
  if (n > 0) out.set(new Uint8Array(batchSlab, at, n));
  return out;
}

/** Ends the batch: the large slab moves past the slices taken from it. */
export function endBatch(): void {
  if (batchEnd >= 0) offset = (batchEnd + 7) & ~7;
  batchEnd = -1;
}
