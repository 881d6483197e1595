// The native module, typed. Every function here is one thin binding over one
// POSIX call (see native/): it returns its result (>= 0) or -errno, and throws
// only for a programming error (a wrong argument type, a range outside a
// buffer), which the rest of lib/ rules out before calling.

import path = require('node:path');
import load = require('node-gyp-build');

/** Bytes in, as the native side reads them: any TypedArray, Buffer or DataView. */
export type Bytes = ArrayBufferView;

/**
 * An "address out" buffer of `ADDR_OUT_SIZE` bytes: the call writes a
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
  | Buffer
  | null;

export interface Native {
  // lifecycle (native/calls.cc)
  socket(family: number, type: number, proto: number): number;
  socketpair(family: number, type: number, proto: number, out: Int32Array): number;
  bind(fd: number, sockaddr: Bytes): number;
  listen(fd: number, backlog: number): number;
  accept(fd: number, nonblock: boolean, addr: AddrOut): number;
  connect(fd: number, sockaddr: Bytes): number;
  shutdown(fd: number, how: number): number;
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

  // data (native/io.cc)
  recv(fd: number, buf: Bytes, offset: number, length: number, flags: number): number;
  recvfrom(
    fd: number,
    buf: Bytes,
    offset: number,
    length: number,
    flags: number,
    addr: AddrOut,
  ): number;
  send(fd: number, buf: Bytes, offset: number, length: number, flags: number): number;
  sendto(
    fd: number,
    buf: Bytes,
    offset: number,
    length: number,
    flags: number,
    sockaddr: Bytes,
  ): number;

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
  gaiStrerror(code: number): string;

  // options (native/options.cc)
  getsockoptInt(fd: number, level: number, name: number, out: Int32Array): number;
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

  /** Every constant the platform defines (native/constants.cc). */
  readonly constants: Readonly<Record<string, number>>;
  readonly ADDR_OUT_SIZE: number;
  readonly SOCKADDR_STORAGE_SIZE: number;
}

// lib/ and dist/ both sit one level below the package root.
export const native = load(path.join(__dirname, '..')) as Native;
