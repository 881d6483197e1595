// The C structs of the socket options people use, packed and unpacked
// without struct.pack: Python code builds them with the struct module
// (`struct.pack('4s4s', inet_aton(group), inet_aton(iface))`), and bsdsock
// with these helpers. Every size, offset and field width comes from the
// native module, measured with sizeof and offsetof when the addon was built
// (native/structs.cc), in the platform's byte order. Layouts a platform does
// not have (ip_mreqn, SO_PEERCRED's ucred and TCP_INFO's tcp_info outside
// Linux) are refused with ENOPROTOOPT, as the kernel refuses an option it
// does not know.
//
//   ip_mreq, ip_mreqn, ipv6_mreq   IP_ADD_MEMBERSHIP / IPV6_JOIN_GROUP and
//                                  their DROP/LEAVE twins
//   linger                         SO_LINGER
//   timeval                        SO_RCVTIMEO, SO_SNDTIMEO
//   getPeerCred                    SO_PEERCRED: { pid, uid, gid }
//   getTcpInfo                     TCP_INFO: Linux's struct tcp_info
//   setKeepalive / getKeepalive    SO_KEEPALIVE with TCP_KEEPIDLE,
//                                  TCP_KEEPINTVL, TCP_KEEPCNT

import { Buffer } from 'node:buffer';
import os = require('node:os');

import { native, type FieldLayout } from './binding';
import { AF_INET6, IPPROTO_TCP, SOL_SOCKET, SO_KEEPALIVE, TCP_INFO } from './constant-names';
import { SocketError, errnoName } from './errors';
import { if_nametoindex, inet_aton, inet_pton } from './names';
import { Socket } from './socket';
import * as v from './validate';

const layouts = native.structs;
const LE = os.endianness() === 'LE';
const ENOPROTOOPT = os.constants.errno.ENOPROTOOPT!;

/**
 * The size in bytes of each struct, as C's `sizeof` (Python's
 * `struct.calcsize`): the `buflen` to give getsockopt for it. `undefined`
 * for a struct the platform does not have.
 */
export const sizeof: Readonly<{
  ip_mreq: number;
  ip_mreqn: number | undefined;
  ipv6_mreq: number;
  linger: number;
  timeval: number;
  ucred: number | undefined;
  tcp_info: number | undefined;
}> = Object.freeze({
  ip_mreq: layouts.ip_mreq.size,
  ip_mreqn: layouts.ip_mreqn?.size,
  ipv6_mreq: layouts.ipv6_mreq.size,
  linger: layouts.linger.size,
  timeval: layouts.timeval.size,
  ucred: layouts.peercred?.size,
  tcp_info: layouts.tcp_info?.size,
});

function unsupported(what: string): SocketError {
  return new SocketError(ENOPROTOOPT, errnoName(ENOPROTOOPT), 'getsockopt', undefined, `${what} is not available on this platform`);
}

// ---- integers at a layout's place, in the platform's byte order ----------------

function write(buf: Buffer, [offset, size, signed]: FieldLayout, value: number): void {
  if (size === 8) {
    const big = BigInt(value);
    if (signed && LE) buf.writeBigInt64LE(big, offset);
    else if (signed) buf.writeBigInt64BE(big, offset);
    else if (LE) buf.writeBigUInt64LE(big, offset);
    else buf.writeBigUInt64BE(big, offset);
  } else if (signed && LE) {
    buf.writeIntLE(value, offset, size);
  } else if (signed) {
    buf.writeIntBE(value, offset, size);
  } else if (LE) {
    buf.writeUIntLE(value, offset, size);
  } else {
    buf.writeUIntBE(value, offset, size);
  }
}

function read(buf: Buffer, [offset, size, signed]: FieldLayout): number {
  if (size === 8) return Number(read64(buf, [offset, size, signed]));
  if (signed) return LE ? buf.readIntLE(offset, size) : buf.readIntBE(offset, size);
  return LE ? buf.readUIntLE(offset, size) : buf.readUIntBE(offset, size);
}

function read64(buf: Buffer, [offset, , signed]: FieldLayout): bigint {
  if (signed) return LE ? buf.readBigInt64LE(offset) : buf.readBigInt64BE(offset);
  return LE ? buf.readBigUInt64LE(offset) : buf.readBigUInt64BE(offset);
}

/** The largest value a field holds. */
function maxOf([, size, signed]: FieldLayout): number {
  const bits = size * 8 - (signed ? 1 : 0);
  return bits >= 53 ? Number.MAX_SAFE_INTEGER : 2 ** bits - 1;
}

/** A struct's bytes, given as any view: exactly `size` of them. */
function bytesOf(data: unknown, size: number, name: string): Buffer {
  const view = v.writableView(data, 'data');
  const length = v.byteLength(view);
  if (length !== size) throw v.outOfRange('data.byteLength', `${size}, the size of struct ${name}`, length);
  return v.viewBuffer(view);
}

/** An interface given by index, or by name (if_nametoindex). */
function ifindex(value: unknown, name: string): number {
  if (typeof value === 'string') return if_nametoindex(value);
  return v.size(value, name, 0xffffffff);
}

// ---- multicast membership -----------------------------------------------------

/**
 * A `struct ip_mreq` for IP_ADD_MEMBERSHIP and IP_DROP_MEMBERSHIP (level
 * IPPROTO_IP): the group, and the address of the local interface that
 * joins it (`'0.0.0.0'`, the default, lets the kernel choose). Both are
 * IPv4 strings, read by inet_aton as Python's recipe does.
 *
 * Python: `struct.pack('4s4s', socket.inet_aton(group), socket.inet_aton(iface))`.
 *
 * @example
 * s.setsockopt(IPPROTO_IP, IP_ADD_MEMBERSHIP, ip_mreq('239.1.2.3', '127.0.0.1'));
 * @throws {SocketError} EINVAL for an address inet_aton refuses.
 */
export function ip_mreq(multiaddr: string, iface = '0.0.0.0'): Buffer {
  const l = layouts.ip_mreq;
  const buf = Buffer.alloc(l.size);
  inet_aton(multiaddr).copy(buf, l.imr_multiaddr[0]);
  inet_aton(iface).copy(buf, l.imr_interface[0]);
  return buf;
}

/**
 * A `struct ip_mreqn` (Linux) for IP_ADD_MEMBERSHIP and IP_DROP_MEMBERSHIP,
 * or IP_MULTICAST_IF: the group, a local address, and an interface by
 * index or by name (0, the default, lets the kernel choose).
 *
 * Python: `struct.pack('4s4si', inet_aton(group), inet_aton(address), ifindex)`.
 *
 * @throws {SocketError} ENOPROTOOPT outside Linux; EINVAL for a bad
 *   address; ENODEV for an unknown interface name.
 */
export function ip_mreqn(multiaddr: string, address = '0.0.0.0', iface: number | string = 0): Buffer {
  const l = layouts.ip_mreqn;
  if (l === null) throw unsupported('struct ip_mreqn');
  const buf = Buffer.alloc(l.size);
  inet_aton(multiaddr).copy(buf, l.imr_multiaddr[0]);
  inet_aton(address).copy(buf, l.imr_address[0]);
  const index = ifindex(iface, 'iface');
  if (index > maxOf(l.imr_ifindex)) throw v.outOfRange('iface', `<= ${maxOf(l.imr_ifindex)}`, index);
  write(buf, l.imr_ifindex, index);
  return buf;
}

/**
 * A `struct ipv6_mreq` for IPV6_JOIN_GROUP and IPV6_LEAVE_GROUP (level
 * IPPROTO_IPV6): the group, an IPv6 string read by inet_pton, and the
 * interface by index or by name (0, the default, lets the kernel choose).
 *
 * Python: `struct.pack('16sI', socket.inet_pton(AF_INET6, group), ifindex)`.
 *
 * @throws {SocketError} EINVAL for an address that is not IPv6; ENODEV for
 *   an unknown interface name.
 */
export function ipv6_mreq(multiaddr: string, iface: number | string = 0): Buffer {
  const l = layouts.ipv6_mreq;
  const buf = Buffer.alloc(l.size);
  inet_pton(AF_INET6, multiaddr).copy(buf, l.ipv6mr_multiaddr[0]);
  write(buf, l.ipv6mr_interface, ifindex(iface, 'iface'));
  return buf;
}

// ---- SO_LINGER ---------------------------------------------------------------------

/** A `struct linger`, as unpacked. */
export interface Linger {
  /** Nonzero: close() lingers (or resets, with `l_linger` 0). */
  l_onoff: number;
  /** How long close() waits for unsent data, in seconds. */
  l_linger: number;
}

/**
 * A `struct linger` for SO_LINGER: `linger(true, 0)` makes close() reset
 * the connection (RST) instead of closing it gracefully; `linger(true, 5)`
 * makes it wait up to 5 s for unsent data.
 *
 * Python: `struct.pack('ii', 1, 0)`.
 */
export function linger(onoff: boolean | number, seconds: number): Buffer {
  if (typeof onoff !== 'boolean') v.int32(onoff, 'onoff');
  const l = layouts.linger;
  const buf = Buffer.alloc(l.size);
  write(buf, l.l_onoff, onoff ? 1 : 0);
  write(buf, l.l_linger, v.int32(seconds, 'seconds'));
  return buf;
}

/**
 * A `struct linger` read back: `unpackLinger(s.getsockopt(SOL_SOCKET,
 * SO_LINGER, sizeof.linger))`.
 *
 * Python: `struct.unpack('ii', s.getsockopt(SOL_SOCKET, SO_LINGER, 8))`.
 *
 * @throws {RangeError} when `data` is not `sizeof.linger` bytes.
 */
export function unpackLinger(data: ArrayBufferView): Linger {
  const l = layouts.linger;
  const buf = bytesOf(data, l.size, 'linger');
  return { l_onoff: read(buf, l.l_onoff), l_linger: read(buf, l.l_linger) };
}

// ---- SO_RCVTIMEO, SO_SNDTIMEO -------------------------------------------------------

/**
 * A `struct timeval` of `seconds` (fractions to the microsecond, rounded),
 * for SO_RCVTIMEO and SO_SNDTIMEO: the kernel's own timeout on a blocking
 * socket, after which a call fails with EAGAIN (not bsdsock's settimeout,
 * which throws SocketTimeoutError). 0 means no timeout.
 *
 * Python: `struct.pack('ll', int(t), int(t % 1 * 1e6))`.
 *
 * @throws {RangeError} for a negative, non-finite or too large number.
 */
export function timeval(seconds: number): Buffer {
  const l = layouts.timeval;
  const max = maxOf(l.tv_sec);
  if (typeof seconds !== 'number') throw v.invalidArgType('seconds', 'of type number', seconds);
  if (!(seconds >= 0 && seconds <= max)) throw v.outOfRange('seconds', `a number >= 0 and <= ${max}`, seconds);
  let sec = Math.floor(seconds);
  let usec = Math.round((seconds - sec) * 1e6);
  if (usec >= 1e6) {
    sec += 1;
    usec -= 1e6;
  }
  const buf = Buffer.alloc(l.size);
  write(buf, l.tv_sec, sec);
  write(buf, l.tv_usec, usec);
  return buf;
}

/**
 * A `struct timeval` read back, in seconds: `unpackTimeval(s.getsockopt(
 * SOL_SOCKET, SO_RCVTIMEO, sizeof.timeval))`.
 *
 * Python: `sec, usec = struct.unpack('ll', data); sec + usec / 1e6`.
 *
 * @throws {RangeError} when `data` is not `sizeof.timeval` bytes.
 */
export function unpackTimeval(data: ArrayBufferView): number {
  const l = layouts.timeval;
  const buf = bytesOf(data, l.size, 'timeval');
  return read(buf, l.tv_sec) + read(buf, l.tv_usec) / 1e6;
}

// ---- SO_PEERCRED --------------------------------------------------------------------

/** The credentials of the process at the other end of an AF_UNIX socket. */
export interface PeerCred {
  pid: number;
  uid: number;
  gid: number;
}

/**
 * SO_PEERCRED's `struct ucred` (Linux), from the bytes getsockopt gave.
 *
 * Python: `struct.unpack('3i', data)`.
 *
 * @throws {RangeError} when `data` is not `sizeof.ucred` bytes.
 * @throws {SocketError} ENOPROTOOPT outside Linux.
 */
export function unpackPeerCred(data: ArrayBufferView): PeerCred {
  const l = layouts.peercred;
  if (l === null) throw unsupported('SO_PEERCRED');
  const buf = bytesOf(data, l.size, 'ucred');
  return { pid: read(buf, l.pid), uid: read(buf, l.uid), gid: read(buf, l.gid) };
}

function socketArg(sock: unknown): Socket {
  if (!(sock instanceof Socket)) throw v.invalidArgType('sock', 'an instance of Socket', sock);
  return sock;
}

/**
 * The pid, uid and gid of the process at the other end of a connected
 * AF_UNIX socket (as they were when it connected, or made the pair):
 * getsockopt(SO_PEERCRED), Linux.
 *
 * Python: `struct.unpack('3i', s.getsockopt(SOL_SOCKET, SO_PEERCRED, struct.calcsize('3i')))`.
 *
 * @throws {SocketError} ENOPROTOOPT outside Linux (and from the kernel for
 *   a socket that is not AF_UNIX); EBADF on a closed socket.
 */
export function getPeerCred(sock: Socket): PeerCred {
  const l = layouts.peercred;
  if (l === null) throw unsupported('SO_PEERCRED');
  return unpackPeerCred(socketArg(sock).getsockopt(l.level, l.name, l.size));
}

// ---- TCP_INFO -----------------------------------------------------------------------

/**
 * Linux's `struct tcp_info` (TCP_INFO), field by field, with the kernel's
 * names (linux/tcp.h): times in microseconds (`tcpi_rtt`, `tcpi_rto`...)
 * or milliseconds (`tcpi_last_data_recv`...), sizes in bytes, counts in
 * segments. The 64-bit counters are bigints (`tcpi_max_pacing_rate` is
 * 2^64 - 1, unlimited, by default). A field is present only if both the
 * kernel that answered and the headers bsdsock was built with know it: the
 * kernel gives as much of the struct as it has, no more than was asked for.
 */
export interface TcpInfo {
  /** TCP_ESTABLISHED (1), TCP_LISTEN (10)... */
  tcpi_state: number;
  tcpi_ca_state: number;
  tcpi_retransmits: number;
  tcpi_probes: number;
  tcpi_backoff: number;
  /** TCPI_OPT_TIMESTAMPS (1), TCPI_OPT_SACK (2), TCPI_OPT_WSCALE (4), TCPI_OPT_ECN (8)... */
  tcpi_options: number;
  tcpi_snd_wscale: number;
  tcpi_rcv_wscale: number;
  tcpi_delivery_rate_app_limited?: number;
  tcpi_fastopen_client_fail?: number;
  tcpi_rto: number;
  tcpi_ato: number;
  tcpi_snd_mss: number;
  tcpi_rcv_mss: number;
  tcpi_unacked: number;
  tcpi_sacked: number;
  tcpi_lost: number;
  tcpi_retrans: number;
  tcpi_fackets: number;
  tcpi_last_data_sent: number;
  tcpi_last_ack_sent: number;
  tcpi_last_data_recv: number;
  tcpi_last_ack_recv: number;
  tcpi_pmtu: number;
  tcpi_rcv_ssthresh: number;
  /** Smoothed round-trip time, µs. */
  tcpi_rtt: number;
  tcpi_rttvar: number;
  tcpi_snd_ssthresh: number;
  /** Congestion window, in segments. */
  tcpi_snd_cwnd: number;
  tcpi_advmss: number;
  tcpi_reordering: number;
  tcpi_rcv_rtt: number;
  tcpi_rcv_space: number;
  tcpi_total_retrans: number;
  tcpi_pacing_rate?: bigint;
  tcpi_max_pacing_rate?: bigint;
  tcpi_bytes_acked?: bigint;
  tcpi_bytes_received?: bigint;
  tcpi_segs_out?: number;
  tcpi_segs_in?: number;
  tcpi_notsent_bytes?: number;
  tcpi_min_rtt?: number;
  tcpi_data_segs_in?: number;
  tcpi_data_segs_out?: number;
  tcpi_delivery_rate?: bigint;
  tcpi_busy_time?: bigint;
  tcpi_rwnd_limited?: bigint;
  tcpi_sndbuf_limited?: bigint;
  tcpi_delivered?: number;
  tcpi_delivered_ce?: number;
  tcpi_bytes_sent?: bigint;
  tcpi_bytes_retrans?: bigint;
  tcpi_dsack_dups?: number;
  tcpi_reord_seen?: number;
  tcpi_rcv_ooopack?: number;
  tcpi_snd_wnd?: number;
  tcpi_rcv_wnd?: number;
  tcpi_rehash?: number;
  tcpi_total_rto?: number;
  tcpi_total_rto_recoveries?: number;
  tcpi_total_rto_time?: number;
}

/** The fields every Linux kernel gives (up to tcpi_total_retrans, 104 bytes since 2.6). */
const TCPI_REQUIRED = 'tcpi_total_retrans';

/**
 * Linux's `struct tcp_info` from the bytes getsockopt(TCP_INFO) gave,
 * reading only the fields that fit in them: a kernel older than the
 * headers gives fewer bytes, and the fields it lacks are left out.
 *
 * Python: `struct.unpack('7B2x24I...', data)`, offsets and all by hand.
 *
 * @throws {RangeError} when `data` is shorter than the fields every kernel
 *   gives (up to tcpi_total_retrans).
 * @throws {SocketError} ENOPROTOOPT outside Linux.
 */
export function unpackTcpInfo(data: ArrayBufferView): TcpInfo {
  const l = layouts.tcp_info;
  if (l === null) throw unsupported('TCP_INFO');
  const view = v.writableView(data, 'data');
  const buf = v.viewBuffer(view);
  const required = l.fields.find(([name]) => name === TCPI_REQUIRED)?.[1];
  const least = required === undefined ? 0 : required[0] + required[1];
  if (buf.length < least) throw v.outOfRange('data.byteLength', `>= ${least}, the fields of struct tcp_info every kernel gives`, buf.length);
  const info: Record<string, number | bigint> = {};
  for (const [name, [byte, shift, width]] of l.bits) {
    if (byte < buf.length) info[name] = (buf[byte]! >> shift) & ((1 << width) - 1);
  }
  for (const [name, field] of l.fields) {
    if (field[0] + field[1] > buf.length) continue;
    info[name] = field[1] === 8 ? read64(buf, field) : read(buf, field);
  }
  return info as unknown as TcpInfo;
}

/**
 * The connection's state and statistics: getsockopt(TCP_INFO), Linux's
 * `struct tcp_info` as an object (see {@link TcpInfo}).
 *
 * Python: `struct.unpack(fmt, s.getsockopt(IPPROTO_TCP, TCP_INFO, 232))`
 * with `fmt` and the names written out by hand.
 *
 * @throws {SocketError} ENOPROTOOPT outside Linux (and from the kernel on a
 *   socket that is not TCP); EBADF on a closed socket.
 */
export function getTcpInfo(sock: Socket): TcpInfo {
  const l = layouts.tcp_info;
  if (l === null || TCP_INFO === undefined) throw unsupported('TCP_INFO');
  return unpackTcpInfo(socketArg(sock).getsockopt(IPPROTO_TCP, TCP_INFO, l.size));
}

// ---- TCP keepalive --------------------------------------------------------------------

/** TCP keepalive, as setKeepalive() takes it: each given value is set, the others left as they are. */
export interface KeepaliveOptions {
  /** Seconds of idleness before the first probe (TCP_KEEPIDLE; TCP_KEEPALIVE on macOS). */
  idle?: number;
  /** Seconds between probes (TCP_KEEPINTVL). */
  interval?: number;
  /** Probes unanswered before the connection is dropped (TCP_KEEPCNT). */
  count?: number;
}

/** TCP keepalive as getKeepalive() reads it; null for an option the platform lacks. */
export interface KeepaliveState {
  enabled: boolean;
  idle: number | null;
  interval: number | null;
  count: number | null;
}

const keepaliveNames = ['idle', 'interval', 'count'] as const;

/**
 * Turns TCP keepalive on, with the idle time, probe interval and probe
 * count given (each a whole number, set with its own setsockopt(2) at
 * level IPPROTO_TCP); `false` turns it off. Values the kernel refuses
 * (Linux: idle and interval 1-32767, count 1-127) are EINVAL.
 *
 * Python: `s.setsockopt(SOL_SOCKET, SO_KEEPALIVE, 1)` then
 * `s.setsockopt(IPPROTO_TCP, TCP_KEEPIDLE, idle)` and likewise for
 * TCP_KEEPINTVL and TCP_KEEPCNT.
 *
 * @throws {SocketError} ENOPROTOOPT for a value whose option this platform
 *   lacks (checked before anything is set).
 */
export function setKeepalive(sock: Socket, options: KeepaliveOptions | false): void {
  const s = socketArg(sock);
  if (options === false) {
    s.setsockopt(SOL_SOCKET, SO_KEEPALIVE, 0);
    return;
  }
  if (typeof options !== 'object' || options === null) throw v.invalidArgType('options', 'of type object or false', options);
  const wanted: Array<[number, number]> = [];
  for (const key of keepaliveNames) {
    const value: unknown = options[key];
    if (value === undefined) continue;
    const n = v.size(value, `options.${key}`, 2147483647);
    const name = layouts.keepalive[key];
    if (name === null) throw unsupported(`TCP keepalive ${key}`);
    wanted.push([name, n]);
  }
  s.setsockopt(SOL_SOCKET, SO_KEEPALIVE, 1);
  for (const [name, n] of wanted) s.setsockopt(IPPROTO_TCP, name, n);
}

/** TCP keepalive as it is: SO_KEEPALIVE, and the idle time, interval and count. */
export function getKeepalive(sock: Socket): KeepaliveState {
  const s = socketArg(sock);
  const get = (name: number | null): number | null => (name === null ? null : s.getsockopt(IPPROTO_TCP, name));
  return {
    enabled: s.getsockopt(SOL_SOCKET, SO_KEEPALIVE) !== 0,
    idle: get(layouts.keepalive.idle),
    interval: get(layouts.keepalive.interval),
    count: get(layouts.keepalive.count),
  };
}
