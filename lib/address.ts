// Socket addresses: JavaScript values <-> struct sockaddr bytes.
//
// The policy is Python's (Modules/socketmodule.c getsockaddrarg/makesockaddr):
//   AF_INET   [host, port]                       host '' = INADDR_ANY,
//   AF_INET6  [host, port, flowinfo?, scopeId?]  '<broadcast>' = INADDR_BROADCAST,
//                                                a literal is parsed, anything
//                                                else resolved (first result)
//   AF_UNIX   string or bytes; a leading NUL byte is Linux's abstract namespace
//   AF_NETLINK, AF_PACKET, AF_VSOCK: see lib/linux-address.ts
//   other     the raw struct sockaddr bytes, in and out
// The byte layouts themselves are native's business (native/sys/addr.cc).

import { Buffer } from 'node:buffer';
import { inspect } from 'node:util';

import { native, type GaiFailure, type RawAddrInfo, type RawAddress } from './binding';
import { abortReason, isAborted, listenAbort, offAbort, type AsyncOptions } from './async';
import { AF_INET, AF_INET6, AF_UNIX, EAI_NONAME, EAI_SYSTEM } from './constant-names';
import { constants } from './constants';
import { AddressInfoError, errnoError, raise, type ErrorAddress } from './errors';
import { addrOut } from './fast';
import type { NetlinkAddress, PacketAddress, PacketSocketAddress, VsockAddress } from './family';
import { isLinuxFamily, linuxSockaddr, showAddress } from './linux-address';
import * as v from './validate';

/** An AF_INET address: `[host, port]`, as Python's `(host, port)`. */
export type InetAddress = readonly [host: string, port: number];
/** An AF_INET6 address: `[host, port, flowinfo, scopeId]`; the last two are optional as input. */
export type Inet6Address = readonly [host: string, port: number, flowinfo?: number, scopeId?: number];
/**
 * Any socket address, as accepted by `bind`, `connect`, `sendto`...:
 * an {@link InetAddress}, an {@link Inet6Address}, an AF_UNIX path (a string,
 * or bytes whose first byte is NUL for an abstract name), an AF_NETLINK
 * `[pid, groups]`, an AF_PACKET `[ifname, proto, pkttype?, hatype?,
 * addr?]`, an AF_VSOCK `[cid, port]`, or for any other family the raw
 * `struct sockaddr` bytes.
 */
export type Address = InetAddress | Inet6Address | string | ArrayBufferView | NetlinkAddress | PacketAddress | VsockAddress;
/**
 * An address as bsdsock returns it: `[host, port]` for AF_INET,
 * `[host, port, flowinfo, scopeId]` for AF_INET6, a string for an AF_UNIX
 * filesystem path (`''` when unnamed; a Buffer when the path is not valid
 * UTF-8), a Buffer for an abstract AF_UNIX name, `[pid, groups]` for
 * AF_NETLINK, `[ifname, proto, pkttype, hatype, addr]` for AF_PACKET,
 * `[cid, port]` for AF_VSOCK, and a Buffer for any other family's raw
 * sockaddr.
 */
export type SocketAddress =
  | InetSocketAddress
  | Inet6SocketAddress
  | string
  | Buffer
  | NetlinkAddress
  | PacketSocketAddress
  | VsockAddress;
/** An AF_INET address as bsdsock returns it: `['127.0.0.1', 8080]`. */
export type InetSocketAddress = readonly [host: string, port: number];
/** An AF_INET6 address as bsdsock returns it: `['::1', 8080, flowinfo, scopeId]`. */
export type Inet6SocketAddress = readonly [host: string, port: number, flowinfo: number, scopeId: number];

const eaiNames = new Map<number, string>();
for (const [name, value] of Object.entries(constants)) {
  if (value !== undefined && name.startsWith('EAI_') && !eaiNames.has(value)) eaiNames.set(value, name);
}

/** The error for a failed getaddrinfo/getnameinfo: AddressInfoError, or a SocketError for EAI_SYSTEM. */
export function gaiError(failure: GaiFailure, syscall: string, hostname?: string) {
  if (failure.gai === EAI_SYSTEM) return errnoError(failure.errno, syscall, { address: hostname });
  const code = eaiNames.get(failure.gai) ?? `EAI_${failure.gai}`;
  return new AddressInfoError(failure.gai, code, syscall, native.gaiStrerror(failure.gai), hostname);
}

/** An address as util.inspect of a socket shows it: `'/tmp/s'`, `['127.0.0.1', 80]`, `<Buffer 00 01>`. */
export function formatAddress(address: unknown): string {
  if (typeof address === 'string') return `'${address}'`;
  if (Buffer.isBuffer(address)) return inspect(address);
  if (Array.isArray(address)) return showAddress(address);
  return v.show(address);
}

/** A raw sockaddr, legibly: `<sockaddr 10 00 00 00 00 00 00 00 00 00 00 00>`. */
function hexSockaddr(address: ArrayBufferView): string {
  const hex = v.viewBuffer(address).toString('hex');
  return `<sockaddr${hex.replace(/../g, ' $&')}>`;
}

/**
 * The address and port to show in an error about `address` on a socket of
 * `family`: the host and port of an IP address (as Node's errors), an
 * AF_UNIX path (`@name` for an abstract one), the array of AF_NETLINK,
 * AF_PACKET and AF_VSOCK, and any other family's raw sockaddr in hex.
 */
export function errorWhere(address: unknown, family: number): ErrorAddress {
  if (family !== AF_INET && family !== AF_INET6 && family !== AF_UNIX) {
    if (Array.isArray(address)) return { address: showAddress(address) };
    if (ArrayBuffer.isView(address)) return { address: hexSockaddr(address) };
    return {};
  }
  if (Array.isArray(address)) {
    const [host, port] = address as unknown[];
    return {
      address: typeof host === 'string' ? host : undefined,
      port: typeof port === 'number' ? port : undefined,
    };
  }
  if (typeof address === 'string') return { address };
  if (ArrayBuffer.isView(address) && v.byteLength(address) > 0) {
    const bytes = v.viewBuffer(address);
    // An abstract AF_UNIX name, or a path given as bytes (it holds no NUL).
    if (bytes[0] === 0) return { address: `@${bytes.subarray(1).toString('utf8')}` };
    if (!bytes.includes(0)) return { address: bytes.toString('utf8') };
  }
  return {};
}

/** The first result of a getaddrinfo(3) answer, as [numeric host, scope id]. */
function firstHost(res: RawAddrInfo[] | GaiFailure, host: string): [string, number] {
  if (!Array.isArray(res)) throw gaiError(res, 'getaddrinfo', host);
  const first = res[0];
  const raw = first === undefined ? null : native.decodeSockaddr(first[4], first[4].length);
  // getaddrinfo(3) in an IP family answers with that family's addresses.
  if (!Array.isArray(raw) || typeof raw[0] !== 'string') throw gaiError({ gai: EAI_NONAME, errno: 0 }, 'getaddrinfo', host);
  return [raw[0], raw.length === 4 ? raw[3] : 0];
}

/** A validated AF_INET/AF_INET6 address. */
interface InetParts {
  family: number;
  host: string;
  port: number;
  flowinfo: number;
  scopeId: number;
  scopeGiven: boolean;
}

function parseInet(family: number, address: unknown): InetParts {
  const v6 = family === AF_INET6;
  const shape = v6 ? '[host, port, flowinfo?, scopeId?]' : '[host, port]';
  if (!Array.isArray(address)) {
    throw v.invalidArgType('address', `an array ${shape} for ${v6 ? 'AF_INET6' : 'AF_INET'}`, address);
  }
  const n = address.length;
  if (v6 ? n < 2 || n > 4 : n !== 2) {
    throw v.invalidArgValue('address', `must be ${shape} for ${v6 ? 'AF_INET6' : 'AF_INET'}`, address);
  }
  const host: unknown = address[0];
  if (typeof host !== 'string') throw v.invalidArgType('address[0] (host)', 'of type string', host);
  if (host.includes('\0')) throw v.invalidArgValue('address[0] (host)', 'must not contain null characters', host);
  return {
    family,
    host,
    port: v.port(address[1], 'Port'),
    flowinfo: n > 2 ? v.size(address[2], 'address[2] (flowinfo)', 0xfffff) : 0,
    scopeGiven: n > 3,
    scopeId: n > 3 ? v.size(address[3], 'address[3] (scopeId)', 0xffffffff) : 0,
  };
}

/**
 * The sockaddr for `a` when its host needs no lookup ('' , '<broadcast>', a
 * literal), or null for a name.
 */
function encodeLiteral(a: InetParts, syscall: string): Buffer | null {
  let r: Buffer | number;
  if (a.host === '' || a.host === '<broadcast>') {
    r = native.sockaddrSpecial(a.family, a.host !== '', a.port);
  } else {
    r = native.sockaddrInet(a.family, a.host, a.port, a.flowinfo, a.scopeId, a.scopeGiven);
    if (typeof r === 'number') return null;
  }
  if (typeof r === 'number') raise(r, syscall, { address: a.host, port: a.port });
  return r;
}

/** The sockaddr for `a` with its host resolved to `literal` (scope: the lookup's). */
function encodeResolved(a: InetParts, [literal, scope]: [string, number], syscall: string): Buffer {
  const scopeId = a.scopeGiven ? a.scopeId : scope;
  const r = native.sockaddrInet(a.family, literal, a.port, a.flowinfo, scopeId, a.scopeGiven || scope !== 0);
  if (typeof r === 'number') raise(r, syscall, { address: a.host, port: a.port });
  return r;
}

function inetSockaddr(family: number, address: unknown, syscall: string, resolveNames: boolean): Buffer | null {
  const a = parseInet(family, address);
  const literal = encodeLiteral(a, syscall);
  if (literal !== null || !resolveNames) return literal;
  // Python resolves with a blocking getaddrinfo(3) in the socket's family and
  // keeps the first result.
  return encodeResolved(a, firstHost(native.getaddrinfo(a.host, null, family, 0, 0, 0), a.host), syscall);
}

function unixSockaddr(address: unknown, syscall: string): Buffer {
  let path: Uint8Array;
  if (typeof address === 'string') path = Buffer.from(address, 'utf8');
  else if (ArrayBuffer.isView(address)) path = v.viewBuffer(address);
  else throw v.invalidArgType('address', 'of type string or an instance of Buffer for AF_UNIX', address);
  // The kernel reads a filesystem path up to its first NUL: anything after it
  // would be dropped without a word. (Abstract names start with NUL and may
  // hold more.) CPython passes such a path on; bsdsock refuses it.
  if (path.length > 0 && path[0] !== 0 && path.includes(0)) {
    throw v.invalidArgValue('address', 'must not contain null characters in an AF_UNIX path', address);
  }
  const r = native.sockaddrUnix(path);
  if (typeof r === 'number') raise(r, syscall, errorWhere(address, AF_UNIX));
  return r;
}

/**
 * The struct sockaddr for `address` in `family`, as a Buffer of its exact
 * length. Host names are resolved with a blocking getaddrinfo(3) unless
 * `resolveNames` is false, in which case a name gives null.
 */
export function toSockaddr(family: number, address: unknown, syscall: string, resolveNames: true): Buffer;
export function toSockaddr(family: number, address: unknown, syscall: string, resolveNames: boolean): Buffer | null;
export function toSockaddr(family: number, address: unknown, syscall: string, resolveNames: boolean): Buffer | null {
  if (family === AF_INET || family === AF_INET6) return inetSockaddr(family, address, syscall, resolveNames);
  if (family === AF_UNIX) return unixSockaddr(address, syscall);
  if (isLinuxFamily(family)) return linuxSockaddr(family, address, syscall, resolveNames);
  if (!ArrayBuffer.isView(address)) {
    throw v.invalidArgType('address', 'a raw struct sockaddr (Buffer or TypedArray) for this family', address);
  }
  const length = v.byteLength(address);
  if (length > native.SOCKADDR_STORAGE_SIZE) {
    throw v.outOfRange('address.byteLength', `<= ${native.SOCKADDR_STORAGE_SIZE}`, length);
  }
  return Buffer.from(v.viewBuffer(address));
}

/** getaddrinfo(3) on the libuv thread pool; an abort rejects at once with signal.reason. */
export function getaddrinfoRaw(
  host: string | null,
  service: string | null,
  family: number,
  type: number,
  proto: number,
  flags: number,
  options?: AsyncOptions,
): Promise<RawAddrInfo[] | GaiFailure> {
  const signal = options?.signal;
  if (isAborted(signal)) return Promise.reject(abortReason(signal));
  return new Promise((resolve, reject) => {
    // The lookup itself cannot be cancelled once it runs; an abort just
    // stops waiting for it, and its answer is dropped.
    const onAbort = () => reject(abortReason(signal!));
    if (signal) listenAbort(signal, onAbort);
    native.getaddrinfoAsync(host, service, family, type, proto, flags, (result) => {
      if (signal) offAbort(signal, onAbort);
      resolve(result);
    });
  });
}

/**
 * {@link toSockaddr} for the async methods: a host name is resolved on the
 * libuv thread pool, so the event loop never blocks on it.
 */
export async function toSockaddrAsync(
  family: number,
  address: unknown,
  syscall: string,
  options?: AsyncOptions,
): Promise<Buffer> {
  if (family !== AF_INET && family !== AF_INET6) return toSockaddr(family, address, syscall, true);
  const a = parseInet(family, address);
  const literal = encodeLiteral(a, syscall);
  if (literal !== null) return literal;
  const res = await getaddrinfoRaw(a.host, null, family, 0, 0, 0, options);
  return encodeResolved(a, firstHost(res, a.host), syscall);
}

/**
 * Remembers the sockaddr of the last literal address it encoded, so that a
 * sendto() loop to one peer converts the address once: `[host, port]`
 * arrays (compared element by element, so a reused array that was changed
 * is noticed), AF_UNIX path strings, and byte addresses (compared byte by
 * byte). Names are never cached: like Python, each call resolves them again.
 */
export class SockaddrCache {
  #address: unknown = undefined;
  #sockaddr: Buffer | null = null;

  get(family: number, address: unknown, syscall: string): Buffer {
    return this.literal(family, address, syscall) ?? toSockaddr(family, address, syscall, true);
  }

  /** The sockaddr of `address` if it needs no name lookup, else null. */
  literal(family: number, address: unknown, syscall: string): Buffer | null {
    if (this.#sockaddr !== null && sameAddress(address, this.#address)) return this.#sockaddr;
    const literal = toSockaddr(family, address, syscall, false);
    if (literal === null) return null;
    this.#address = snapshot(address);
    this.#sockaddr = literal;
    return literal;
  }
}

/** A copy of an address that later changes to the caller's object cannot reach. */
export function snapshot(address: unknown): unknown {
  if (Array.isArray(address)) {
    const copy: unknown[] = []; // not slice(), which the array's Symbol.species decides
    for (let i = 0, n = address.length; i < n; i++) copy.push((address as unknown[])[i]);
    return copy;
  }
  if (ArrayBuffer.isView(address)) return Uint8Array.from(v.viewBuffer(address));
  return address; // a string
}

/** Whether `address` is the same as `last`, a {@link snapshot}. */
export function sameAddress(address: unknown, last: unknown): boolean {
  if (typeof address === 'string') return address === last;
  if (Array.isArray(address)) {
    if (!Array.isArray(last) || address.length !== last.length) return false;
    for (let i = 0; i < address.length; i++) if (address[i] !== last[i]) return false;
    return true;
  }
  if (ArrayBuffer.isView(address) && last instanceof Uint8Array) {
    const bytes = v.viewBuffer(address);
    if (bytes.length !== last.length) return false;
    for (let i = 0; i < bytes.length; i++) if (bytes[i] !== last[i]) return false;
    return true;
  }
  return false;
}

// ---- decoding ---------------------------------------------------------------

// The length slot of the shared "address out" buffer (lib/fast.ts). Import
// addrOut from ./fast, not through here: a re-export is an accessor on this
// module's exports, which puts the object in dictionary mode and makes every
// call through it a hash lookup.
const addrOutLen = new Uint32Array(addrOut.buffer, native.SOCKADDR_STORAGE_SIZE, 1);

/** The address family of the sockaddr in {@link addrOut}. */
export function addrOutFamily(): number {
  return native.sockaddrFamily(addrOut, addrOutLen[0]!);
}

function unixPath(raw: Buffer): string | Buffer {
  if (raw.length === 0) return '';
  if (raw[0] === 0) return raw; // abstract: bytes of exact length
  const path = raw.toString('utf8');
  // A path that is not valid UTF-8 stays bytes rather than being mangled.
  return Buffer.byteLength(path) === raw.length && Buffer.from(path, 'utf8').equals(raw) ? path : raw;
}

// The addresses decoded last, reused while the same peers keep sending
// (recvfrom in a loop; a server answering a few clients in turn; two sockets
// of one process talking to each other). Immutable results (frozen arrays,
// strings) are shared between calls; a Buffer (an abstract AF_UNIX name, a
// raw sockaddr) is handed out as a fresh copy each time. CACHED entries,
// replaced in turn; a miss costs a native call and a new array, about
// 2,500 instructions against 60 for a hit (callgrind). AF_PACKET's
// addresses are never kept (see decodeMiss).
// Compared as 32-bit words: a sockaddr_in is 4 of them. Bytes past `len` in
// the last word may differ and only cost a cache miss, never a wrong answer.
const CACHED = 4;
const addrOutWords = new Int32Array(addrOut.buffer, addrOut.byteOffset, addrOut.length >> 2);
const WORDS = addrOutWords.length;
const cachedWords = new Int32Array(WORDS * CACHED);
const cachedLen = new Int32Array(CACHED).fill(-1);
const cachedAddress: Array<SocketAddress | null> = new Array<SocketAddress | null>(CACHED).fill(null);
let nextEntry = 0;

/** Whether cache entry `e` holds the address of `len` bytes at word `at` of `words`. */
function holds(e: number, len: number, words: Int32Array, at: number): boolean {
  if (cachedLen[e] !== len) return false;
  const base = e * WORDS;
  for (let i = 0, n = (len + 3) >> 2; i < n; i++) if (words[at + i] !== cachedWords[base + i]) return false;
  return true;
}

let lastHit = 0;

/** The cache entry holding the address at word `at` of `words` (`len` bytes), or -1; the last one found is tried first. */
function cached(len: number, words: Int32Array, at: number): number {
  if (holds(lastHit, len, words, at)) return lastHit;
  for (let e = 0; e < CACHED; e++) {
    if (e !== lastHit && holds(e, len, words, at)) return (lastHit = e);
  }
  return -1;
}

/**
 * Decodes the address the last native call left in {@link addrOut}; null when
 * there is none (a zero length, as for recvfrom on a connected stream or a
 * datagram from an unbound AF_UNIX socket).
 */
export function decodeAddrOut(): SocketAddress | null {
  return decodeSockaddrAt(addrOut, addrOutWords, 0, addrOutLen[0]!);
}

/**
 * Decodes the sockaddr of `len` bytes at byte `4 * at` of `bytes` (`words`
 * is an Int32Array over the same memory), through the same cache as
 * {@link decodeAddrOut}: the batch calls (lib/mmsg.ts) keep one sockaddr
 * per message. Null for a zero length.
 */
export function decodeSockaddrAt(bytes: Uint8Array, words: Int32Array, at: number, len: number): SocketAddress | null {
  if (len === 0) return null;
  const hit = cached(len, words, at);
  if (hit >= 0) {
    const address = cachedAddress[hit]!;
    return Buffer.isBuffer(address) ? Buffer.from(address) : address;
  }
  return decodeMiss(bytes, words, at, len);
}

/**
 * decodeSockaddrAt when the cache does not hold the address: decoded by
 * native, and kept unless it is AF_PACKET's. Out of line, so that
 * decodeAddrOut stays small enough for V8 to inline into recvfrom.
 */
function decodeMiss(bytes: Uint8Array, words: Int32Array, at: number, len: number): SocketAddress {
  const view = at === 0 ? bytes : bytes.subarray(at * 4, at * 4 + len);
  const raw: RawAddress = native.decodeSockaddr(view, len);
  let decoded: SocketAddress;
  if (Array.isArray(raw)) {
    decoded = Object.freeze(raw);
    // AF_PACKET's, the one with five fields, is not kept: its interface name
    // is looked up afresh for each frame, as CPython does (an interface may
    // be renamed), and its hardware address is a Buffer of the caller's.
    if (raw.length === 5) return decoded;
  } else if (raw === null) decoded = Buffer.from(view.subarray(0, len));
  else decoded = unixPath(raw);
  const e = nextEntry;
  nextEntry = (e + 1) % CACHED;
  lastHit = e;
  const base = e * WORDS;
  for (let i = 0, n = (len + 3) >> 2; i < n; i++) cachedWords[base + i] = words[at + i]!;
  cachedLen[e] = len;
  cachedAddress[e] = Buffer.isBuffer(decoded) ? Buffer.from(decoded) : decoded;
  return decoded;
}
