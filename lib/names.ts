// The module-level half of Python's socket module: the resolver
// (getaddrinfo, getnameinfo, gethostby*), the services and protocols
// databases, address and byte-order conversions, interface names.
//
// The sync functions block like Python's (a DNS lookup can take seconds);
// getaddrinfoAsync and getnameinfoAsync run on the libuv thread pool instead.

import os = require('node:os');

import {
  gaiError,
  getaddrinfoRaw,
  toSockaddr,
  type Inet6Address,
  type Inet6SocketAddress,
  type InetAddress,
  type InetSocketAddress,
  type SocketAddress,
} from './address';
import { abortReason, asyncOptions, isAborted, listenAbort, offAbort, type AsyncOptions } from './async';
import { native, type GaiFailure, type RawAddrInfo } from './binding';
import { AF_INET, AF_INET6, AF_UNSPEC, EAI_NONAME } from './constant-names';
import { AddressInfoError, E, SocketError, errnoName, raise } from './errors';
import * as v from './validate';

/**
 * One getaddrinfo result: `[family, type, proto, canonname, sockaddr]`, as
 * Python's tuple; the family types the address (getaddrinfo(3) gives
 * AF_INET and AF_INET6 addresses only), so that `socket(family, type,
 * proto).connect(sockaddr)` needs no cast.
 */
export type AddrInfo =
  | readonly [family: AF_INET, type: number, proto: number, canonname: string, sockaddr: InetSocketAddress]
  | readonly [family: AF_INET6, type: number, proto: number, canonname: string, sockaddr: Inet6SocketAddress];

/** A host entry: `[hostname, aliases, addresses]`, as Python's gethostbyname_ex. */
export type HostEntry = readonly [hostname: string, aliases: string[], addresses: string[]];

/** A SocketError carrying one of CPython's own messages for errors that have no errno there. */
function osError(errno: number, syscall: string, message: string): SocketError {
  return new SocketError(errno, errnoName(errno), syscall, undefined, message);
}

function hostString(value: unknown, name: string): string {
  if (typeof value !== 'string') throw v.invalidArgType(name, 'of type string', value);
  if (value.includes('\0')) throw v.invalidArgValue(name, 'must not contain null characters', value);
  return value;
}

function optionalHost(value: unknown): string | null {
  return value === null || value === undefined ? null : hostString(value, 'host');
}

/** Python accepts an int or a str as the port (or service) of getaddrinfo. */
function service(port: unknown): string | null {
  if (port === null || port === undefined) return null;
  if (typeof port === 'string') return hostString(port, 'port');
  if (typeof port === 'number') return String(v.port(port, 'Port'));
  throw v.invalidArgType('port', 'of type number, string or null', port);
}

function decodeAll(res: RawAddrInfo[]): AddrInfo[] {
  return res.map(([family, type, proto, canonname, sockaddr]) => {
    const raw = native.decodeSockaddr(sockaddr, sockaddr.length);
    const address: SocketAddress = Array.isArray(raw) ? (Object.freeze(raw) as SocketAddress) : sockaddr;
    return Object.freeze([family, type, proto, canonname, address] as const) as AddrInfo;
  });
}

interface LookupArgs {
  host: string | null;
  service: string | null;
  ints: [number, number, number, number];
}

function lookupArgs(host: unknown, port: unknown, rest: unknown[]): LookupArgs {
  const names = ['family', 'type', 'proto', 'flags'];
  const ints = names.map((name, i) => (rest[i] === undefined ? 0 : v.int32(rest[i], name))) as LookupArgs['ints'];
  return { host: optionalHost(host), service: service(port), ints };
}

/**
 * Translates a host and port into the addresses to connect or bind to:
 * getaddrinfo(3), as Python's `socket.getaddrinfo`. Returns
 * `[family, type, proto, canonname, sockaddr]` entries, the sockaddr in
 * bsdsock's address form (`[host, port]`, `[host, port, flowinfo, scopeId]`).
 * `host` null means the wildcard (with AI_PASSIVE) or loopback; `port` may be
 * a number, a service name ('http') or null. Blocks for as long as the
 * resolver does.
 *
 * @throws {AddressInfoError} with the EAI code, as Python's gaierror
 *   (EAI_NONAME -2, EAI_SERVICE -8, ... on glibc).
 */
export function getaddrinfo(
  host: string | null,
  port: number | string | null,
  ...rest: [] | [family: number] | [family: number, type: number] | [family: number, type: number, proto: number] | [family: number, type: number, proto: number, flags: number]
): AddrInfo[];
export function getaddrinfo(
  host: string | null,
  port: number | string | null,
  family = 0,
  type = 0,
  proto = 0,
  flags = 0,
): AddrInfo[] {
  const a = lookupArgs(host, port, [family, type, proto, flags]);
  const res = native.getaddrinfo(a.host, a.service, ...a.ints);
  if (!Array.isArray(res)) throw gaiError(res, 'getaddrinfo', a.host ?? undefined);
  return decodeAll(res);
}

/**
 * {@link getaddrinfo} on the libuv thread pool: the event loop never blocks.
 * The last argument may be `{ signal }`, after any number of the numeric
 * arguments: an abort rejects at once with `signal.reason` (the lookup
 * itself runs to its end and is dropped).
 */
export async function getaddrinfoAsync(
  host: string | null,
  port: number | string | null,
  ...rest:
    | []
    | [family: number]
    | [family: number, type: number]
    | [family: number, type: number, proto: number]
    | [family: number, type: number, proto: number, flags: number]
    | [family: number, type: number, proto: number, flags: number, options: AsyncOptions | undefined]
    | [options: AsyncOptions]
    | [family: number, options: AsyncOptions]
    | [family: number, type: number, options: AsyncOptions]
    | [family: number, type: number, proto: number, options: AsyncOptions]
): Promise<AddrInfo[]> {
  const args: unknown[] = rest;
  const last = args[args.length - 1];
  const options = typeof last === 'object' && last !== null ? asyncOptions(args.pop()) : undefined;
  const a = lookupArgs(host, port, args);
  const res = await getaddrinfoRaw(a.host, a.service, ...a.ints, options);
  if (!Array.isArray(res)) throw gaiError(res, 'getaddrinfo', a.host ?? undefined);
  return decodeAll(res);
}

/**
 * The sockaddr for getnameinfo: like Python, the host must be a numeric
 * address; `[host, port]` is IPv4 or IPv6, 3 or 4 elements mean IPv6.
 */
function nameinfoSockaddr(sockaddr: unknown): Buffer {
  if (!Array.isArray(sockaddr)) {
    throw v.invalidArgType('sockaddr', 'an array [host, port, flowinfo?, scopeId?]', sockaddr);
  }
  const n = sockaddr.length;
  if (n < 2 || n > 4) throw v.invalidArgValue('sockaddr', 'must be [host, port, flowinfo?, scopeId?]', sockaddr);
  const host = hostString(sockaddr[0], 'sockaddr[0] (host)');
  const port = v.port(sockaddr[1], 'Port');
  const flowinfo = n > 2 ? v.size(sockaddr[2], 'sockaddr[2] (flowinfo)', 0xfffff) : 0;
  const scopeId = n > 3 ? v.size(sockaddr[3], 'sockaddr[3] (scopeId)', 0xffffffff) : 0;
  let v4 = native.sockaddrInet(AF_INET, host, port, 0, 0, false);
  if (typeof v4 === 'number' && !/\s/.test(host)) {
    // getaddrinfo(AI_NUMERICHOST), which Python calls, also takes the
    // inet_aton forms ('127.1', '0x7f000001'), though not trailing text.
    const packed = native.inetAton(host);
    if (packed !== null) v4 = native.sockaddrInet(AF_INET, packed.join('.'), port, 0, 0, false);
  }
  if (typeof v4 !== 'number') {
    if (n > 2) throw v.invalidArgValue('sockaddr', 'must be a 2-element array for an IPv4 address', sockaddr);
    return v4;
  }
  const v6 = native.sockaddrInet(AF_INET6, host, port, flowinfo, scopeId, n > 3);
  if (typeof v6 !== 'number') return v6;
  // Not a numeric address: Python's getaddrinfo(AI_NUMERICHOST) fails so.
  throw gaiError({ gai: EAI_NONAME, errno: 0 }, 'getnameinfo', host);
}

/**
 * The host and service names of a numeric address: getnameinfo(3), as
 * Python's `socket.getnameinfo(sockaddr, flags)`. Returns `[host, service]`,
 * e.g. `['localhost', 'http']` for `['127.0.0.1', 80]`; NI_NUMERICHOST and
 * NI_NUMERICSERV keep them numeric, NI_NAMEREQD makes a missing name an error.
 * The host must be a numeric address; IPv4 ones may take the inet_aton forms
 * ('127.1', '0x7f000001'), as with CPython.
 *
 * @throws {AddressInfoError} EAI_NONAME for a host that is not a numeric address.
 */
export function getnameinfo(sockaddr: InetAddress | Inet6Address, flags: number): readonly [string, string] {
  const sa = nameinfoSockaddr(sockaddr);
  const r = native.getnameinfo(sa, v.int32(flags, 'flags'));
  if (!Array.isArray(r)) throw gaiError(r, 'getnameinfo', (sockaddr as readonly unknown[])[0] as string);
  return r;
}

/** {@link getnameinfo} on the libuv thread pool, with an optional `{ signal }`. */
export async function getnameinfoAsync(
  sockaddr: InetAddress | Inet6Address,
  flags: number,
  options?: AsyncOptions,
): Promise<readonly [string, string]> {
  const sa = nameinfoSockaddr(sockaddr);
  v.int32(flags, 'flags');
  const signal = asyncOptions(options)?.signal;
  if (isAborted(signal)) throw abortReason(signal);
  const r = await new Promise<[string, string] | GaiFailure>((resolve, reject) => {
    const onAbort = () => reject(abortReason(signal!));
    if (signal) listenAbort(signal, onAbort);
    native.getnameinfoAsync(sa, flags, (result) => {
      if (signal) offAbort(signal, onAbort);
      resolve(result);
    });
  });
  if (!Array.isArray(r)) throw gaiError(r, 'getnameinfo', (sockaddr as readonly unknown[])[0] as string);
  return r;
}

/** This machine's host name: gethostname(2). */
export function gethostname(): string {
  const r = native.gethostname();
  if (typeof r === 'number') raise(r, 'gethostname');
  return r;
}

/**
 * Sets this machine's host name: sethostname(2), as Python's
 * `socket.sethostname`. `name` is a string (set as its UTF-8 bytes) or
 * bytes (any ArrayBufferView), all of them: a NUL, which would cut the name
 * short, is refused.
 *
 * It needs CAP_SYS_ADMIN over the process's UTS namespace: without it,
 * EPERM, which Linux checks before the name. A name longer than the kernel
 * takes (64 bytes on Linux) is EINVAL.
 *
 * @throws {TypeError} ERR_INVALID_ARG_TYPE for a name that is neither a
 *   string nor an ArrayBufferView; ERR_INVALID_ARG_VALUE for one holding a NUL.
 * @throws {SocketError} EPERM, EINVAL (syscall `'sethostname'`).
 */
export function sethostname(name: string | ArrayBufferView): void {
  let bytes: Buffer;
  if (typeof name === 'string') bytes = Buffer.from(name, 'utf8');
  else if (ArrayBuffer.isView(name)) bytes = v.viewBuffer(name);
  else throw v.invalidArgType('name', 'of type string or an instance of Buffer, TypedArray, or DataView', name);
  if (bytes.includes(0)) throw v.invalidArgValue('name', 'must not contain null characters', name);
  const r = native.sethostname(bytes);
  if (r < 0) raise(r, 'sethostname');
}

/** The numeric host of `address` resolved in `family` the way socket calls resolve it. */
function resolveHost(family: number, host: unknown, syscall: string): string {
  const sockaddr = toSockaddr(family, [hostString(host, 'hostname'), 0], syscall, true);
  return (native.decodeSockaddr(sockaddr, sockaddr.length) as [string, number])[0];
}

/**
 * The IPv4 address of `hostname`, as a string: Python's
 * `socket.gethostbyname`. Resolves the way socket calls do (`''` is
 * '0.0.0.0', `'<broadcast>'` '255.255.255.255', a literal is itself, a name
 * goes through getaddrinfo(3) in AF_INET). IPv4 only: use getaddrinfo for IPv6.
 */
export function gethostbyname(hostname: string): string {
  return resolveHost(AF_INET, hostname, 'gethostbyname');
}

const hostErrorNames = new Map<number, string>(Object.entries(native.hostErrors).map(([k, n]) => [n, k]));

function hostError(code: number, syscall: string, hostname: string): AddressInfoError {
  const name = hostErrorNames.get(code) ?? `HOST_ERROR_${code}`;
  return new AddressInfoError(code, name, syscall, native.hstrerror(code), hostname);
}

/**
 * `[hostname, aliases, addresses]` for an IPv4 host: Python's
 * `socket.gethostbyname_ex`, with gethostbyname2_r(3).
 *
 * @throws {AddressInfoError} as Python: a gaierror code when the name does not
 *   resolve, an h_errno code (HOST_NOT_FOUND, 1) from the host database.
 */
export function gethostbynameEx(hostname: string): HostEntry {
  resolveHost(AF_INET, hostname, 'gethostbyname_ex'); // as CPython: fail like a socket call first
  const r = native.gethostbyname(hostname, AF_INET);
  if (typeof r === 'number') throw hostError(r, 'gethostbyname_ex', hostname);
  return Object.freeze(r);
}

/**
 * `[hostname, aliases, addresses]` of an address (or of a name, resolved
 * first): a reverse lookup with gethostbyaddr_r(3), as Python's
 * `socket.gethostbyaddr`.
 *
 * @throws {AddressInfoError} code HOST_NOT_FOUND (1) when there is no name
 *   for it (Python: `herror(1, 'Unknown host')`).
 */
export function gethostbyaddr(ipAddress: string): HostEntry {
  hostString(ipAddress, 'ipAddress');
  // As CPython's setipaddr in AF_UNSPEC: '' would mean every wildcard address,
  // '<broadcast>' is INADDR_BROADCAST.
  if (ipAddress === '') throw osError(E.EINVAL, 'gethostbyaddr', 'wildcard resolved to multiple address');
  if (ipAddress === '<broadcast>') ipAddress = '255.255.255.255';
  let family: number = AF_INET;
  let packed = native.inetPton(AF_INET, ipAddress);
  if (typeof packed === 'number') {
    family = AF_INET6;
    packed = native.inetPton(AF_INET6, ipAddress.split('%')[0]!);
  }
  if (typeof packed === 'number') {
    // A name: resolve it first, in any family, as Python's setipaddr does.
    const res = native.getaddrinfo(ipAddress, null, AF_UNSPEC, 0, 0, 0);
    if (!Array.isArray(res) || res.length === 0) {
      throw gaiError(Array.isArray(res) ? { gai: EAI_NONAME, errno: 0 } : res, 'getaddrinfo', ipAddress);
    }
    family = res[0]![0];
    const [host] = native.decodeSockaddr(res[0]![4], res[0]![4].length) as [string, number];
    packed = native.inetPton(family, host) as Buffer;
  }
  const r = native.gethostbyaddr(packed, family);
  if (typeof r === 'number') throw hostError(r, 'gethostbyaddr', ipAddress);
  return Object.freeze(r);
}

/**
 * A fully qualified domain name for `name` (this host when empty): Python's
 * `socket.getfqdn`. The first name containing a dot among the reverse
 * lookup's hostname and aliases, else the hostname; `name` itself (or the
 * host name) when the lookup fails.
 */
export function getfqdn(name = ''): string {
  let n = hostString(name, 'name').trim();
  if (n === '' || n === '0.0.0.0' || n === '::') n = gethostname();
  let entry: HostEntry;
  try {
    entry = gethostbyaddr(n);
  } catch (err) {
    if (err instanceof SocketError) return n;
    throw err;
  }
  const [hostname, aliases] = entry;
  return [hostname, ...aliases].find((a) => a.includes('.')) ?? hostname;
}

/**
 * The port of a service: getservbyname(3), as Python's `socket.getservbyname`
 * (`getservbyname('http')` is 80). `protocolname` is 'tcp', 'udp' or omitted (any).
 *
 * @throws {SocketError} ENOENT 'service/proto not found'.
 */
export function getservbyname(servicename: string, protocolname?: string): number {
  const name = hostString(servicename, 'servicename');
  const proto = protocolname === undefined ? null : hostString(protocolname, 'protocolname');
  const port = native.getservbyname(name, proto);
  if (port < 0) throw osError(E.ENOENT, 'getservbyname', 'service/proto not found');
  return port;
}

/**
 * The name of the service on `port`: getservbyport(3), as Python's
 * `socket.getservbyport` (`getservbyport(80)` is 'http').
 *
 * @throws {RangeError} outside 0-65535. {@link SocketError} ENOENT 'port/proto not found'.
 */
export function getservbyport(port: number, protocolname?: string): string {
  v.port(port, 'port');
  const proto = protocolname === undefined ? null : hostString(protocolname, 'protocolname');
  const name = native.getservbyport(port, proto);
  if (name === null) throw osError(E.ENOENT, 'getservbyport', 'port/proto not found');
  return name;
}

/**
 * The number of a protocol: getprotobyname(3), as Python's
 * `socket.getprotobyname` (`getprotobyname('tcp')` is 6).
 *
 * @throws {SocketError} ENOENT 'protocol not found'.
 */
export function getprotobyname(protocolname: string): number {
  const proto = native.getprotobyname(hostString(protocolname, 'protocolname'));
  if (proto < 0) throw osError(E.ENOENT, 'getprotobyname', 'protocol not found');
  return proto;
}

/**
 * An address string to its packed bytes: inet_pton(3), strict, as Python's
 * `socket.inet_pton` (4 bytes for AF_INET, 16 for AF_INET6).
 *
 * @throws {SocketError} EINVAL 'illegal IP address string passed to inet_pton';
 *   EAFNOSUPPORT for another family.
 */
export function inet_pton(family: number, ipString: string): Buffer {
  v.int32(family, 'family');
  const r = native.inetPton(family, hostString(ipString, 'ipString'));
  if (typeof r !== 'number') return r;
  if (r < 0) raise(r, 'inet_pton');
  throw osError(E.EINVAL, 'inet_pton', 'illegal IP address string passed to inet_pton');
}

/**
 * Packed bytes to an address string: inet_ntop(3), as Python's
 * `socket.inet_ntop`.
 *
 * @throws {TypeError} ERR_INVALID_ARG_VALUE for a length that is not the
 *   family's (4 or 16) or an unknown family (Python: ValueError).
 */
export function inet_ntop(family: number, packedIp: ArrayBufferView): string {
  v.int32(family, 'family');
  const packed = v.writableView(packedIp, 'packedIp');
  if (family !== AF_INET && family !== AF_INET6) {
    throw v.invalidArgValue('family', `must be AF_INET or AF_INET6 (unknown address family ${family})`, family);
  }
  const length = v.byteLength(packed);
  if (length !== (family === AF_INET ? 4 : 16)) {
    throw v.invalidArgValue('packedIp', 'has an invalid length of packed IP address string', length);
  }
  const r = native.inetNtop(family, packed);
  if (typeof r === 'number') raise(r, 'inet_ntop');
  return r;
}

/**
 * An IPv4 address string to 4 packed bytes: inet_aton(3), lax as Python's
 * `socket.inet_aton` ('127.1', hex parts and trailing text after a space are
 * accepted).
 *
 * @throws {SocketError} EINVAL 'illegal IP address string passed to inet_aton'.
 */
export function inet_aton(ipString: string): Buffer {
  const r = native.inetAton(hostString(ipString, 'ipString'));
  if (r === null) throw osError(E.EINVAL, 'inet_aton', 'illegal IP address string passed to inet_aton');
  return r;
}

/**
 * 4 packed bytes to a dotted IPv4 string, as Python's `socket.inet_ntoa`.
 *
 * @throws {SocketError} EINVAL 'packed IP wrong length for inet_ntoa'.
 */
export function inet_ntoa(packedIp: ArrayBufferView): string {
  const packed = v.writableView(packedIp, 'packedIp');
  if (v.byteLength(packed) !== 4) throw osError(E.EINVAL, 'inet_ntoa', 'packed IP wrong length for inet_ntoa');
  return native.inetNtop(AF_INET, packed) as string;
}

// ---- byte order -------------------------------------------------------------

const littleEndian = os.endianness() === 'LE';

function uint(value: unknown, name: string, bits: 16 | 32): number {
  const max = bits === 16 ? 0xffff : 0xffffffff;
  if (typeof value !== 'number') throw v.invalidArgType(name, 'of type number', value);
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw v.outOfRange(name, `an integer >= 0 and <= ${max} (${bits} bits)`, value);
  }
  return value;
}

function swap16(x: number): number {
  return littleEndian ? ((x & 0xff) << 8) | (x >>> 8) : x;
}

function swap32(x: number): number {
  if (!littleEndian) return x;
  return (((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) >>> 0;
}

/** A 16-bit integer from host to network byte order. */
export function htons(x: number): number {
  return swap16(uint(x, 'x', 16));
}

/** A 16-bit integer from network to host byte order. */
export function ntohs(x: number): number {
  return swap16(uint(x, 'x', 16));
}

/** A 32-bit integer from host to network byte order. */
export function htonl(x: number): number {
  return swap32(uint(x, 'x', 32));
}

/** A 32-bit integer from network to host byte order. */
export function ntohl(x: number): number {
  return swap32(uint(x, 'x', 32));
}

// ---- interfaces ---------------------------------------------------------------

/** Every network interface as `[index, name]`: if_nameindex(3). */
export function if_nameindex(): [number, string][] {
  const r = native.ifNameindex();
  if (typeof r === 'number') raise(r, 'if_nameindex');
  return r;
}

/**
 * The index of an interface: if_nametoindex(3).
 *
 * @throws {SocketError} ENODEV 'no interface with this name'.
 */
export function if_nametoindex(ifname: string): number {
  const index = native.ifNametoindex(hostString(ifname, 'ifname'));
  if (index === 0) throw osError(os.constants.errno.ENODEV!, 'if_nametoindex', 'no interface with this name');
  return index;
}

/**
 * The name of an interface: if_indextoname(3).
 *
 * @throws {SocketError} ENXIO (6) for no such index, 0 included.
 */
export function if_indextoname(ifindex: number): string {
  v.size(ifindex, 'ifindex', 0xffffffff);
  const r = native.ifIndextoname(ifindex);
  if (typeof r === 'number') raise(r, 'if_indextoname');
  return r;
}
