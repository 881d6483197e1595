// sendmsg(2) and recvmsg(2): the argument conversion and result decoding
// behind Socket.sendmsg/recvmsg/recvmsgInto and their async forms, fd
// passing (sendFds, recvFds) and CMSG_LEN/CMSG_SPACE. The native side
// (native/msg.cc) builds and parses the control buffer with the platform's
// CMSG_* macros, so lib/ never needs to know cmsghdr's layout.

import { Buffer } from 'node:buffer';

import type { Address, SocketAddress } from './address';
import { decodeAddrOut } from './address';
import { native } from './binding';
import { SCM_RIGHTS, SOL_SOCKET } from './constant-names';
import * as fast from './fast';
import * as v from './validate';

/**
 * One ancillary data item to send: `[cmsg_level, cmsg_type, data]`, as a
 * Python `(level, type, data)` tuple; for example
 * `[SOL_SOCKET, SCM_RIGHTS, new Int32Array([fd])]`.
 */
export type AncillaryData = readonly [level: number, type: number, data: ArrayBufferView];

/** One ancillary data item received: `[cmsg_level, cmsg_type, data]`. */
export type AncillaryItem = readonly [level: number, type: number, data: Buffer];

/**
 * What recvmsg() returns: `[data, ancdata, msgFlags, address]`, as in
 * Python; `A` is the sender's address, typed by the socket's family.
 */
export type RecvmsgResult<A = SocketAddress | null> = readonly [data: Buffer, ancdata: AncillaryItem[], msgFlags: number, address: A];

/** What recvmsgInto() returns: `[nbytes, ancdata, msgFlags, address]`, as in Python. */
export type RecvmsgIntoResult<A = SocketAddress | null> = readonly [nbytes: number, ancdata: AncillaryItem[], msgFlags: number, address: A];

/** What recvFds() returns: `[data, fds, msgFlags, address]`, as Python's `socket.recv_fds`. */
export type RecvFdsResult<A = SocketAddress | null> = readonly [data: Buffer, fds: number[], msgFlags: number, address: A];

/**
 * A list of data to send (sendmsg's `buffers`): any iterable of strings
 * (sent as UTF-8) and ArrayBufferViews, but not a string itself, which is
 * an iterable of its characters.
 */
export type DataList = Iterable<string | ArrayBufferView> & object;

const INT_MAX = 2147483647;
const INT_SIZE = 4; // sizeof(int), the unit of SCM_RIGHTS data
// CPython's limits: a result must fit in a socklen_t (INT_MAX on Linux).
const LEN_MAX = INT_MAX - native.cmsgLen(0);
const SPACE_MAX = INT_MAX - native.cmsgSpace(1);

/**
 * `CMSG_LEN(length)`: the `cmsg_len` of an ancillary item carrying `length`
 * bytes of data, without trailing padding (LEN(0) is 16, LEN(4) is 20 on
 * 64-bit Linux). A RangeError beyond what a socklen_t holds, as Python's
 * OverflowError.
 */
export function CMSG_LEN(length: number): number {
  return native.cmsgLen(v.size(length, 'length', LEN_MAX));
}

/**
 * `CMSG_SPACE(length)`: the bytes an ancillary item carrying `length` bytes
 * of data takes in the control buffer, padding included (SPACE(4) is 24 on
 * 64-bit Linux). Sum them to size recvmsg()'s `ancbufsize`.
 */
export function CMSG_SPACE(length: number): number {
  return native.cmsgSpace(v.size(length, 'length', SPACE_MAX));
}

/** sendmsg()'s `buffers`: any iterable of data, a string sent as UTF-8 (not a string itself). */
export function sendBuffers(buffers: unknown): ArrayBufferView[] {
  // The name is made only for what is not a view: most buffers are.
  return v.items(buffers as Iterable<unknown>, 'buffers', (b, i) => (ArrayBuffer.isView(b) ? b : v.data(b, `buffers[${i}]`)));
}

/** recvmsgInto()'s `buffers`: any iterable of writable views. */
export function intoBuffers(buffers: unknown): ArrayBufferView[] {
  return v.items(buffers as Iterable<unknown>, 'buffers', (b, i) => v.writableView(b, `buffers[${i}]`));
}

/**
 * sendmsg()'s `ancdata` as native takes it: level, type and data of each
 * item in a row, the data copied (an async call that waits sends what was
 * given, even if the caller's view changes meanwhile). The control buffer
 * must fit in a socklen_t.
 */
export function ancillaryOut(ancdata: unknown): Array<number | Buffer> {
  if (Array.isArray(ancdata) && ancdata.length === 0) return []; // the usual case, without a closure
  const flat: Array<number | Buffer> = [];
  let space = 0;
  v.items(ancdata as Iterable<unknown>, 'ancdata', (item, i) => {
    const name = `ancdata[${i}]`;
    if (!Array.isArray(item) || item.length !== 3) {
      throw v.invalidArgType(name, 'an array of [level, type, data]', item);
    }
    const level = v.int32((item as unknown[])[0], `${name}[0]`);
    const type = v.int32((item as unknown[])[1], `${name}[1]`);
    const view = v.writableView((item as unknown[])[2], `${name}[2]`);
    const n = v.byteLength(view);
    space += n > SPACE_MAX ? Infinity : native.cmsgSpace(n);
    if (space > INT_MAX) throw v.outOfRange('ancdata', `at most ${INT_MAX} bytes of control data`, space);
    flat.push(level, type, Buffer.from(v.viewBuffer(view))); // a copy
  });
  return flat;
}

/** recvmsg()'s `ancbufsize`. */
export function ancillarySize(ancbufsize: unknown): number {
  return v.size(ancbufsize, 'ancbufsize', INT_MAX);
}

/**
 * `[ancdata, msgFlags, address]` of the recvmsg just made (fast.recvmsgPool
 * or recvmsgViews, through lib/pool.ts or not): read at once, before
 * anything else receives, since it comes from state the next call reuses.
 */
export function received(): [AncillaryItem[], number, SocketAddress | null] {
  const flat = fast.messageItems();
  const ancdata: AncillaryItem[] = [];
  if (flat !== undefined) {
    for (let k = 0; k + 2 < flat.length; k += 3) ancdata.push([flat[k] as number, flat[k + 1] as number, flat[k + 2] as Buffer]);
  }
  if (fast.malformed()) {
    // Python's RuntimeWarning; the items are kept, cut to what arrived.
    process.emitWarning('received malformed or improperly-truncated ancillary data', 'RuntimeWarning');
  }
  return [ancdata, fast.msgFlags(), decodeAddrOut()];
}

/** The byte lengths of `views` when an async call is made. */
export function sizesOf(views: readonly ArrayBufferView[]): number[] {
  return views.map(v.byteLength);
}

/**
 * Fails an async call whose buffers changed size while it waited (detached
 * or resized): a syscall then would move fewer bytes than asked, silently.
 */
export function checkSizes(views: readonly ArrayBufferView[], sizes: readonly number[]): void {
  for (let i = 0; i < views.length; i++) {
    const n = v.byteLength(views[i]!);
    if (n !== sizes[i]) throw v.outOfRange(`buffers[${i}].byteLength`, `${sizes[i]}, its size when the call was made`, n);
  }
}

/** The ancillary data of sendFds(): one SCM_RIGHTS item. */
export function rightsOf(fds: unknown): AncillaryData[] {
  const list = v.items(fds as Iterable<unknown>, 'fds', (fd, i) => v.int32(fd, `fds[${i}]`));
  return [[SOL_SOCKET, SCM_RIGHTS, Int32Array.from(list)]];
}

/** The ancbufsize that has room for `maxfds` fds, as Python's recv_fds. */
export function rightsSpace(maxfds: unknown): number {
  return CMSG_LEN(v.size(maxfds, 'maxfds', Math.floor(LEN_MAX / INT_SIZE)) * INT_SIZE);
}

/** The fds of every SCM_RIGHTS item of `ancdata`, in order. */
export function fdsOf(ancdata: readonly AncillaryItem[]): number[] {
  const fds: number[] = [];
  for (const [level, type, data] of ancdata) {
    if (level !== SOL_SOCKET || type !== SCM_RIGHTS) continue;
    for (let off = 0; off + INT_SIZE <= data.length; off += INT_SIZE) fds.push(data.readInt32LE(off));
  }
  return fds;
}

/** The socket methods that sendFds() and recvFds() use; `A` is what recvmsg() gives as the sender. */
export interface MessageSocket<A = SocketAddress | null> {
  sendmsg(buffers: DataList, ancdata?: Iterable<AncillaryData>, flags?: number, address?: Address | null): number;
  recvmsg(bufsize: number, ancbufsize?: number, flags?: number): RecvmsgResult<A>;
}

function socketArg<A>(sock: MessageSocket<A>): MessageSocket<A> {
  const s = sock as Partial<MessageSocket<A>> | null;
  if (typeof s !== 'object' || s === null || typeof s.sendmsg !== 'function' || typeof s.recvmsg !== 'function') {
    throw v.invalidArgType('sock', 'an instance of Socket', sock);
  }
  return s as MessageSocket<A>;
}

/**
 * Sends `fds` over an AF_UNIX socket with `buffers` as the data (at least
 * one byte of it on a stream socket, where a message of no bytes carries no
 * fds): one sendmsg(2) with a SCM_RIGHTS item, as Python's `socket.send_fds`. Unlike
 * Python's, `flags` and `address` are honoured. Returns the bytes sent. The
 * fds stay open here; the peer gets its own copies.
 */
export function sendFds(
  sock: MessageSocket<unknown>,
  buffers: DataList,
  fds: Iterable<number>,
  ...rest: [] | [flags: number] | [flags: number, address: Address | null]
): number;
export function sendFds(
  sock: MessageSocket<unknown>,
  buffers: DataList,
  fds: Iterable<number>,
  flags = 0,
  address: Address | null = null,
): number {
  return socketArg(sock).sendmsg(buffers, rightsOf(fds), flags, address);
}

/**
 * Receives up to `bufsize` bytes and up to `maxfds` fds: recvmsg(2), as
 * Python's `socket.recv_fds` (which ignores `flags`; this does not).
 * Returns `[data, fds, msgFlags, address]`. The fds are new, close-on-exec
 * on Linux, and the caller's to close (wrap one with `new Socket(undefined, undefined,
 * undefined, fd)`, or close it with `fs.closeSync`). Fds beyond `maxfds` are
 * closed by the kernel, which sets MSG_CTRUNC in `msgFlags`.
 */
export function recvFds<A>(sock: MessageSocket<A>, bufsize: number, maxfds: number, ...flags: [] | [flags: number]): RecvFdsResult<A>;
export function recvFds<A>(sock: MessageSocket<A>, bufsize: number, maxfds: number, flags = 0): RecvFdsResult<A> {
  const [data, ancdata, msgFlags, address] = socketArg(sock).recvmsg(bufsize, rightsSpace(maxfds), flags);
  return [data, fdsOf(ancdata), msgFlags, address];
}
