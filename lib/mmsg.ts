// Batched datagrams: the argument checks, memory and result decoding behind
// Socket.sendmmsg/recvmmsg/recvmmsgInto and their async forms, and UDP GSO
// (UDP_SEGMENT: one buffer sent as many datagrams) and GRO (UDP_GRO: many
// datagrams received as one buffer). The syscalls are native/mmsg.cc's, on
// the hot path's calling convention (lib/fast.ts).
//
// Cost per datagram is what this module is about: a batch call crosses into
// native code once for up to 1024 datagrams. What remains per datagram is
// the lookup of its view (napi_get_buffer_info), and on the way in its
// checks and its address; on the way out, for recvmmsg(), the Buffer and
// the `[data, address]` pair it returns, and for recvmmsgInto() nothing at
// all: the result object belongs to the `buffers` list and is refilled by
// every call given that list (see RecvmmsgIntoResult).
//
// Per-message integers travel in an "mmsg memory" (native/mmsg.cc gives its
// layout): six Int32 arrays and one 128-byte sockaddr slot per message.

import { Buffer } from 'node:buffer';
import os = require('node:os');
import { markAsUntransferable } from 'node:worker_threads';

import { decodeSockaddrAt, errorWhere, sameAddress, snapshot, toSockaddr, toSockaddrAsync, type Address, type SocketAddress } from './address';
import type { AsyncOptions } from './async';
import { native } from './binding';
import { AF_INET, AF_INET6, MSG_DONTWAIT, SOCK_DGRAM, SOL_UDP, UDP_GRO, UDP_SEGMENT } from './constant-names';
import { errnoError, type ErrorAddress } from './errors';
import * as fast from './fast';
import * as pool from './pool';
import * as v from './validate';
import { ViewCache } from './view-cache';

/** The most messages one sendmmsg(2) or recvmmsg(2) takes: UIO_MAXIOV, 1024 on Linux. */
export const MMSG_MAX: number = native.MMSG_MAX;
const NAME_SIZE = native.MMSG_NAME_SIZE;
const ARRAYS = 6;
/** The largest UDP_SEGMENT size: the option is a 16-bit value. */
const SEGMENT_MAX = 0xffff;
// Control buffer per received message on a UDP socket, for its UDP_GRO item
// (CMSG_SPACE(sizeof(int)), 24 bytes) with room for a few others the
// caller may have turned on (IP_PKTINFO, timestamps); those are not
// returned, and MSG_CTRUNC tells when they did not fit. AF_UNIX sockets get
// none: a control buffer there would make the kernel install the fds of an
// SCM_RIGHTS item, which nothing would close.
const UDP_CONTROL = 64;
const EOPNOTSUPP = os.constants.errno.EOPNOTSUPP;

/**
 * One datagram for {@link Socket.sendmmsg}: its data alone (a connected
 * socket), `[data, address]`, or `[data, address, segmentSize]` to send the
 * data as UDP GSO segments of `segmentSize` bytes (the last may be shorter);
 * `address` may be null there, for a connected socket.
 */
export type MmsgMessage =
  | string
  | ArrayBufferView
  | readonly [data: string | ArrayBufferView, address: Address | null]
  | readonly [data: string | ArrayBufferView, address: Address | null, segmentSize: number | null];

/**
 * sendmmsg()'s `messages`: any iterable of {@link MmsgMessage}, but not a
 * string itself, which is an iterable of its characters and would send
 * each as a datagram of its own.
 */
export type MmsgList = Iterable<MmsgMessage> & object;

/** What recvmmsg() and recvmmsgAsync() return: `[data, address]` per datagram, as recvfrom() gives them. */
export type RecvmmsgResult = Array<readonly [data: Buffer, address: SocketAddress | null]>;

// ---- memory ---------------------------------------------------------------

/** An mmsg memory: the ArrayBuffer native code fills, and views over it. Internal. */
export class MmsgMemory {
  readonly buffer: ArrayBuffer;
  readonly cap: number;
  readonly a: Int32Array[];
  readonly bytes: Uint8Array;
  readonly words: Int32Array;
  /** Where the sockaddr slots start, in 32-bit words. */
  readonly namesAt: number;

  constructor(cap: number) {
    this.cap = cap;
    this.namesAt = ARRAYS * cap;
    // Zeroed: a name slot's bytes past its length take part in address
    // cache comparisons, and must not carry old memory.
    this.buffer = new ArrayBuffer(cap * (ARRAYS * 4 + NAME_SIZE));
    markAsUntransferable(this.buffer);
    this.a = [];
    for (let k = 0; k < ARRAYS; k++) this.a.push(new Int32Array(this.buffer, k * cap * 4, cap));
    this.bytes = new Uint8Array(this.buffer);
    this.words = new Int32Array(this.buffer);
  }

  /** The sender of message i, as recvfrom() gives it. */
  address(i: number): SocketAddress | null {
    return decodeSockaddrAt(this.bytes, this.words, this.namesAt + i * (NAME_SIZE >> 2), this.a[3]![i]!);
  }
}

/** A capacity for `n` messages: the next power of two, at least 8. */
function capacity(n: number): number {
  let cap = 8;
  while (cap < n) cap *= 2;
  return Math.min(cap, MMSG_MAX);
}

// ---- checks -----------------------------------------------------------------

/** recvmmsg()'s vlen: 0 to MMSG_MAX. */
export function vlenArg(vlen: unknown): number {
  return v.size(vlen, 'vlen', MMSG_MAX);
}

/** recvmmsg()'s bufsize, such that vlen * bufsize bytes can be allocated. */
export function bufsizeArg(vlen: number, bufsize: unknown): number {
  const max = vlen === 0 ? 2 ** 31 - 1 : Math.floor((2 ** 31 - 1) / vlen);
  return v.size(bufsize, 'bufsize', max);
}

/** The control bytes a receive asks for per message on a socket of this family and type. */
export function controlFor(family: number, type: number): number {
  return (family === AF_INET || family === AF_INET6) && type === SOCK_DGRAM && UDP_GRO !== undefined ? UDP_CONTROL : 0;
}

// ---- sending ----------------------------------------------------------------

/** The messages of one sendmmsg call, checked and converted. */
export interface Outgoing {
  views: ArrayBufferView[];
  /**
   * How many messages have the view of the message before them: a batch
   * that sends one buffer to many peers (or many times) then passes it to
   * native code once per call, which looks each view up for about 225
   * instructions.
   */
  repeats: number;
  /** Each message's sockaddr; null for none, and for a name still to resolve (async). */
  names: Array<Buffer | null>;
  /** Each message's UDP_SEGMENT size, or null when no message has one. */
  segments: number[] | null;
  /** The addresses as given (null for none), for error messages. */
  addresses: unknown[];
  /** Messages whose address is a host name to resolve before sending (async calls only). */
  lookups: number[] | null;
  /** The socket's family, which decides how an address is shown in an error. */
  family: number;
}

// The sockaddrs of the last literal addresses converted, in any family: a
// batch to one peer, or a server answering a few, converts each once.
// Names are never kept: like Python, each call resolves them again.
const CACHED = 8;
const cacheFamily = new Int32Array(CACHED).fill(-1);
const cacheAddress: unknown[] = new Array<unknown>(CACHED).fill(undefined);
const cacheName: Array<Buffer | null> = new Array<Buffer | null>(CACHED).fill(null);
let cacheLast = 0;
let cacheNext = 0;

/** The sockaddr of a literal `address`; null for a host name. */
function literalSockaddr(family: number, address: unknown, syscall: string): Buffer | null {
  if (cacheFamily[cacheLast] === family && sameAddress(address, cacheAddress[cacheLast])) return cacheName[cacheLast]!;
  for (let e = 0; e < CACHED; e++) {
    if (cacheFamily[e] === family && sameAddress(address, cacheAddress[e])) return cacheName[(cacheLast = e)]!;
  }
  const name = toSockaddr(family, address, syscall, false);
  if (name === null) return null;
  const e = cacheNext;
  cacheNext = (e + 1) % CACHED;
  cacheFamily[e] = family;
  cacheAddress[e] = snapshot(address);
  cacheName[e] = name;
  cacheLast = e;
  return name;
}

/**
 * Checks and converts sendmmsg()'s `messages` for a socket of `family` and
 * `type`. Host names are resolved here with a blocking getaddrinfo(3) when
 * `resolveNames`, else left to {@link resolveLookups}.
 */
export function outgoing(messages: unknown, family: number, type: number, syscall: string, resolveNames: boolean): Outgoing {
  const out: Outgoing = { views: [], repeats: 0, names: [], segments: null, addresses: [], lookups: null, family };
  lastAddress = undefined;
  // An array, the usual case, is read in a plain loop, its length once (as
  // v.items does), into arrays made at their size.
  if (Array.isArray(messages)) {
    const n = messages.length;
    out.views = new Array<ArrayBufferView>(n);
    out.names = new Array<Buffer | null>(n);
    out.addresses = new Array<unknown>(n);
    for (let i = 0; i < n; i++) message(out, messages[i], i, family, type, syscall, resolveNames);
  } else {
    v.items(messages as Iterable<unknown>, 'messages', (item, i) => message(out, item, i, family, type, syscall, resolveNames));
  }
  lastAddress = undefined;
  return out;
}

// The address object of the previous message of the call being checked,
// and its sockaddr: a batch to one peer usually repeats one array, which is
// then read once per call (as the list's length is), not once per message.
let lastAddress: unknown = undefined;
let lastName: Buffer | null = null;

/** Adds message `i`, `item`, to `out` (at index i: the arrays grow by one, or were made at their size). */
function message(out: Outgoing, item: unknown, i: number, family: number, type: number, syscall: string, resolveNames: boolean): void {
  let data: unknown = item;
  let address: unknown = null;
  let segment = 0;
  const tuple = Array.isArray(item);
  if (tuple) {
    const n = item.length;
    if (n !== 2 && n !== 3) {
      throw v.invalidArgValue(`messages[${i}]`, 'must be data, [data, address] or [data, address, segmentSize]', item);
    }
    data = item[0];
    address = item[1];
    if (n === 3) {
      const seg: unknown = item[2];
      if (seg !== null && seg !== undefined) segment = v.size(seg, `messages[${i}][2]`, SEGMENT_MAX);
    }
  }
  // The name is made only for what is not a view: most data are.
  const view = ArrayBuffer.isView(data) ? data : v.data(data, tuple ? `messages[${i}][0]` : `messages[${i}]`);
  let name: Buffer | null = null;
  if (address === undefined) address = null;
  if (address !== null) {
    if (address === lastAddress && typeof address === 'object') {
      name = lastName;
    } else {
      name = literalSockaddr(family, address, syscall);
      if (name !== null) {
        lastAddress = address;
        lastName = name;
      }
    }
    if (name === null) {
      if (resolveNames) name = toSockaddr(family, address, syscall, true);
      else (out.lookups ??= []).push(i);
    }
  }
  if (segment !== 0) {
    // Only UDP segments: AF_UNIX and TCP would ignore the item and send
    // the whole buffer as one datagram, as setsockopt(UDP_SEGMENT) tells
    // on those sockets (EOPNOTSUPP).
    if (UDP_SEGMENT === undefined || controlFor(family, type) === 0) throw errnoError(EOPNOTSUPP, syscall, errorWhere(address, family));
    out.segments ??= new Array<number>(out.views.length).fill(0);
  }
  if (out.segments !== null) out.segments[i] = segment;
  if (i > 0 && out.views[i - 1] === view) out.repeats++;
  out.views[i] = view;
  out.names[i] = name;
  out.addresses[i] = address;
}

/** Resolves the host names {@link outgoing} left, on the libuv thread pool. */
export async function resolveLookups(out: Outgoing, family: number, syscall: string, options: AsyncOptions | undefined): Promise<void> {
  const lookups = out.lookups;
  if (lookups === null) return;
  const names = await Promise.all(lookups.map((i) => toSockaddrAsync(family, out.addresses[i], syscall, options)));
  for (let k = 0; k < lookups.length; k++) out.names[lookups[k]!] = names[k]!;
  out.lookups = null;
}

/** Where a send starting at message `start` failed: that message's address. */
export function where(out: Outgoing, start: number): ErrorAddress | undefined {
  const address = out.addresses[start];
  return address === null || address === undefined ? undefined : errorWhere(address, out.family);
}

// The memory sends use, shared by every socket of the thread: each send
// fills it anew right before its syscall, so a send that waited cannot find
// another's there. `slotName` remembers which sockaddr each name slot
// holds, so that a batch to the peer of the last one copies no address.
let sendMemory: MmsgMemory | null = null;
let slotName: Array<Buffer | null> = [];

/**
 * sendmmsg(2) of out's messages from `start`, at most MMSG_MAX of them:
 * the count sent (>= 1 unless none was asked for), or -errno.
 */
export function send(fd: number, out: Outgoing, start: number, flags: number): number {
  const total = out.views.length;
  let n = total - start;
  if (n > MMSG_MAX) n = MMSG_MAX;
  if (sendMemory === null || sendMemory.cap < n) {
    sendMemory = new MmsgMemory(capacity(n));
    slotName = [];
  }
  const m = sendMemory;
  const slots = m.a[0]!;
  const segments = m.a[1]!;
  const lengths = m.a[3]!;
  const names = out.names;
  const segs = out.segments;
  let last: Buffer | null = null;
  let lastSlot = -1;
  let used = 0;
  for (let i = 0; i < n; i++) {
    const name = names[start + i]!;
    let slot = -1;
    if (name !== null) {
      if (name === last) {
        slot = lastSlot;
      } else {
        // A batch to a few peers in turn: one slot per peer (the last 8
        // checked); otherwise a slot per message, which only costs a copy.
        for (let k = used - 1; k >= 0 && k >= used - 8; k--) {
          if (slotName[k] === name) {
            slot = k;
            break;
          }
        }
        if (slot < 0) {
          slot = used++;
          if (slotName[slot] !== name) {
            m.bytes.set(name, m.namesAt * 4 + slot * NAME_SIZE);
            lengths[slot] = name.length;
            slotName[slot] = name;
          }
        }
        last = name;
        lastSlot = slot;
      }
    }
    slots[i] = slot;
    segments[i] = segs === null ? 0 : segs[start + i]!;
  }
  let views: ArrayBufferView[];
  let byIndex = false;
  if (start !== 0 || total > MMSG_MAX) {
    views = out.views.slice(start, start + n);
  } else if (out.repeats === 0) {
    views = out.views;
  } else {
    // The views without their repeats in a row, and each message's view
    // as an index into them.
    const viewAt = m.a[2]!;
    views = [];
    let last: ArrayBufferView | null = null;
    for (let i = 0; i < n; i++) {
      const view = out.views[i]!;
      if (view !== last) views.push((last = view));
      viewAt[i] = views.length - 1;
    }
    byIndex = true;
  }
  const r = fast.sendmmsg(fd, m.buffer, m.cap, n, flags, views, byIndex);
  if (r === pool.NO_MEMORY) {
    sendMemory = null; // detached: never handed out, but make a new one rather than fail
    return send(fd, out, start, flags);
  }
  return r;
}

/** The byte lengths of `views` when an async call is made (see checkSizes). */
export function sizesOf(views: readonly ArrayBufferView[]): Int32Array {
  const sizes = new Int32Array(views.length);
  for (let i = 0; i < views.length; i++) sizes[i] = v.byteLength(views[i]!);
  return sizes;
}

/**
 * Fails an async call whose buffers changed size while it waited (detached
 * or resized): a syscall then would move fewer bytes than asked, silently.
 */
export function checkSizes(views: readonly ArrayBufferView[], sizes: Int32Array, name: string): void {
  for (let i = 0; i < views.length; i++) {
    const n = v.byteLength(views[i]!);
    if (n !== sizes[i]) throw v.outOfRange(`${name}[${i}].byteLength`, `${sizes[i]}, its size when the call was made`, n);
  }
}

// ---- receiving into the pool: recvmmsg(vlen, bufsize) -------------------------

let recvMemory: MmsgMemory | null = null;
const NO_BYTES = new Uint8Array(0);
let emptyViews: Uint8Array[] = [];

/**
 * recvmmsg(2) of up to `vlen` datagrams of up to `bufsize` bytes each into
 * the receive pool: the count, or -errno. Call {@link received} right
 * after a count, before anything else receives.
 */
export function recvPool(fd: number, vlen: number, bufsize: number, flags: number, control: number): number {
  if (recvMemory === null || recvMemory.cap < vlen) recvMemory = new MmsgMemory(capacity(vlen));
  const m = recvMemory;
  let r: number;
  if (bufsize === 0) {
    // recvfrom(0)'s rule: each message takes a datagram and returns no bytes.
    while (emptyViews.length < vlen) emptyViews.push(NO_BYTES);
    r = fast.recvmmsgViews(fd, m.buffer, m.cap, 0, vlen, flags, control, undefined, emptyViews, false);
  } else {
    r = pool.recvmmsg(fd, vlen, bufsize, flags, control, m.buffer, m.cap);
  }
  if (r === pool.NO_MEMORY) {
    recvMemory = null;
    return recvPool(fd, vlen, bufsize, flags, control);
  }
  return r;
}

/**
 * The `[data, address]` pairs of the `count` messages recvPool() just
 * received, a GRO-coalesced message split into its datagrams.
 */
export function received(count: number, bufsize: number): RecvmmsgResult {
  const m = recvMemory!;
  const [sizes, , segs, , wheres, same] = m.a as [Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array];
  const out: RecvmmsgResult = [];
  let decoded: SocketAddress | null = null;
  for (let i = 0; i < count; i++) {
    let n = sizes[i]!;
    if (n > bufsize) n = bufsize; // MSG_TRUNC in flags: the datagram's real length
    // A run of messages from one sender is decoded once; a Buffer (an
    // abstract AF_UNIX name, a raw sockaddr) is a fresh copy for each.
    if (same[i] === i) decoded = m.address(i);
    const address = Buffer.isBuffer(decoded) ? Buffer.from(decoded) : decoded;
    const where = bufsize === 0 ? -1 : wheres[i]!;
    const seg = segs[i]!;
    if (bufsize === 0) {
      out.push([Buffer.alloc(0), address]);
    } else if (seg > 0 && n > seg) {
      for (let k = 0; k < n; k += seg) {
        const len = n - k < seg ? n - k : seg;
        out.push([pool.batchPiece(i * bufsize + k, len, where < 0 ? -1 : where + k), address]);
      }
    } else {
      out.push([pool.batchPiece(i * bufsize, n, where), address]);
    }
  }
  if (bufsize !== 0) pool.endBatch();
  return out;
}

// ---- receiving into the caller's buffers: recvmmsgInto(buffers) ------------

const MEMORY = Symbol('memory');
const FILLED = Symbol('filled');
const FIRST = Symbol('first');
const CACHE = Symbol('cache');
const SAME = Symbol('same');
const VIEWS = Symbol('views');

/**
 * What {@link Socket.recvmmsgInto} returns: how many messages arrived, and
 * for each the bytes received, its flags, its GRO segment size and its
 * sender, in typed arrays indexed like `buffers`.
 *
 * The object belongs to the `buffers` list it was made for: every call
 * given the same list (the same array object) refills it, as it refills
 * the buffers themselves, so a receive loop allocates nothing per call.
 * Read it, or copy what you keep, before the next call with that list;
 * alternate between two lists to keep one batch while receiving the next.
 * Its arrays have an entry per buffer (more when the array was longer
 * before); entries from `count` on are left from earlier calls.
 */
export class RecvmmsgIntoResult {
  /** How many messages were received: `buffers[0]` to `buffers[count - 1]` hold them. */
  count = 0;
  /**
   * The bytes received into each buffer (msg_len). A datagram larger than
   * its buffer was cut (MSG_TRUNC in {@link RecvmmsgIntoResult.flags});
   * with MSG_TRUNC in the call's flags this is the datagram's real length.
   */
  readonly sizes: Uint32Array;
  /** Each message's msg_flags: MSG_TRUNC when its datagram did not fit its buffer. */
  readonly flags: Int32Array;
  /**
   * For a UDP socket with UDP_GRO on: the size of the datagrams coalesced
   * into each message (the last one may be shorter); 0 for a message that
   * holds one datagram. {@link RecvmmsgIntoResult.datagrams} splits one.
   */
  readonly segmentSizes: Uint32Array;
  readonly #m: MmsgMemory;
  #views: ArrayBufferView[] = [];
  /** For each message, the first message of its run from the same sender (native/mmsg.cc A5). */
  readonly #same: Int32Array;
  /** The addresses decoded for this fill: valid where #filledIn holds #fill. */
  readonly #decoded: Array<SocketAddress | null>;
  readonly #filledIn: Int32Array;
  #fill = 0;
  /** The views of the list as the last call checked them (never changed in place: an async call may hold it). */
  #checked: ArrayBufferView[] = [];
  /** How many views the next call's first recvmmsg(2) takes (see recvInto). */
  #first = FIRST_MIN;
  /**
   * The views of the last calls, so that the same ones are not looked up
   * again; made for the second call (a list given once, as a fresh array
   * per call is, never needs it).
   */
  #cache: ViewCache | null = null;

  /** Made by recvmmsgInto() for a list of up to `cap` buffers. */
  constructor(cap: number) {
    const m = new MmsgMemory(v.size(cap, 'cap', MMSG_MAX));
    this.#m = m;
    this.sizes = new Uint32Array(m.buffer, 0, m.cap);
    this.flags = m.a[1]!;
    this.segmentSizes = new Uint32Array(m.buffer, 2 * 4 * m.cap, m.cap);
    this.#same = m.a[5]!;
    this.#decoded = new Array<SocketAddress | null>(m.cap).fill(null);
    this.#filledIn = new Int32Array(m.cap);
  }

  /**
   * The sender of message `i`, as recvfrom() gives it (null for a sender
   * without an address), decoded when asked for: the four addresses
   * decoded last are kept, so a batch from a few peers decodes each once.
   */
  address(i: number): SocketAddress | null {
    this.#index(i);
    // Each run of messages from one sender is decoded once (callgrind: a
    // decode through the address cache cost about 430 instructions, this
    // about 50).
    const j = this.#same[i]!;
    let address: SocketAddress | null;
    if (this.#filledIn[j] === this.#fill) {
      address = this.#decoded[j]!;
    } else {
      address = this.#m.address(j);
      this.#decoded[j] = address;
      this.#filledIn[j] = this.#fill;
    }
    return Buffer.isBuffer(address) ? Buffer.from(address) : address;
  }

  /**
   * The datagrams of message `i`: views of its buffer (no copy), split by
   * its GRO segment size; one view when it holds one datagram.
   */
  datagrams(i: number): Buffer[] {
    this.#index(i);
    const n = Math.min(this.sizes[i]!, v.byteLength(this.#views[i]!));
    return groSegments(v.viewBuffer(this.#views[i]!).subarray(0, n), this.segmentSizes[i]!);
  }

  #index(i: unknown): void {
    if (typeof i === 'number' && i >>> 0 === i && i < this.count) return;
    if (v.size(i, 'i') >= this.count) throw v.outOfRange('i', `an integer >= 0 and < ${this.count} (the count received)`, i);
  }

  /** Internal: the memory native code fills. */
  [MEMORY](): MmsgMemory {
    return this.#m;
  }

  /** Internal: records a call's views and count. */
  [FILLED](views: ArrayBufferView[], count: number): this {
    this.#views = views;
    this.count = count;
    this.#fill = (this.#fill + 1) | 0 || 1; // never 0, the initial mark
    this.#first = Math.min(Math.max(count + FIRST_SLACK, FIRST_MIN), fast.HEAD_VIEWS);
    return this;
  }

  /** Internal: the views the last calls looked up; null before the first call's results. */
  [CACHE](): ViewCache | null {
    if (this.#cache === null && this.#fill !== 0) this.#cache = new ViewCache(this.#m.cap);
    return this.#cache;
  }

  /** Internal: the size of the next call's first step. */
  [FIRST](): number {
    return this.#first;
  }

  /**
   * Internal: the views of `buffers` as the last call checked them, when
   * it is the same array holding the same views (one comparison a view,
   * where checking them again into a new array cost about 45 instructions
   * a view, callgrind); else null.
   */
  [SAME](buffers: unknown): ArrayBufferView[] | null {
    const last = this.#checked;
    if (!Array.isArray(buffers)) return null;
    const n = buffers.length < MMSG_MAX ? buffers.length : MMSG_MAX;
    if (n !== last.length) return null;
    for (let i = 0; i < n; i++) if (buffers[i] !== last[i]) return null;
    return last;
  }

  /** Internal: the checked views of this call's list (see resultFor). */
  [VIEWS](views?: ArrayBufferView[]): ArrayBufferView[] {
    if (views !== undefined) this.#checked = views;
    return this.#checked;
  }
}

// The result of each `buffers` list, made on its first use: a loop that
// receives into the same list allocates no result per call.
const results = new WeakMap<object, RecvmmsgIntoResult>();

/**
 * recvmmsgInto()'s `buffers`, checked (any iterable of writable views),
 * the first MMSG_MAX of them kept, as the kernel would.
 */
function intoBuffers(buffers: unknown): ArrayBufferView[] {
  // An array, the usual case, in a plain loop (see outgoing()); the name is
  // made only for what is not a view (a string per buffer cost 220
  // instructions, callgrind).
  if (Array.isArray(buffers)) {
    const n = buffers.length < MMSG_MAX ? buffers.length : MMSG_MAX;
    const views = new Array<ArrayBufferView>(n);
    for (let i = 0; i < n; i++) {
      const b: unknown = buffers[i];
      views[i] = ArrayBuffer.isView(b) ? b : v.writableView(b, `buffers[${i}]`);
    }
    return views;
  }
  const views = v.items(buffers as Iterable<unknown>, 'buffers', (b, i) => (ArrayBuffer.isView(b) ? b : v.writableView(b, `buffers[${i}]`)));
  if (views.length > MMSG_MAX) views.length = MMSG_MAX;
  return views;
}

/**
 * The result object for `buffers` (the list as given), and the list's
 * views checked: `viewsOf(result)` until the next call with that list.
 */
export function resultFor(buffers: unknown): RecvmmsgIntoResult {
  const key = typeof buffers === 'object' && buffers !== null ? buffers : null;
  let result = key === null ? undefined : results.get(key);
  const views = (result === undefined ? null : result[SAME](buffers)) ?? intoBuffers(buffers);
  const n = views.length;
  // A list that grew, or a memory detached: a new result.
  if (result === undefined || result[MEMORY]().cap < n || result[MEMORY]().buffer.byteLength === 0) {
    result = new RecvmmsgIntoResult(Math.max(n, 1));
    if (key !== null) results.set(key, result);
  }
  result[VIEWS](views);
  return result;
}

/** The views that {@link resultFor} checked for `result`'s list. */
export function viewsOf(result: RecvmmsgIntoResult): ArrayBufferView[] {
  return result[VIEWS]();
}

// How much a receive into views takes first. Each view given to a
// recvmmsg(2) costs whether a datagram arrives in it or not: finding its
// memory costs native code about 290 instructions (napi_get_buffer_info
// and the V8 calls under it, callgrind), and a call that looked up all 64
// views of a batch to receive the one datagram there cost 26,000
// instructions against 2,500 for sendto + recvfromInto. The list's view
// cache (lib/view-cache.ts) spares that lookup from the second call on,
// but a view still costs its check and its message header, about 200
// instructions (callgrind, by parts). So the first recvmmsg(2) gets only
// as many views as the call before received, plus FIRST_SLACK (at least
// FIRST_MIN, at most HEAD_VIEWS); only when it fills them all and another datagram is queued (ioctl FIONREAD)
// does a second, non-blocking one get the rest. That one cannot meet a
// pending socket error before its first datagram; an error after it is
// kept for the next call, by Linux's rule. An empty datagram (FIONREAD 0)
// right after the first step waits for the next call.
//
// The slack keeps the second step rare: between the two steps the
// receiver returns to user space, where a sender it woke may preempt it.
// Over AF_UNIX, whose queue holds 11 datagrams (net.unix.max_dgram_qlen
// 10), a receiver sharing a CPU with its sender gets 11 or 12 a call
// (counted: 93,000 of 97,000 calls; 1.5% got more), and a fixed first step
// of 8 cost a context switch every 3 datagrams instead of 4 and 9% of the
// rate.
const FIRST_MIN = 4;
const FIRST_SLACK = 2;

/** recvmmsg(2) into `views` with `result`'s memory, in two steps at most: the count, or -errno. */
export function recvInto(fd: number, result: RecvmmsgIntoResult, views: ArrayBufferView[], flags: number, control: number): number {
  const n = views.length;
  const first = result[FIRST]();
  if (n <= first) return recvStep(fd, result, views, 0, n, flags, control, false);
  const r = recvStep(fd, result, views, 0, first, flags, control, true);
  if (r !== first || !fast.morePending()) return r;
  const more = recvStep(fd, result, views, first, n, flags | MSG_DONTWAIT, control, false);
  return more > 0 ? r + more : r;
}

/** One recvmmsg(2) into views [from, to), those the result's view cache holds not looked up again. */
function recvStep(fd: number, result: RecvmmsgIntoResult, views: ArrayBufferView[], from: number, to: number, flags: number, control: number, ask: boolean): number {
  const m = result[MEMORY]();
  const cache = result[CACHE]();
  if (cache === null) return fast.recvmmsgViews(fd, m.buffer, m.cap, from, to - from, flags, control, undefined, views, ask);
  for (let tries = 0; ; tries++) {
    const lookups = cache.mark(views, from, to, m.a[4]!);
    const r = fast.recvmmsgViews(fd, m.buffer, m.cap, from, to - from, flags, control, cache.handle, lookups === 0 ? null : views, ask);
    // Native code found a mark it does not hold (a call that failed before
    // keeping what it looked up): look every view up again.
    if (r !== fast.STALE_CACHE || tries > 0) return r;
    cache.clear();
  }
}

/** The result of a recvInto() that gave `count` messages (>= 0). */
export function filled(result: RecvmmsgIntoResult, views: ArrayBufferView[], count: number): RecvmmsgIntoResult {
  return result[FILLED](views, count);
}

// ---- GRO ------------------------------------------------------------------------

/**
 * Splits a GRO-coalesced receive into its datagrams: views of `data` (no
 * copy) of `segmentSize` bytes each, the last one possibly shorter. A
 * segment size of 0 (none: one datagram) gives `[data]`. Use it with the
 * segment size from {@link groSegmentSize} (recvmsg) or from a
 * {@link RecvmmsgIntoResult}; recvmmsg() splits by itself.
 */
export function groSegments(data: ArrayBufferView, segmentSize: number): Buffer[] {
  const bytes = v.viewBuffer(v.writableView(data, 'data'));
  v.size(segmentSize, 'segmentSize', SEGMENT_MAX);
  if (segmentSize === 0 || bytes.length <= segmentSize) return [bytes];
  const out: Buffer[] = [];
  for (let k = 0; k < bytes.length; k += segmentSize) out.push(bytes.subarray(k, Math.min(k + segmentSize, bytes.length)));
  return out;
}

/**
 * The GRO segment size in recvmsg()'s ancillary data: the value of its
 * `[SOL_UDP, UDP_GRO, int]` item, or 0 when it has none (the data is one
 * datagram). Turn UDP_GRO on first: `setsockopt(SOL_UDP, UDP_GRO, 1)`, and
 * give recvmsg an `ancbufsize` of at least `CMSG_SPACE(4)`.
 */
export function groSegmentSize(ancdata: Iterable<readonly [number, number, ArrayBufferView]>): number {
  for (const item of v.items(ancdata as Iterable<unknown>, 'ancdata', (x) => x)) {
    if (!Array.isArray(item) || item.length !== 3) continue;
    const [level, type, data] = item as [unknown, unknown, unknown];
    if (level === SOL_UDP && type === UDP_GRO && ArrayBuffer.isView(data) && v.byteLength(data) >= 4) {
      // A C int in the host's byte order.
      return new Int32Array(Uint8Array.from(v.viewBuffer(data).subarray(0, 4)).buffer)[0]!;
    }
  }
  return 0;
}
