// The native module, typed. Every function here is one thin binding over one
// POSIX call (see native/): it returns its result (>= 0) or -errno, and throws
// only for a programming error (a wrong argument type, a range outside a
// buffer), which the rest of lib/ rules out before calling.

import { addon } from './addon';

/** Bytes in, as the native side reads them: any TypedArray, Buffer or DataView. */
export type Bytes = ArrayBufferView;

/**
 * An "address out" buffer (native's kAddrOutSize bytes): the call writes a
 * sockaddr into its first `SOCKADDR_STORAGE_SIZE` bytes and the address length
 * as a native-endian uint32 right after.
 */
export type AddrOut = Uint8Array;

/** One getaddrinfo(3) result: [family, type, proto, canonname, sockaddr]. */
export type RawAddrInfo = [number, number, number, string, Buffer];

/** A getaddrinfo(3) failure: the EAI_* code, and errno for EAI_SYSTEM. */
export interface GaiFailure {
  gai: number;
  errno: number;
}

/** What decodeSockaddr returns for each family. */
export type RawAddress =
  | [host: string, port: number]
  | [host: string, port: number, flowinfo: number, scopeId: number]
  | [pid: number, groups: number] // AF_NETLINK; AF_VSOCK's [cid, port]
  | [ifname: string, proto: number, pkttype: number, hatype: number, addr: Buffer] // AF_PACKET
  | Buffer // AF_UNIX: the path's bytes
  | null; // any other family

/**
 * One uv_poll_t on the env's own loop (native/poller.cc). Reports readiness
 * only; close() it before the fd is closed.
 */
export interface NativePoller {
  /** 0, or the -errno of uv_poll_init (EEXIST: the fd is already polled). */
  status(): number;
  /** Watches for UV_READABLE | UV_WRITABLE; 0 stops. Returns 0 or -errno. */
  start(events: number): number;
  stop(): void;
  close(): void;
  ref(): void;
  unref(): void;
  /**
   * Three int32 slots shared with native code: what lib/ wants (1: keep the
   * loop alive), whether the handle is ref'd, whether its callback is
   * running. Undefined after a failed uv_poll_init.
   */
  shared(): ArrayBuffer | undefined;
}

/** [offset, size, signed] of a struct field. */
export type FieldLayout = readonly [offset: number, size: number, signed: boolean];
/** [byte, shift, width] of a bit field. */
export type BitsLayout = readonly [byte: number, shift: number, width: number];

/** The struct layouts native/structs.cc measures. */
export interface NativeStructs {
  ip_mreq: { size: number; imr_multiaddr: FieldLayout; imr_interface: FieldLayout };
  ip_mreqn: { size: number; imr_multiaddr: FieldLayout; imr_address: FieldLayout; imr_ifindex: FieldLayout } | null;
  ipv6_mreq: { size: number; ipv6mr_multiaddr: FieldLayout; ipv6mr_interface: FieldLayout };
  linger: { size: number; l_onoff: FieldLayout; l_linger: FieldLayout };
  timeval: { size: number; tv_sec: FieldLayout; tv_usec: FieldLayout };
  /** SO_PEERCRED's struct ucred, with the option's level and name. */
  peercred: { size: number; level: number; name: number; pid: FieldLayout; uid: FieldLayout; gid: FieldLayout } | null;
  /** struct tcp_info: its fields in order, and its bit fields. */
  tcp_info: { size: number; fields: Array<[string, FieldLayout]>; bits: Array<[string, BitsLayout]> } | null;
  /** The options of TCP keepalive's idle time, interval and count; null where there is none. */
  keepalive: { idle: number | null; interval: number | null; count: number | null };
}

export interface Native {
  // lifecycle (native/calls.cc)
  socket(family: number, type: number, proto: number): number;
  socketpair(family: number, type: number, proto: number, out: Int32Array): number;
  bind(fd: number, sockaddr: Bytes): number;
  listen(fd: number, backlog: number): number;
  accept(fd: number, nonblock: boolean, addr: AddrOut): number;
  connect(fd: number, sockaddr: Bytes): number;
  /** accept() that never blocks, even on a blocking fd. */
  acceptNowait(fd: number, nonblock: boolean, addr: AddrOut): number;
  /**
   * AF_UNIX in timeout mode after EAGAIN (a full backlog): the kernel's wait
   * for room, up to `timeoutMs`; 0, -errno, or -EAGAIN when the time is up.
   */
  connectWait(fd: number, sockaddr: Bytes, timeoutMs: number): number;
  /** connect() that never blocks, even on a blocking fd: 0 or -EINPROGRESS. */
  connectNowait(fd: number, sockaddr: Bytes): number;
  shutdown(fd: number, how: number): number;
  /** Marks fd as owned by this env: closed when the env ends (a worker's end), unless closed or disowned first. */
  own(fd: number): void;
  /** The fd was handed over (detach()): the env's end leaves it open. */
  disown(fd: number): void;
  /** close(2); the fd is no longer owned. */
  close(fd: number): number;
  dup(fd: number): number;
  getsockname(fd: number, addr: AddrOut): number;
  getpeername(fd: number, addr: AddrOut): number;
  setNonblocking(fd: number, on: boolean): number;
  getNonblocking(fd: number): number;
  getInheritable(fd: number): number;
  setInheritable(fd: number, on: boolean): number;
  /** poll(2) on one fd: revents, 0 on timeout, or -errno. */
  wait(fd: number, events: number, timeoutMs: number): number;

  // the hot path (native/io.cc): arguments and result in `frame` (lib/fast.ts)
  /** Float64Array slots: 0 fd, 1 offset, 2 length, 3 flags, 4 sockaddr length or level, 5 name, 6 value, 7 result. */
  readonly frame: ArrayBuffer;
  /** The sockaddr for sendto(). */
  readonly addrIn: ArrayBuffer;
  /** The sockaddr recvfrom() fills, its length (uint32) after SOCKADDR_STORAGE_SIZE bytes. */
  readonly addrOut: ArrayBuffer;
  recv(view: Bytes): void;
  send(view: Bytes): void;
  recvfrom(view: Bytes): void;
  sendto(view: Bytes): void;
  getsockoptInt(): void;
  /** recv(2) into a receive pool slab (lib/pool.ts) at the frame's offset and length (> 0); a small result copied to `small`. */
  recvPool(slab: ArrayBuffer, small?: ArrayBuffer): void;
  /** recvfrom(2) into a receive pool slab, the sender in addrOut; a small result copied to `small`. */
  recvfromPool(slab: ArrayBuffer, small?: ArrayBuffer): void;

  // messages (native/msg.cc)
  /** sendmsg(2) of `buffers` with `cmsgs` (level, type, data, level, ...) to `sockaddr` (null: none); fd, flags and result in the frame. */
  sendmsg(buffers: Bytes[], cmsgs: Array<number | Bytes>, sockaddr: Bytes | null): void;
  /**
   * recvmsg(2) into `buffers`, the frame's fd, flags and ancbufsize in, the
   * result, msg_flags and malformed out, the sender in addrOut: the
   * ancillary items (level, type, data, level, ...), or undefined for none.
   */
  recvmsgViews(buffers: Bytes[]): Array<number | Buffer> | undefined;
  /** recvmsgViews into a receive pool slab, as recvPool. */
  recvmsgPool(slab: ArrayBuffer, small?: ArrayBuffer): Array<number | Buffer> | undefined;
  cmsgLen(length: number): number;
  cmsgSpace(length: number): number;

  // batches (native/mmsg.cc): the mmsg memory's layout is described there
  /** sendmmsg(2) of the frame's count of messages, one per view: fd, flags, count, capacity in; the count sent or -errno out. */
  sendmmsg(mem: ArrayBuffer, ...views: Bytes[]): void;
  /**
   * recvmmsg(2) of up to the frame's count of messages, one into each view
   * or into the memory `cache` (from viewCache, or undefined) kept for it;
   * the results in `mem`. Views past the count, and those the cache gives,
   * are not looked at (lib/ passes a fixed number of them, some undefined).
   */
  recvmmsgViews(mem: ArrayBuffer, cache: unknown, ...views: Array<Bytes | undefined>): void;
  /** A view cache of `cap` slots for recvmmsgViews (lib/view-cache.ts): an External. */
  viewCache(cap: number): unknown;
  /** recvmmsg(2) into a receive pool slab (lib/pool.ts), small results copied to `small`. */
  recvmmsgPool(slab: ArrayBuffer, small: ArrayBuffer, mem: ArrayBuffer): void;
  /** The most messages one batch call takes (UIO_MAXIOV). */
  readonly MMSG_MAX: number;
  /** The bytes of each sockaddr slot of the mmsg memory. */
  readonly MMSG_NAME_SIZE: number;

  // sendfile (native/sendfile.cc)
  /** sendfile(2) of up to `count` bytes of `inFd` from `offset`: bytes sent, or -errno (-ENOSYS: not on this platform). */
  sendfile(outFd: number, inFd: number, offset: number, count: number): number;
  /** sendfile() that never blocks, even on a blocking socket. */
  sendfileNowait(outFd: number, inFd: number, offset: number, count: number): number;
  /** lseek(2): the new position, or -errno. */
  lseek(fd: number, offset: number, whence: number): number;
  readonly SEEK_SET: number;
  readonly SEEK_CUR: number;

  // addresses (native/address.cc)
  sockaddrInet(
    family: number,
    host: string,
    port: number,
    flowinfo: number,
    scopeId: number,
    scopeGiven: boolean,
  ): Buffer | number;
  sockaddrSpecial(family: number, broadcast: boolean, port: number): Buffer | number;
  sockaddrUnix(path: Bytes): Buffer | number;
  // native/families.cc: -EAFNOSUPPORT where the platform lacks the family
  sockaddrNetlink(pid: number, groups: number): Buffer | number;
  /** -EINVAL for more than 8 bytes of `addr`. */
  sockaddrPacket(ifindex: number, proto: number, pkttype: number, hatype: number, addr: Bytes): Buffer | number;
  sockaddrVsock(cid: number, port: number): Buffer | number;
  decodeSockaddr(sockaddr: Bytes, length: number): RawAddress;
  sockaddrFamily(sockaddr: Bytes, length: number): number;
  getaddrinfo(
    host: string | null,
    service: string | null,
    family: number,
    type: number,
    proto: number,
    flags: number,
  ): RawAddrInfo[] | GaiFailure;
  /** getaddrinfo(3) on the libuv thread pool; the callback gets what getaddrinfo() returns. */
  getaddrinfoAsync(
    host: string | null,
    service: string | null,
    family: number,
    type: number,
    proto: number,
    flags: number,
    callback: (result: RawAddrInfo[] | GaiFailure) => void,
  ): void;
  gaiStrerror(code: number): string;

  // names and numbers (native/names.cc)
  getnameinfo(sockaddr: Bytes, flags: number): [host: string, service: string] | GaiFailure;
  getnameinfoAsync(
    sockaddr: Bytes,
    flags: number,
    callback: (result: [host: string, service: string] | GaiFailure) => void,
  ): void;
  gethostname(): string | number;
  /** sethostname(2): 0 or -errno. */
  sethostname(name: Bytes): number;
  /** Whether the addon was built with IPv6 (CPython's has_ipv6). */
  readonly HAS_IPV6: boolean;
  /** [name, aliases, addresses], or the h_errno value (> 0). */
  gethostbyname(name: string, family: number): [string, string[], string[]] | number;
  gethostbyaddr(packed: Bytes, family: number): [string, string[], string[]] | number;
  hstrerror(code: number): string;
  /** The port, or -1 if not found. */
  getservbyname(name: string, proto: string | null): number;
  getservbyport(port: number, proto: string | null): string | null;
  /** The protocol number, or -1 if not found. */
  getprotobyname(name: string): number;
  /** The packed address, 0 if `text` is not an address of `family`, or -errno. */
  inetPton(family: number, text: string): Buffer | number;
  inetNtop(family: number, packed: Bytes): string | number;
  inetAton(text: string): Buffer | null;
  /** The index, 0 if there is no such interface. */
  ifNametoindex(name: string): number;
  ifIndextoname(index: number): string | number;
  ifNameindex(): [number, string][] | number;
  readonly hostErrors: Readonly<Record<'HOST_NOT_FOUND' | 'TRY_AGAIN' | 'NO_RECOVERY' | 'NO_DATA', number>>;

  // readiness (native/poller.cc, native/multiplex.cc)
  Poller: new (fd: number, callback: (status: number, events: number) => void) => NativePoller;
  /** Poll handles of this env not yet closed. */
  pollerCount(): number;
  readonly UV_READABLE: number;
  readonly UV_WRITABLE: number;
  /** poll(2) over n fds: the ready count, 0 on timeout, or -errno; revents filled in. */
  poll(fds: Int32Array, events: Int32Array, revents: Int32Array, n: number, timeoutMs: number): number;
  /** Linux only. */
  epollCreate?(): number;
  epollCtl?(epfd: number, op: number, fd: number, events: number): number;
  epollWait?(epfd: number, fds: Int32Array, events: Uint32Array, max: number, timeoutMs: number): number;
  readonly EPOLL_CTL_ADD?: number;
  readonly EPOLL_CTL_MOD?: number;
  readonly EPOLL_CTL_DEL?: number;

  // options (native/options.cc)
  getsockoptBuf(fd: number, level: number, name: number, buf: Bytes): number;
  setsockoptInt(fd: number, level: number, name: number, value: number): number;
  setsockoptBuf(
    fd: number,
    level: number,
    name: number,
    buf: Bytes,
    offset: number,
    length: number,
  ): number;
  setsockoptNull(fd: number, level: number, name: number, optlen: number): number;

  // errno names and descriptions (native/errors.cc)
  /** [value, name, description, value, ...] for every errno value the platform names, in increasing order. */
  errnoTable(): Array<number | string>;
  /** strerror_r(3): the C library's description of any int. */
  strerror(errno: number): string;

  /** The layouts of the option structs, measured at build time (native/structs.cc); null where the platform lacks one. */
  readonly structs: NativeStructs;

  /** Every constant the platform defines (native/constants.cc). */
  readonly constants: Readonly<Record<string, number>>;
  readonly SOCKADDR_STORAGE_SIZE: number;
}

// The addon's exports object holds enough functions for V8 to keep it in
// dictionary mode, where every `native.f` is a hash lookup through the LoadIC
// builtin; a copy made by an object literal has fast properties, which
// optimized code reads as constants. The file is the one `addon` names
// (node-gyp-build's choice), so that what it reports is what was loaded.
export const native: Native = { ...(require(addon.path) as Native) };
