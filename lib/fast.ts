// The hot path's calling convention (native/io.cc): integer arguments and
// the result travel through a per-env frame, so that a data call converts
// nothing and allocates nothing. These wrappers are small enough for V8 to
// inline into their callers.

import { markAsUntransferable } from 'node:worker_threads';

import { native } from './binding';
import * as v from './validate';

// Native code keeps pointers into these three buffers for the env's whole
// life. Marked untransferable, a transfer list copies them (Node 20) or
// refuses them (Node 21+) instead of detaching them. They are internal:
// nothing outside lib/ should reach them, let alone call .transfer().
markAsUntransferable(native.frame);
markAsUntransferable(native.addrIn);
markAsUntransferable(native.addrOut);

const F = new Float64Array(native.frame);
const addrIn = new Uint8Array(native.addrIn);

/** The buffer recvfrom() fills with the sender's sockaddr, its length after it. */
export const addrOut = new Uint8Array(native.addrOut);

/**
 * A byte length meaning "from the offset to the end of the view". Native code
 * measures the view anyway, while the view's `byteLength` getter, in the
 * optimized sync methods, stayed a generic property load and a builtin call
 * on every call (callgrind: about 150 instructions, as much as the rest of a
 * call's JavaScript), though V8 inlines the same getter in a small loop. A
 * call made with END reports the view's byte length in {@link viewBytes}.
 *
 * Only for the sync methods, whose retries wait in native code, with no
 * JavaScript running in between. The async methods pass lengths: a call
 * retried from the event loop must find a buffer detached meanwhile too
 * short (a RangeError), not a zero-length read or write.
 */
export const END = -1;

// A string given to a sync send is encoded here rather than into a new
// Buffer: TextEncoder.encodeInto costs less than Buffer.from (616 against
// 1,369 instructions for 64 characters, callgrind), and nothing is
// allocated. A string that might not fit (3 bytes per UTF-16 code unit at
// most) gets a Buffer of its own, as before.
const SCRATCH_SIZE = 64 * 1024;
const scratch = Buffer.allocUnsafeSlow(SCRATCH_SIZE);
markAsUntransferable(scratch.buffer);
const encoder = new TextEncoder();
let encoded = END;

/**
 * The view a sync send of `data` sends: the data itself, or a string's
 * UTF-8 bytes, in a scratch buffer when they fit. Then {@link sendLength}
 * gives the length to send. Call it last before the syscall: the scratch
 * holds the string only until the next call.
 *
 * @throws {TypeError} for anything but a string or an ArrayBufferView.
 */
export function sendView(data: unknown): ArrayBufferView {
  if (typeof data === 'string' && data.length <= SCRATCH_SIZE / 3) {
    encoded = encoder.encodeInto(data, scratch).written;
    return scratch;
  }
  encoded = END;
  return v.data(data);
}

/** The byte length to send of the view the last {@link sendView} gave: END for all of it. */
export function sendLength(): number {
  return encoded;
}

/** Writes the arguments every data call takes into the frame. */
function args(fd: number, off: number, len: number, flags: number): void {
  F[0] = fd;
  F[1] = off;
  F[2] = len;
  F[3] = flags;
}

/** The byte length of the view the last data call used. */
export function viewBytes(): number {
  return F[8]!;
}

/** recv(2) into view[off, off + len) (len END: to its end): the count, or -errno. */
export function recv(fd: number, view: ArrayBufferView, off: number, len: number, flags: number): number {
  args(fd, off, len, flags);
  native.recv(view);
  return F[7]!;
}

/** send(2) of view[off, off + len) (len END: to its end), MSG_NOSIGNAL: the count, or -errno. */
export function send(fd: number, view: ArrayBufferView, off: number, len: number, flags: number): number {
  args(fd, off, len, flags);
  native.send(view);
  return F[7]!;
}

/** recvfrom(2) into view[off, off + len) (len END: to its end), the sender in {@link addrOut}: the count, or -errno. */
export function recvfrom(fd: number, view: ArrayBufferView, off: number, len: number, flags: number): number {
  args(fd, off, len, flags);
  native.recvfrom(view);
  return F[7]!;
}

/**
 * recv(2) into a receive pool slab (lib/pool.ts) at [off, off + len),
 * len > 0: the count, -errno, or native's kNoSlab for a slab shorter than
 * that (detached). Given `small`, a count of at most `copyMax` is then
 * copied to it at `smallOff` ({@link copied} says whether). ArrayBuffers,
 * which cost native code less to look up than views.
 */
export function recvPool(fd: number, slab: ArrayBuffer, off: number, len: number, flags: number, small?: ArrayBuffer, smallOff = 0, copyMax = 0): number {
  args(fd, off, len, flags);
  F[4] = smallOff;
  F[5] = copyMax;
  if (small === undefined) native.recvPool(slab);
  else native.recvPool(slab, small);
  return F[7]!;
}

/** {@link recvPool} with recvfrom(2): the sender in {@link addrOut}. */
export function recvfromPool(fd: number, slab: ArrayBuffer, off: number, len: number, flags: number, small?: ArrayBuffer, smallOff = 0, copyMax = 0): number {
  args(fd, off, len, flags);
  F[4] = smallOff;
  F[5] = copyMax;
  if (small === undefined) native.recvfromPool(slab);
  else native.recvfromPool(slab, small);
  return F[7]!;
}

/**
 * recvmsg(2) into a receive pool slab, as {@link recvPool}, with room for
 * `ancbufsize` bytes of ancillary data: the count or -errno; then
 * {@link messageItems}, {@link msgFlags}, {@link malformed} and the sender
 * in {@link addrOut} tell the rest.
 */
export function recvmsgPool(fd: number, slab: ArrayBuffer, off: number, len: number, flags: number, ancbufsize: number, small?: ArrayBuffer, smallOff = 0, copyMax = 0): number {
  args(fd, off, len, flags);
  F[4] = smallOff;
  F[5] = copyMax;
  F[9] = ancbufsize;
  items = small === undefined ? native.recvmsgPool(slab) : native.recvmsgPool(slab, small);
  return F[7]!;
}

/** {@link recvmsgPool} scattering into `views` (recvmsgInto). */
export function recvmsgViews(fd: number, views: ArrayBufferView[], flags: number, ancbufsize: number): number {
  F[0] = fd;
  F[3] = flags;
  F[9] = ancbufsize;
  items = native.recvmsgViews(views);
  return F[7]!;
}

let items: Array<number | Buffer> | undefined;

/** The ancillary items the last recvmsg received, flat (level, type, data, ...), or undefined for none. */
export function messageItems(): Array<number | Buffer> | undefined {
  return items;
}

/** The msg_flags of the last recvmsg. */
export function msgFlags(): number {
  return F[10]!;
}

/** Whether the last recvmsg received an ancillary item cut short (CPython's "malformed or improperly-truncated"). */
export function malformed(): boolean {
  return F[11] === 1;
}

/** sendmsg(2) of `views` with the flat ancillary items `cmsgs` to `sockaddr` (null: none), MSG_NOSIGNAL: the count, or -errno. */
export function sendmsg(fd: number, views: ArrayBufferView[], cmsgs: Array<number | Buffer>, flags: number, sockaddr: Uint8Array | null): number {
  F[0] = fd;
  F[3] = flags;
  native.sendmsg(views, cmsgs, sockaddr);
  return F[7]!;
}

/**
 * sendmmsg(2) of `n` messages, message i views[i] (`byIndex`: the view
 * whose index `mem` gives), each to the name slot and with the UDP_SEGMENT
 * size that `mem` (the mmsg memory of capacity `cap`, see native/mmsg.cc)
 * gives it, MSG_NOSIGNAL: the count sent, -errno, or native's kNoMemory for
 * a `mem` too short (detached).
 */
export function sendmmsg(fd: number, mem: ArrayBuffer, cap: number, n: number, flags: number, views: ArrayBufferView[], byIndex: boolean): number {
  F[0] = fd;
  F[3] = flags;
  F[6] = byIndex ? 1 : 0;
  F[12] = n;
  F[13] = cap;
  native.sendmmsg(mem, ...views);
  return F[7]!;
}

/** What native code returns when a view cache mark does not match what it holds (native/mmsg.cc kStaleCache). */
export const STALE_CACHE = -65538;

/** How many views {@link recvmmsgViews} passes as separate arguments at most. */
export const HEAD_VIEWS = 16;

/**
 * recvmmsg(2), MSG_WAITFORONE, of up to `n` messages, message start + i
 * into views[start + i] (or into the memory `cache`, lib/view-cache.ts,
 * keeps for it, as `mem`'s A4 marks say; undefined: no cache; `views`
 * null: the cache gives every one), with `control` bytes of control buffer
 * each (0: none): the count, -errno, or STALE_CACHE; sizes, flags, GRO
 * segment sizes and senders in `mem`. Given `ask`, {@link morePending}
 * then says whether a call that filled all `n` left another datagram
 * queued.
 *
 * Up to HEAD_VIEWS views go as sixteen separate arguments, those past `n`
 * ignored by native code: that costs less than a spread of a copy of them
 * (callgrind: the copy, the spread and clearing the copy cost about 900
 * instructions a call).
 */
export function recvmmsgViews(
  fd: number,
  mem: ArrayBuffer,
  cap: number,
  start: number,
  n: number,
  flags: number,
  control: number,
  cache: unknown,
  views: ArrayBufferView[] | null,
  ask: boolean,
): number {
  F[0] = fd;
  F[1] = start;
  F[3] = flags;
  F[6] = ask ? 1 : 0;
  F[9] = control;
  F[12] = n;
  F[13] = cap;
  const w = views;
  const k = start;
  if (w === null) native.recvmmsgViews(mem, cache);
  else if (n > HEAD_VIEWS) native.recvmmsgViews(mem, cache, ...w.slice(k, k + n));
  else native.recvmmsgViews(mem, cache, w[k], w[k + 1], w[k + 2], w[k + 3], w[k + 4], w[k + 5], w[k + 6], w[k + 7], w[k + 8], w[k + 9], w[k + 10], w[k + 11], w[k + 12], w[k + 13], w[k + 14], w[k + 15]);
  return F[7]!;
}

/** After recvmmsgViews(..., ask): whether another datagram is queued. */
export function morePending(): boolean {
  return F[6] === 1;
}

/**
 * {@link recvmmsgViews} into a receive pool slab, message i at
 * `off + i * each`, then the messages of at most `copyMax` bytes copied to
 * `small` from `smallOff` while there is room: the count, -errno, kNoSlab
 * (a slab too short) or kNoMemory (`mem` too short). Then {@link copied}
 * gives where the next small copy goes (-1: `small` was too short).
 */
export function recvmmsgPool(
  fd: number,
  slab: ArrayBuffer,
  off: number,
  each: number,
  n: number,
  flags: number,
  control: number,
  mem: ArrayBuffer,
  cap: number,
  small: ArrayBuffer,
  smallOff: number,
  copyMax: number,
): number {
  args(fd, off, 0, flags);
  F[4] = smallOff;
  F[5] = copyMax;
  F[9] = control;
  F[12] = n;
  F[13] = cap;
  F[14] = each;
  native.recvmmsgPool(slab, small, mem);
  return F[7]!;
}

/** After a recvPool or recvfromPool given `small`: 1 if the result was copied there, 0 if not, -1 if it was too short (detached). */
export function copied(): number {
  return F[6]!;
}

// The sockaddr last copied into addrIn: sendto() in a loop to one peer (the
// sockaddr cache hands out the same Buffer) copies it once.
let lastSockaddr: Uint8Array | null = null;

/** sendto(2) of view[off, off + len) (len END: to its end) to `sockaddr`: the count, or -errno. */
export function sendto(fd: number, view: ArrayBufferView, off: number, len: number, flags: number, sockaddr: Uint8Array): number {
  if (sockaddr !== lastSockaddr) {
    addrIn.set(sockaddr);
    lastSockaddr = sockaddr;
  }
  args(fd, off, len, flags);
  F[4] = sockaddr.length;
  native.sendto(view);
  return F[7]!;
}

/** getsockopt(2) of a C int: 0 or -errno; the value is then {@link optionValue}(). */
export function getsockoptInt(fd: number, level: number, name: number): number {
  F[0] = fd;
  F[4] = level;
  F[5] = name;
  native.getsockoptInt();
  return F[7]!;
}

/** The value the last getsockoptInt() read. */
export function optionValue(): number {
  return F[6]!;
}
