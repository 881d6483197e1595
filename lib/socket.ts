// The Socket class: Python's socket.socket over raw POSIX fds.
//
// All state and policy lives here; native/ only makes syscalls. The policy is
// CPython's (Modules/socketmodule.c, Lib/socket.py), with three modes:
//
//   timeout null  blocking    fd blocking;    calls block the JS thread
//   timeout 0     non-block   fd O_NONBLOCK;  would-block throws EAGAIN
//   timeout t>0   timeout     fd O_NONBLOCK;  each call tries the syscall; on
//                             EAGAIN it waits with poll(2) for the time left
//                             and retries; at the deadline SocketTimeoutError
//
// The wait-and-retry loop is CPython's sock_call_ex: the deadline is measured on
// the monotonic clock, a wake-up that still gives EAGAIN is a false positive
// and waits again, EINTR is retried inside native with the remaining time.
// Would-block travels as a return value (-EAGAIN) until it is either retried
// or thrown, so the non-blocking path never pays for an exception internally.

import fs = require('node:fs');
import net = require('node:net');
import { performance } from 'node:perf_hooks';
import { inspect } from 'node:util';
import { Buffer, kMaxLength } from 'node:buffer';

import {
  SockaddrCache,
  toSockaddrAsync,
  addrOutFamily,
  decodeAddrOut,
  errorWhere,
  formatAddress,
  toSockaddr,
  type Address,
  type SocketAddress,
} from './address';
import type { AddressOf, SenderOf, SocketAddressOf } from './family';
import { AsyncIo, READ, WRITE, abortReason, asyncOptions, identity, isAborted, isOptions, withOptions, type AsyncOptions, type Handle } from './async';
import { native } from './binding';
import * as fast from './fast';
import { addrOut } from './fast';
import * as pool from './pool';
import {
  AF_INET,
  AF_INET6,
  AF_UNIX,
  AF_VSOCK,
  MSG_DONTWAIT,
  POLLIN,
  POLLOUT,
  SOCK_CLOEXEC,
  SOCK_NONBLOCK,
  SOCK_STREAM,
  SOL_SOCKET,
  SOMAXCONN,
  SO_ACCEPTCONN,
  SO_ERROR,
  SO_PROTOCOL,
  SO_TYPE,
  type AF_INET as AF_INET_T,
  type AF_UNIX as AF_UNIX_T,
  type SOCK_STREAM as SOCK_STREAM_T,
} from './constant-names';
import { familyName, typeName } from './constants';
import { SocketFile, type FileData, type MakefileOptions } from './makefile';
import { E, SocketTimeoutError, errnoError, raise, type ErrorAddress } from './errors';
import * as v from './validate';
import * as msg from './message';
import { getVsockOption, setVsockOption } from './vsock';
import type { AncillaryData, DataList, RecvmsgIntoResult, RecvmsgResult } from './message';
import * as mmsg from './mmsg';
import type { MmsgList, RecvmmsgIntoResult, RecvmmsgResult } from './mmsg';

const { EAGAIN, EBADF, EINPROGRESS, EISCONN, ESPIPE } = E;
const INT_MAX = 2147483647;
const { END } = fast;
// SOCK_NONBLOCK and SOCK_CLOEXEC exist on Linux and the BSDs, not on macOS.
const NONBLOCK_FLAG = SOCK_NONBLOCK ?? 0;
const TYPE_FLAGS = NONBLOCK_FLAG | (SOCK_CLOEXEC ?? 0);

/** Data accepted by the send calls: a string (sent as UTF-8) or any ArrayBufferView. */
export type Data = string | ArrayBufferView;

// ---- default timeout --------------------------------------------------------

let defaultTimeout: number | null = null;

/**
 * The timeout, in seconds, that new sockets get: `null` (blocking, the
 * initial value) or a number >= 0. Python's `socket.getdefaulttimeout()`.
 */
export function getdefaulttimeout(): number | null {
  return defaultTimeout;
}

/**
 * Sets the timeout, in seconds, of sockets created from now on, including
 * those made by `accept`, `socketpair` and `fromfd` (`dup` copies the
 * original's timeout instead). `null` means blocking. Python's
 * `socket.setdefaulttimeout()`.
 */
export function setdefaulttimeout(timeout: number | null): void {
  defaultTimeout = v.timeout(timeout);
}

// ---- finalization -----------------------------------------------------------

function nameOf(h: Handle, call: 'getsockname' | 'getpeername'): string {
  if (native[call](h.fd, addrOut) < 0) return '';
  const address = decodeAddrOut();
  // As Python's repr: an empty name ('' or none) is left out.
  return address === null || address === '' ? '' : formatAddress(address);
}

/** The util.inspect form: `<Socket fd=5 family=AF_INET type=SOCK_STREAM laddr=['127.0.0.1', 8080]>`. */
function describe(h: Handle): string {
  const closed = h.fd < 0 ? ' [closed]' : '';
  let s = `<Socket${closed} fd=${h.fd} family=${familyName(h.family)} type=${typeName(h.type)}`;
  if (h.proto !== 0) s += ` proto=${h.proto}`;
  if (h.fd >= 0) {
    const laddr = nameOf(h, 'getsockname');
    if (laddr) s += ` laddr=${laddr}`;
    const raddr = nameOf(h, 'getpeername');
    if (raddr) s += ` raddr=${raddr}`;
  }
  return `${s}>`;
}

// A socket garbage-collected while open: warn, naming it, then close its fd
// (Python's sock_finalize does the same, ResourceWarning first).
const finalizer = new FinalizationRegistry<Handle>((h) => {
  if (h.fd < 0) return;
  process.emitWarning(`unclosed ${describe(h)}`, 'ResourceWarning');
  h.poller?.close(); // never watch a closed fd
  h.poller = null;
  native.close(h.fd);
  h.fd = -1;
});

// accept(), dup() and socketpair() construct sockets around an fd whose
// identity they already know; this lets them skip the probing syscalls.
let adopting: (Handle & { timeout: number | null }) | null = null;

function adopt(fd: number, family: number, type: number, proto: number, timeout: number | null): Socket {
  adopting = { fd, family, type, proto, poller: null, timeout };
  try {
    return new Socket();
  } finally {
    adopting = null;
  }
}

/**
 * A BSD socket: Python's `socket.socket`, method for method, over a raw POSIX
 * file descriptor.
 *
 * Calls in blocking mode (the default) block the JavaScript thread, exactly as
 * in Python; use a timeout ({@link Socket.settimeout}), non-blocking mode, or
 * a worker thread where that matters.
 */
export class Socket<F extends number = number, T extends number = number> {
  #h: Handle;
  #timeout: number | null;
  #sendtoCache: SockaddrCache | null = null;
  #io: AsyncIo | null = null;
  /** Open makefile() files; close() waits for them, as Python's _io_refs. */
  #files = 0;
  #closeRequested = false;

  /**
   * Creates a socket with socket(2), or wraps an existing fd.
   *
   * Without `fileno`: `family` defaults to AF_INET, `type` to SOCK_STREAM,
   * `proto` to 0. The fd is close-on-exec. SOCK_NONBLOCK and SOCK_CLOEXEC in
   * `type` are honoured and then removed from {@link Socket.type};
   * SOCK_NONBLOCK gives timeout 0, otherwise the timeout is
   * {@link getdefaulttimeout}.
   *
   * With `fileno`: the socket takes ownership of that fd. It is checked with
   * getsockname(2) (EBADF for a bad fd, ENOTSOCK for a non-socket); a
   * `family`, `type` or `proto` that is omitted or -1 is read from the fd
   * (its address family, SO_TYPE, SO_PROTOCOL). With a default timeout the fd
   * is made non-blocking; otherwise the timeout reflects the fd's O_NONBLOCK
   * flag (null, or 0 if it is set), which is left as it is.
   *
   * The types follow `family` and `type` (a `Socket<AF_INET, SOCK_DGRAM>`
   * returns IPv4 addresses); a socket wrapping an fd is of unknown family
   * (`Socket<number>`): see {@link hasFamily}.
   *
   * The typed forms take no `undefined` for an argument that is given: a
   * constant a platform lacks (undefined there) must not quietly stand for
   * the default.
   *
   * @throws {SocketError} from socket(2): EAFNOSUPPORT (97 on Linux) for an
   *   unknown family, EINVAL for an unknown type, EPROTONOSUPPORT...
   */
  constructor(...args: [] | [family: F] | [family: F, type: T] | [family: F, type: T, proto: number, fileno?: null]);
  constructor(family: number | undefined, type: number | undefined, proto: number | undefined, fileno: number);
  constructor(family?: number, type?: number, proto?: number, fileno?: number | null) {
    const a = adopting;
    if (a !== null) {
      adopting = null;
      this.#h = { fd: a.fd, family: a.family, type: a.type, proto: a.proto, poller: null };
      this.#timeout = a.timeout;
    } else if (fileno === undefined || fileno === null) {
      family = family === undefined || family === -1 ? AF_INET : v.int32(family, 'family');
      type = type === undefined || type === -1 ? SOCK_STREAM : v.int32(type, 'type');
      proto = proto === undefined || proto === -1 ? 0 : v.int32(proto, 'proto');
      const timeout = (type & NONBLOCK_FLAG) !== 0 ? 0 : defaultTimeout;
      // With a timeout the fd is non-blocking from birth: one syscall, not two.
      const fd = native.socket(family, timeout !== null ? type | NONBLOCK_FLAG : type, proto);
      if (fd < 0) raise(fd, 'socket');
      if (timeout !== null && NONBLOCK_FLAG === 0) setNonblockingOrClose(fd);
      this.#h = { fd, family, type: type & ~TYPE_FLAGS, proto, poller: null };
      this.#timeout = timeout;
    } else {
      const fd = v.size(fileno, 'fileno', INT_MAX);
      const r = native.getsockname(fd, addrOut);
      if (r < 0) raise(r, 'getsockname');
      if (family === undefined || family === -1) {
        family = addrOutFamily();
      } else {
        family = v.int32(family, 'family');
      }
      type = type === undefined || type === -1 ? intOption(fd, SOL_SOCKET, SO_TYPE) : v.int32(type, 'type');
      if (proto === undefined || proto === -1) {
        proto = SO_PROTOCOL === undefined ? 0 : intOption(fd, SOL_SOCKET, SO_PROTOCOL);
      } else {
        proto = v.int32(proto, 'proto');
      }
      let timeout = defaultTimeout;
      if (timeout !== null) {
        const s = native.setNonblocking(fd, true);
        if (s < 0) raise(s, 'fcntl');
      } else {
        const nb = native.getNonblocking(fd);
        if (nb < 0) raise(nb, 'fcntl');
        if (nb === 1) timeout = 0;
      }
      this.#h = { fd, family, type: type & ~TYPE_FLAGS, proto, poller: null };
      this.#timeout = timeout;
    }
    finalizer.register(this, this.#h, this.#h);
    native.own(this.#h.fd); // closed if this env (a worker) ends first
  }

  /** The address family, such as AF_INET. */
  get family(): F {
    Socket.#brand(this);
    return this.#h.family as F;
  }

  /** The socket type, such as SOCK_STREAM (without SOCK_NONBLOCK/SOCK_CLOEXEC). */
  get type(): T {
    Socket.#brand(this);
    return this.#h.type as T;
  }

  /** The protocol number (0 unless one was given or read from the fd). */
  get proto(): number {
    Socket.#brand(this);
    return this.#h.proto;
  }

  /** The timeout in seconds: null (blocking), 0 (non-blocking) or > 0. Same as {@link Socket.gettimeout}. */
  get timeout(): number | null {
    Socket.#brand(this);
    return this.#timeout;
  }

  /**
   * True once {@link Socket.close} or {@link Socket.detach} was called (a
   * close() deferred by an open makefile() file counts once the file closes).
   */
  get closed(): boolean {
    Socket.#brand(this);
    return this.#h.fd < 0;
  }

  // ---- waiting ------------------------------------------------------------

  /**
   * The failure path of every call that can block: `r` (< 0) came back from
   * `op`. In timeout mode, EAGAIN waits for `events` until the deadline and
   * retries; everything else throws. Returns `op`'s eventual result.
   */
  #retry(r: number, syscall: string, events: number, op: () => number, where?: ErrorAddress, deadline = -1): number {
    const t = this.#timeout;
    while (r === -EAGAIN && t !== null && t > 0) {
      const now = performance.now();
      if (deadline < 0) deadline = now + t * 1000;
      const left = deadline - now;
      if (left <= 0) throw new SocketTimeoutError(syscall, where);
      const w = native.wait(this.#h.fd, events, left >= INT_MAX ? INT_MAX : Math.ceil(left));
      if (w < 0) raise(w, syscall, where);
      // Timed out (0): the loop re-checks the deadline. Ready: try again; a
      // false readiness report just gives EAGAIN and waits once more.
      if (w > 0) r = op();
    }
    if (r < 0) raise(r, syscall, where);
    return r;
  }

  // The data calls' way into #retry, out of line. A closure written in a
  // data method would make V8 allocate a context for the variables it
  // captures on every call, waiting or not (96 bytes per sendall() plus
  // recvInto(), measured); made here, it costs only the calls that wait.

  #recvWait(r: number, fd: number, view: ArrayBufferView, len: number, flags: number): number {
    return this.#retry(r, 'recv', POLLIN, () => fast.recv(fd, view, 0, len, flags));
  }

  #recvfromWait(r: number, fd: number, view: ArrayBufferView, len: number, flags: number): number {
    return this.#retry(r, 'recvfrom', POLLIN, () => fast.recvfrom(fd, view, 0, len, flags));
  }

  #recvPoolWait(r: number, fd: number, bufsize: number, flags: number): number {
    return this.#retry(r, 'recv', POLLIN, () => pool.recv(fd, bufsize, flags));
  }

  #recvfromPoolWait(r: number, fd: number, bufsize: number, flags: number): number {
    return this.#retry(r, 'recvfrom', POLLIN, () => pool.recvfrom(fd, bufsize, flags));
  }

  #recvmsgPoolWait(r: number, fd: number, bufsize: number, flags: number, ancbufsize: number): number {
    return this.#retry(r, 'recvmsg', POLLIN, () => pool.recvmsg(fd, bufsize, flags, ancbufsize));
  }

  #recvmsgViewsWait(r: number, fd: number, views: ArrayBufferView[], flags: number, ancbufsize: number): number {
    return this.#retry(r, 'recvmsg', POLLIN, () => fast.recvmsgViews(fd, views, flags, ancbufsize));
  }

  #sendWait(r: number, fd: number, view: ArrayBufferView, off: number, len: number, flags: number, deadline = -1): number {
    return this.#retry(r, 'send', POLLOUT, () => fast.send(fd, view, off, len, flags), undefined, deadline);
  }

  #sendtoWait(r: number, fd: number, view: ArrayBufferView, len: number, flags: number, sockaddr: Uint8Array, to: unknown): number {
    return this.#retry(r, 'sendto', POLLOUT, () => fast.sendto(fd, view, 0, len, flags, sockaddr), errorWhere(to, this.#h.family));
  }

  // ---- lifecycle ------------------------------------------------------------

  /**
   * Accepts a connection: accept4(2) with SOCK_CLOEXEC. Returns
   * `[conn, address]`. The new socket has the default timeout (so it is
   * blocking unless {@link setdefaulttimeout} says otherwise, whatever this
   * socket's mode, as in Python).
   *
   * Blocks in blocking mode; EAGAIN in non-blocking mode; SocketTimeoutError
   * in timeout mode. EINVAL if the socket is not listening, EOPNOTSUPP for a
   * datagram socket.
   */
  accept(): readonly [Socket<F, T>, SocketAddressOf<F>];
  accept(): readonly [Socket, SocketAddress] {
    Socket.#brand(this);
    const h = this.#h;
    const nonblock = defaultTimeout !== null;
    let fd = native.accept(h.fd, nonblock, addrOut);
    if (fd < 0) fd = this.#retry(fd, 'accept', POLLIN, () => native.accept(h.fd, nonblock, addrOut));
    const address = decodeAddrOut() ?? '';
    return [adopt(fd, h.family, h.type, h.proto, defaultTimeout), address];
  }

  /**
   * Binds the socket to `address`: bind(2). Host names are resolved with a
   * blocking getaddrinfo(3); `''` is INADDR_ANY (or `::`), `'<broadcast>'`
   * INADDR_BROADCAST. For AF_UNIX, `''` autobinds to an abstract name (Linux).
   * AF_NETLINK takes `[pid, groups]` (`[0, 0]`: the kernel picks the port
   * id), AF_PACKET `[ifname, proto, pkttype?, hatype?, addr?]` (an unknown
   * interface is ENODEV), AF_VSOCK `[cid, port]`; any other family its raw
   * struct sockaddr bytes.
   *
   * EADDRINUSE (98 on Linux) when the address is taken, EADDRNOTAVAIL for an
   * address that is not local, EINVAL when the socket is already bound.
   */
  bind(address: AddressOf<F>): void;
  bind(address: Address): void {
    Socket.#brand(this);
    const h = this.#h;
    const r = native.bind(h.fd, toSockaddr(h.family, address, 'bind', true));
    if (r < 0) raise(r, 'bind', errorWhere(address, h.family));
  }

  /**
   * Closes the socket: close(2), never retried. Idempotent; afterwards every
   * operation throws EBADF and {@link Socket.fileno} returns -1. Throws EBADF
   * if the fd was already closed behind the socket's back. While a
   * makefile() file is open, the close waits for the last one to close, as
   * in Python.
   */
  close(): void {
    Socket.#brand(this);
    if (this.#files > 0) {
      // As Python: the fd stays open until the last makefile() file closes.
      this.#closeRequested = true;
      return;
    }
    const h = this.#h;
    const fd = h.fd;
    if (fd < 0) return;
    h.fd = -1;
    finalizer.unregister(h);
    // Pending async calls are rejected with EBADF, and the poller is closed
    // before the fd: libuv must never watch a closed fd.
    this.#io?.close();
    const r = native.close(fd);
    if (r < 0) raise(r, 'close');
  }

  /**
   * Connects to `address`: connect(2).
   *
   * Blocking mode: waits for the connection, and a signal does not cut the
   * wait short: an interrupted TCP connect goes on in the kernel and its
   * result is read from SO_ERROR; an interrupted AF_UNIX connect (waiting
   * for room in a full backlog) is made again, within what is left of
   * SO_SNDTIMEO if that is set (EAGAIN when it runs out).
   * Timeout mode: waits up to the timeout, then SocketTimeoutError; for room
   * in an AF_UNIX listener's full backlog too (CPython: EAGAIN at once).
   * Non-blocking mode: throws EINPROGRESS; poll for writability, then read
   * SO_ERROR. ECONNREFUSED (111 on Linux) when nothing listens; EISCONN when
   * already connected.
   */
  connect(address: AddressOf<F>): void;
  connect(address: Address): void {
    Socket.#brand(this);
    const err = this.#connect(address);
    if (err === -1) throw new SocketTimeoutError('connect', errorWhere(address, this.#h.family));
    if (err !== 0) throw errnoError(err, 'connect', errorWhere(address, this.#h.family));
  }

  /**
   * Like {@link Socket.connect}, but returns the error instead of throwing it:
   * 0 on success, else the positive errno, such as 111 (ECONNREFUSED) or, in
   * non-blocking mode, 115 (EINPROGRESS). A timeout returns EAGAIN (11), a
   * closed socket EBADF (9), as Python's `connect_ex`. Errors in the address
   * itself (bad arguments, failed name resolution) are still thrown.
   */
  connectEx(address: AddressOf<F>): number;
  connectEx(address: Address): number {
    Socket.#brand(this);
    const err = this.#connect(address);
    return err === -1 ? EAGAIN : err;
  }

  /** connect(2) with the timeout policy: 0, a positive errno, or -1 for a timeout. */
  #connect(address: Address): number {
    const h = this.#h;
    const sockaddr = toSockaddr(h.family, address, 'connect', true);
    const r = native.connect(h.fd, sockaddr);
    const t = this.#timeout;
    if (r === 0) return 0;
    if (r === -EAGAIN && h.family === AF_UNIX && t !== null && t > 0) {
      // A full backlog: no readiness to poll for, so the kernel waits for
      // room in a blocking connect(2) bounded by the time (native/sys).
      const w = native.connectWait(h.fd, sockaddr, t * 1000 >= INT_MAX ? INT_MAX : Math.ceil(t * 1000));
      return w === -EAGAIN ? -1 : -w;
    }
    if (r !== -EINPROGRESS || t === null || t <= 0) return -r;
    const deadline = performance.now() + t * 1000;
    // The first wait gets the whole timeout (at least 1 ms, as CPython's
    // poll), however little it is: reading the clock again first would leave
    // a sub-microsecond timeout nothing at all.
    for (let left = t * 1000; ; left = deadline - performance.now()) {
      if (left <= 0) return -1;
      const w = native.wait(h.fd, POLLOUT, left >= INT_MAX ? INT_MAX : Math.ceil(left));
      if (w < 0) return -w;
      if (w === 0) continue;
      const g = fast.getsockoptInt(h.fd, SOL_SOCKET, SO_ERROR);
      if (g < 0) return -g;
      const err = fast.optionValue();
      return err === EISCONN ? 0 : err;
    }
  }

  /**
   * Gives up ownership of the fd and returns it (-1 if already closed); the
   * socket becomes closed without closing the fd, and no ResourceWarning
   * will be emitted for it.
   */
  detach(): number {
    Socket.#brand(this);
    const h = this.#h;
    const fd = h.fd;
    if (fd < 0) return -1;
    h.fd = -1;
    finalizer.unregister(h);
    native.disown(fd);
    this.#io?.close();
    return fd;
  }

  /**
   * A new socket on a duplicate of the fd (fcntl F_DUPFD_CLOEXEC): same
   * family, type, protocol and timeout; close-on-exec.
   */
  dup(): Socket<F, T>;
  dup(): Socket {
    Socket.#brand(this);
    const h = this.#h;
    const fd = native.dup(h.fd);
    if (fd < 0) raise(fd, 'dup');
    return adopt(fd, h.family, h.type, h.proto, this.#timeout);
  }

  /**
   * A file object over the socket, as Python's `makefile()`: `mode` is made of
   * 'r', 'w' and 'b' ('r' by default: text, read-only; without 'w' a file
   * reads). Text mode reads and writes strings (UTF-8 unless `encoding` says
   * otherwise, newlines per `newline`); binary mode Buffers. Reads and
   * writes are buffered (`buffering` bytes, 8192 by default) and go through
   * recv() and send(), so the socket's blocking mode or timeout applies.
   * As Python's documentation says, the socket should be in blocking or
   * timeout mode: on a non-blocking socket a read that finds nothing throws
   * EAGAIN (Python's raw file returns None), and what was read before stays
   * buffered for the next read. While a file is open, close() on the socket
   * is deferred until the file is closed too.
   */
  makefile<M extends string = 'r'>(mode?: M, options: MakefileOptions = {}): SocketFile<FileData<M>> {
    Socket.#brand(this);
    if (typeof options !== 'object' || options === null) throw v.invalidArgType('options', 'of type object', options);
    if (this.#h.fd < 0) raise(-EBADF, 'makefile');
    const file = new SocketFile<FileData<M>>(this, mode === undefined ? 'r' : mode, options, () => {
      this.#files--;
      if (this.#files === 0 && this.#closeRequested) this.close();
    });
    this.#files++;
    return file;
  }

  /** The fd, or -1 once closed or detached. */
  fileno(): number {
    Socket.#brand(this);
    return this.#h.fd;
  }

  /** The remote address: getpeername(2). ENOTCONN (107 on Linux) if not connected. */
  getpeername(): SocketAddressOf<F>;
  getpeername(): SocketAddress {
    Socket.#brand(this);
    const r = native.getpeername(this.#h.fd, addrOut);
    if (r < 0) raise(r, 'getpeername');
    return decodeAddrOut() ?? '';
  }

  /**
   * The local address: getsockname(2). An unbound AF_INET socket gives
   * `['0.0.0.0', 0]`, an unbound AF_UNIX socket `''`.
   */
  getsockname(): SocketAddressOf<F>;
  getsockname(): SocketAddress {
    Socket.#brand(this);
    const r = native.getsockname(this.#h.fd, addrOut);
    if (r < 0) raise(r, 'getsockname');
    return decodeAddrOut() ?? '';
  }

  /**
   * Reads a socket option: getsockopt(2). Without `buflen` (or with 0) the
   * option is read as a C int and returned as a number (for SO_LINGER that is
   * just l_onoff). With `buflen` between 1 and 1024, returns a Buffer of the
   * length the kernel reports. ENOPROTOOPT (92 on Linux) for an unknown option.
   * (The types know a `buflen` of 0 only as the literal 0: a variable
   * holding 0 is typed Buffer, and reads a number, as in Python.) The
   * structs of common options have helpers: {@link getPeerCred},
   * {@link getTcpInfo}, {@link unpackLinger}, {@link unpackTimeval}. On an
   * AF_VSOCK socket a number is read as an unsigned 64-bit integer instead,
   * as CPython does: its options (SO_VM_SOCKETS_BUFFER_SIZE...) are u64s.
   */
  getsockopt(level: number, optname: number, buflen?: 0): number;
  getsockopt(level: number, optname: number, buflen: number): Buffer;
  getsockopt(level: number, optname: number, buflen = 0): Buffer | number {
    Socket.#brand(this);
    v.int32(level, 'level');
    v.int32(optname, 'optname');
    v.size(buflen, 'buflen', 1024);
    const fd = this.#h.fd;
    if (buflen === 0) {
      if (this.#h.family === AF_VSOCK) return getVsockOption(fd, level, optname);
      const r = fast.getsockoptInt(fd, level, optname);
      if (r < 0) raise(r, 'getsockopt');
      return fast.optionValue();
    }
    const n = native.getsockoptBuf(fd, level, optname, pool.region(buflen, 0));
    if (n < 0) raise(n, 'getsockopt');
    return pool.take(n, buflen);
  }

  /**
   * Sets a socket option: setsockopt(2). A number is passed as a C int (it
   * must fit one), a boolean as 1 or 0, an ArrayBufferView as its raw bytes
   * (a `struct linger`, an `ip_mreq`, ...). `null` with `optlen` passes a NULL
   * option value of that length, as Python's `setsockopt(level, name, None,
   * optlen)`. On an AF_VSOCK socket a number or boolean is passed as an
   * unsigned 64-bit integer instead, as CPython does (any integer from 0 to
   * 2**53 - 1).
   */
  setsockopt(level: number, optname: number, value: number | boolean | ArrayBufferView): void;
  setsockopt(level: number, optname: number, value: null, optlen: number): void;
  setsockopt(level: number, optname: number, value: number | boolean | ArrayBufferView | null, optlen?: number): void {
    Socket.#brand(this);
    v.int32(level, 'level');
    v.int32(optname, 'optname');
    if (optlen !== undefined && value !== null) {
      throw v.invalidArgType('optlen', 'undefined unless value is null', optlen);
    }
    const fd = this.#h.fd;
    let r: number;
    if ((typeof value === 'number' || typeof value === 'boolean') && this.#h.family === AF_VSOCK) {
      r = setVsockOption(fd, level, optname, value);
    } else if (typeof value === 'number') {
      r = native.setsockoptInt(fd, level, optname, v.int32(value, 'value'));
    } else if (typeof value === 'boolean') {
      r = native.setsockoptInt(fd, level, optname, value ? 1 : 0);
    } else if (ArrayBuffer.isView(value)) {
      r = native.setsockoptBuf(fd, level, optname, value, 0, v.byteLength(value));
    } else if (value === null) {
      if (optlen === undefined) throw v.invalidArgType('optlen', 'of type number when value is null', optlen);
      r = native.setsockoptNull(fd, level, optname, v.size(optlen, 'optlen', INT_MAX));
    } else {
      throw v.invalidArgType('value', 'of type number or boolean, an ArrayBufferView, or null', value);
    }
    if (r < 0) raise(r, 'setsockopt');
  }

  /** False in non-blocking mode (timeout 0), true otherwise. */
  getblocking(): boolean {
    Socket.#brand(this);
    return this.#timeout !== 0;
  }

  /**
   * `setblocking(true)` is `settimeout(null)`, `setblocking(false)` is
   * `settimeout(0)`; any value is taken by its truthiness, as in Python.
   */
  setblocking(flag: boolean | number): void {
    Socket.#brand(this);
    this.settimeout(flag ? null : 0);
  }

  /** The timeout in seconds: null (blocking), 0 (non-blocking) or > 0. */
  gettimeout(): number | null {
    Socket.#brand(this);
    return this.#timeout;
  }

  /**
   * Sets the mode: `null` is blocking, `0` non-blocking, a number > 0 a
   * timeout in seconds for each call (for `sendall`, for the whole call). The
   * fd's O_NONBLOCK flag is set for 0 and > 0, cleared for null. The timeout
   * is stored before the fd is touched, so on a closed socket this throws
   * EBADF but {@link Socket.gettimeout} reports the new value, as in Python.
   *
   * @throws {RangeError} for a negative, NaN or infinite timeout.
   */
  settimeout(timeout: number | null): void {
    Socket.#brand(this);
    const t = v.timeout(timeout);
    this.#timeout = t;
    const r = native.setNonblocking(this.#h.fd, t !== null);
    if (r < 0) raise(r, 'fcntl');
  }

  /**
   * Listens for connections: listen(2). `backlog` defaults to
   * min(SOMAXCONN, 128); a negative one counts as 0.
   */
  listen(backlog?: number): void {
    Socket.#brand(this);
    let b = backlog === undefined ? Math.min(SOMAXCONN, 128) : v.int32(backlog, 'backlog');
    if (b < 0) b = 0;
    const r = native.listen(this.#h.fd, b);
    if (r < 0) raise(r, 'listen');
  }

  // ---- data ---------------------------------------------------------------

  /**
   * Receives up to `bufsize` bytes: recv(2). Returns a Buffer of the bytes
   * received; an empty Buffer means the peer closed the connection (EOF), and
   * keeps meaning it. `recv(0)` returns an empty Buffer without a syscall (but
   * throws EBADF on a closed socket). For a datagram larger than `bufsize` the
   * rest is discarded (Linux). The call costs the same whatever `bufsize`:
   * the bytes land in a pool shared by the thread's sockets, and the result
   * keeps at most four times its own size alive (lib/pool.ts).
   *
   * Blocks in blocking mode (EINTR is retried); EAGAIN in non-blocking mode;
   * SocketTimeoutError in timeout mode.
   */
  recv(bufsize: number, ...flags: [] | [flags: number]): Buffer;
  recv(bufsize: number, flags = 0): Buffer {
    Socket.#brand(this);
    v.size(bufsize, 'bufsize', kMaxLength);
    if (flags !== 0) v.int32(flags, 'flags');
    const fd = this.#h.fd;
    if (bufsize === 0) {
      if (fd < 0) raise(-EBADF, 'recv');
      return Buffer.alloc(0);
    }
    let n = pool.recv(fd, bufsize, flags);
    if (n < 0) n = this.#recvPoolWait(n, fd, bufsize, flags);
    return pool.take(n, bufsize);
  }

  /**
   * Receives into `buffer` without copying: recv(2) straight into its memory.
   * Receives at most `nbytes` bytes (0 or omitted: the whole buffer) and
   * returns how many arrived (0 at EOF). Any TypedArray, Buffer or DataView;
   * sizes are in bytes. Same blocking rules as {@link Socket.recv}. An empty
   * view returns 0 without a syscall, as in CPython: it neither waits nor
   * consumes a datagram (`recvfromInto` does make the call).
   *
   * @throws {RangeError} if `nbytes` is larger than the buffer.
   */
  recvInto(buffer: ArrayBufferView, ...rest: [] | [nbytes: number] | [nbytes: number, flags: number]): number;
  recvInto(buffer: ArrayBufferView, nbytes = 0, flags = 0): number {
    Socket.#brand(this);
    const view = v.writableView(buffer, 'buffer');
    const len = nbytes === 0 ? END : intoLength(view, nbytes);
    if (flags !== 0) v.int32(flags, 'flags');
    const fd = this.#h.fd;
    const n = fast.recv(fd, view, 0, len, flags);
    return n >= 0 ? n : this.#recvWait(n, fd, view, len, flags);
  }

  /**
   * A non-throwing {@link Socket.recvInto} for hot loops (a benchmark, an
   * epoll loop): recv(2) with MSG_DONTWAIT into `buffer`. Returns the byte
   * count (0 at EOF), or -1 when nothing is there yet (EAGAIN): the
   * would-block case costs no exception, unlike `recvInto` on a non-blocking
   * socket, which throws like Python. Never blocks, whatever the mode. Any
   * other error is thrown as a SocketError.
   */
  tryRecvInto(buffer: ArrayBufferView, ...rest: [] | [nbytes: number] | [nbytes: number, flags: number]): number;
  tryRecvInto(buffer: ArrayBufferView, nbytes = 0, flags = 0): number {
    Socket.#brand(this);
    const view = v.writableView(buffer, 'buffer');
    const len = nbytes === 0 ? END : intoLength(view, nbytes);
    if (flags !== 0) v.int32(flags, 'flags');
    const n = fast.recv(this.#h.fd, view, 0, len, flags | MSG_DONTWAIT);
    if (n >= 0) return n;
    if (n === -EAGAIN) return -1;
    raise(n, 'recv');
  }

  /**
   * Receives up to `bufsize` bytes and the sender's address: recvfrom(2).
   * Returns `[data, address]`; the address is null when the sender has none
   * (a connected stream socket, an unbound AF_UNIX datagram socket). Same
   * blocking rules as {@link Socket.recv}.
   */
  recvfrom(bufsize: number, ...flags: [] | [flags: number]): readonly [Buffer, SenderOf<F, T>];
  recvfrom(bufsize: number, flags = 0): readonly [Buffer, SocketAddress | null] {
    Socket.#brand(this);
    v.size(bufsize, 'bufsize', kMaxLength);
    if (flags !== 0) v.int32(flags, 'flags');
    const fd = this.#h.fd;
    let n = pool.recvfrom(fd, bufsize, flags);
    if (n < 0) n = this.#recvfromPoolWait(n, fd, bufsize, flags);
    return [pool.take(n, bufsize), decodeAddrOut()];
  }

  /**
   * {@link Socket.recvInto} with the sender's address: recvfrom(2) into
   * `buffer`. Returns `[nbytes, address]`.
   */
  recvfromInto(buffer: ArrayBufferView, ...rest: [] | [nbytes: number] | [nbytes: number, flags: number]): readonly [number, SenderOf<F, T>];
  recvfromInto(buffer: ArrayBufferView, nbytes = 0, flags = 0): readonly [number, SocketAddress | null] {
    Socket.#brand(this);
    const view = v.writableView(buffer, 'buffer');
    const len = nbytes === 0 ? END : intoLength(view, nbytes);
    if (flags !== 0) v.int32(flags, 'flags');
    const fd = this.#h.fd;
    let n = fast.recvfrom(fd, view, 0, len, flags);
    if (n < 0) n = this.#recvfromWait(n, fd, view, len, flags);
    return [n, decodeAddrOut()];
  }

  /**
   * Sends data: send(2) with MSG_NOSIGNAL. Returns the number of bytes sent,
   * which may be less than the data's length (a full buffer in non-blocking or
   * timeout mode, a signal in blocking mode): use {@link Socket.sendall} to
   * send everything. A closed peer gives EPIPE, never SIGPIPE.
   */
  send(data: Data, ...flags: [] | [flags: number]): number;
  send(data: Data, flags = 0): number {
    Socket.#brand(this);
    const view = fast.sendView(data);
    const len = fast.sendLength();
    if (flags !== 0) v.int32(flags, 'flags');
    const fd = this.#h.fd;
    const n = fast.send(fd, view, 0, len, flags);
    return n >= 0 ? n : this.#sendWait(n, fd, view, 0, len, flags);
  }

  /**
   * A non-throwing {@link Socket.send} for hot loops (a benchmark, an epoll
   * loop): send(2) with MSG_DONTWAIT and MSG_NOSIGNAL. Returns the number of
   * bytes sent, which may be less than the data's length, or -1 when the
   * socket buffer has no room (EAGAIN): the would-block case costs no
   * exception, unlike `send` on a non-blocking socket, which throws like
   * Python. Never blocks, whatever the mode. Any other error is thrown as a
   * SocketError (EPIPE once the peer is gone, never SIGPIPE).
   */
  trySend(data: Data, ...flags: [] | [flags: number]): number;
  trySend(data: Data, flags = 0): number {
    Socket.#brand(this);
    const view = fast.sendView(data);
    const len = fast.sendLength();
    if (flags !== 0) v.int32(flags, 'flags');
    const n = fast.send(this.#h.fd, view, 0, len, flags | MSG_DONTWAIT);
    if (n >= 0) return n;
    if (n === -EAGAIN) return -1;
    raise(n, 'send');
  }

  /**
   * Sends all of `data`, calling send(2) until every byte is out; not a
   * single syscall. In timeout mode one deadline covers the whole call. On
   * an error there is no telling how much was sent (as in Python). In
   * non-blocking mode EAGAIN is thrown once the buffer fills.
   */
  sendall(data: Data, ...flags: [] | [flags: number]): void;
  sendall(data: Data, flags = 0): void {
    Socket.#brand(this);
    const view = fast.sendView(data);
    const len = fast.sendLength();
    if (flags !== 0) v.int32(flags, 'flags');
    const fd = this.#h.fd;
    const t = this.#timeout;
    const deadline = t !== null && t > 0 ? performance.now() + t * 1000 : -1;
    // The first send measures the view; the length is fixed from then on, as
    // in CPython (a growable SharedArrayBuffer may grow meanwhile).
    let off = fast.send(fd, view, 0, len, flags);
    const total = len === END ? fast.viewBytes() : len;
    if (off < 0) off = this.#sendWait(off, fd, view, 0, total, flags, deadline);
    while (off < total) {
      let n = fast.send(fd, view, off, total - off, flags);
      if (n < 0) n = this.#sendWait(n, fd, view, off, total - off, flags, deadline);
      off += n;
    }
  }

  /**
   * Sends a datagram to `address`: sendto(2) with MSG_NOSIGNAL. Returns the
   * number of bytes sent. Called as `sendto(data, address)` or
   * `sendto(data, flags, address)`, as in Python. A literal address is
   * converted once and reused while it stays the same; names are resolved on
   * every call (blocking getaddrinfo).
   */
  sendto(data: Data, address: AddressOf<F>): number;
  sendto(data: Data, flags: number, address: AddressOf<F>): number;
  sendto(data: Data, flagsOrAddress: number | Address, address?: Address): number {
    Socket.#brand(this);
    let flags = 0;
    let to: unknown = flagsOrAddress;
    if (address !== undefined) {
      flags = v.int32(flagsOrAddress, 'flags');
      to = address;
    }
    if (typeof data !== 'string') v.data(data); // checked before the address, which may run a getter
    const h = this.#h;
    const sockaddr = (this.#sendtoCache ??= new SockaddrCache()).get(h.family, to, 'sendto');
    const fd = h.fd;
    const view = fast.sendView(data);
    const len = fast.sendLength();
    const n = fast.sendto(fd, view, 0, len, flags, sockaddr);
    if (n >= 0) return n;
    return this.#sendtoWait(n, fd, view, len, flags, sockaddr, to);
  }

  /**
   * Sends `buffers` as one message, with ancillary data: sendmsg(2) with
   * MSG_NOSIGNAL. `buffers` is any iterable of data (strings are sent as
   * UTF-8), gathered in order; `ancdata` is any iterable of
   * `[level, type, data]` items, such as `[SOL_SOCKET, SCM_RIGHTS,
   * new Int32Array(fds)]` (see also {@link sendFds}); `address` (null or
   * omitted: none) is for an unconnected datagram socket, which otherwise
   * gives EDESTADDRREQ (UDP) or ENOTCONN (AF_UNIX), as in Python. Returns
   * the number of bytes sent, which may be less
   * than their total on a stream socket. Same blocking rules as
   * {@link Socket.send}. More than IOV_MAX (1024) buffers give EMSGSIZE, as in
   * Python.
   */
  sendmsg(
    buffers: DataList,
    ...rest: [] | [ancdata: Iterable<AncillaryData>] | [ancdata: Iterable<AncillaryData>, flags: number] | [ancdata: Iterable<AncillaryData>, flags: number, address: AddressOf<F> | null]
  ): number;
  sendmsg(buffers: Iterable<Data>, ancdata: Iterable<AncillaryData> = [], flags = 0, address: Address | null = null): number {
    Socket.#brand(this);
    const views = msg.sendBuffers(buffers);
    const cmsgs = msg.ancillaryOut(ancdata);
    if (flags !== 0) v.int32(flags, 'flags');
    const h = this.#h;
    const to = address === null || address === undefined ? null : toSockaddr(h.family, address, 'sendmsg', true);
    const n = fast.sendmsg(h.fd, views, cmsgs, flags, to);
    return n >= 0 ? n : this.#sendmsgWait(n, views, cmsgs, flags, to, address);
  }

  #sendmsgWait(r: number, views: ArrayBufferView[], cmsgs: Array<number | Buffer>, flags: number, to: Buffer | null, address: unknown): number {
    const fd = this.#h.fd;
    return this.#retry(r, 'sendmsg', POLLOUT, () => fast.sendmsg(fd, views, cmsgs, flags, to), to === null ? undefined : errorWhere(address, this.#h.family));
  }

  /**
   * Receives up to `bufsize` bytes and up to `ancbufsize` bytes of ancillary
   * data: recvmsg(2). Returns `[data, ancdata, msgFlags, address]` as Python
   * does: `ancdata` lists the `[level, type, data]` items received (size
   * `ancbufsize` with {@link CMSG_SPACE}), `msgFlags` holds MSG_TRUNC or
   * MSG_CTRUNC when the data or the ancillary data did not fit, and
   * `address` is the sender's, as {@link Socket.recvfrom} gives it. Fds
   * received with SCM_RIGHTS are new, the caller's to close (see
   * {@link recvFds}), and close-on-exec on Linux (MSG_CMSG_CLOEXEC), unlike
   * Python's. Same blocking rules as
   * {@link Socket.recv}; `recvmsg(0)` does make the call.
   */
  recvmsg(bufsize: number, ...rest: [] | [ancbufsize: number] | [ancbufsize: number, flags: number]): RecvmsgResult<SenderOf<F, T>>;
  recvmsg(bufsize: number, ancbufsize = 0, flags = 0): RecvmsgResult {
    Socket.#brand(this);
    v.size(bufsize, 'bufsize', kMaxLength);
    msg.ancillarySize(ancbufsize);
    if (flags !== 0) v.int32(flags, 'flags');
    const fd = this.#h.fd;
    let n = pool.recvmsg(fd, bufsize, flags, ancbufsize);
    if (n < 0) n = this.#recvmsgPoolWait(n, fd, bufsize, flags, ancbufsize);
    const [ancdata, msgFlags, address] = msg.received();
    return [pool.take(n, bufsize), ancdata, msgFlags, address];
  }

  /**
   * {@link Socket.recvmsg} into `buffers` (any iterable of writable views),
   * filled in order without copying: recvmsg(2) scattering the data. Returns
   * `[nbytes, ancdata, msgFlags, address]`.
   */
  recvmsgInto(
    buffers: Iterable<ArrayBufferView>,
    ...rest: [] | [ancbufsize: number] | [ancbufsize: number, flags: number]
  ): RecvmsgIntoResult<SenderOf<F, T>>;
  recvmsgInto(buffers: Iterable<ArrayBufferView>, ancbufsize = 0, flags = 0): RecvmsgIntoResult {
    Socket.#brand(this);
    const views = msg.intoBuffers(buffers);
    msg.ancillarySize(ancbufsize);
    if (flags !== 0) v.int32(flags, 'flags');
    const fd = this.#h.fd;
    let n = fast.recvmsgViews(fd, views, flags, ancbufsize);
    if (n < 0) n = this.#recvmsgViewsWait(n, fd, views, flags, ancbufsize);
    const [ancdata, msgFlags, address] = msg.received();
    return [n, ancdata, msgFlags, address];
  }

  /**
   * Sends a file until its end (or `count` bytes) from byte `offset`, as
   * Python's `socket.sendfile`: with sendfile(2), the bytes going from the
   * file to the socket in the kernel; where that fails before the first byte
   * (or off Linux), by reading the file and sending what it read. `file` is
   * an fd (`fs.openSync`) or an object holding one (`fs.promises.FileHandle`).
   * Returns the number of bytes sent. When some were sent, the file's
   * position is left just past them, also after an error (so the position
   * tells how far it got); when none were, it is left alone.
   *
   * As in Python, a file whose size fstat(2) reports as 0 sends nothing: an
   * empty file, and also a pipe or a socket (use `recv` and `send` for
   * those). Offsets stop at 2^53 - 1, the largest exact JavaScript integer.
   *
   * Blocking mode blocks; in timeout mode every wait for room gets the whole
   * timeout (SocketTimeoutError), as in Python.
   *
   * @throws {TypeError} ERR_INVALID_ARG_VALUE for a socket that is not of a
   *   stream type (SOCK_STREAM, or SOCK_SEQPACKET, which Python's check lets
   *   through too) or that is in non-blocking mode (Python: ValueError).
   * @throws {RangeError} for a negative `offset`, or a `count` that is not a
   *   positive integer.
   */
  sendfile(file: number | { readonly fd: number }, offset = 0, count: number | null = null): number {
    Socket.#brand(this);
    const { inFd, size } = this.#sendfileArgs(file, offset, count);
    const h = this.#h;
    if (size === 0) return 0; // CPython returns before its mode check
    if (this.#timeout === 0) throw v.invalidArgValue('this', 'must not be in non-blocking mode for sendfile', inspect(this));
    // Chunks of at most 1 GiB, as CPython (bpo-38319); count bounds the rest.
    const block = Math.min(count ?? size, 2 ** 30);
    const t = this.#timeout;
    let sent = 0;
    try {
      for (;;) {
        if (t !== null) {
          const w = native.wait(h.fd, POLLOUT, t * 1000 >= INT_MAX ? INT_MAX : Math.ceil(t * 1000));
          if (w < 0) raise(w, 'sendfile');
          if (w === 0) throw new SocketTimeoutError('sendfile');
        }
        const want = Math.min(count === null ? block : count - sent, Number.MAX_SAFE_INTEGER - offset - sent);
        if (want <= 0) break;
        const n = native.sendfile(h.fd, inFd, offset + sent, want);
        if (n === -EAGAIN) {
          if (t === null) native.wait(h.fd, POLLOUT, -1);
          continue;
        }
        if (n < 0) {
          // As CPython: a failure before any byte went means sendfile(2)
          // cannot do it (or the socket is broken): read and send instead,
          // which reports the socket's error itself.
          if (sent === 0) return this.#sendfileBySend(inFd, offset, count);
          raise(n, 'sendfile');
        }
        if (n === 0) break; // end of file
        sent += n;
      }
      return sent;
    } finally {
      if (sent > 0) native.lseek(inFd, offset + sent, native.SEEK_SET);
    }
  }

  /**
   * sendfile()'s checks, shared with sendfileAsync: the file's fd, and its
   * size as fstat(2) reports it. An aborted `signal` wins over the socket's
   * state, as in every async call, but not over bad arguments.
   */
  #sendfileArgs(file: unknown, offset: unknown, count: unknown, signal?: AbortSignal): { inFd: number; size: number } {
    const inFd = fileFd(file);
    v.size(offset, 'offset');
    if (count !== null && v.size(count, 'count') === 0) throw v.outOfRange('count', 'a positive integer', count);
    if (isAborted(signal)) throw abortReason(signal);
    const h = this.#h;
    // CPython's test: `self.type & SOCK_STREAM`.
    if ((h.type & SOCK_STREAM) === 0) throw v.invalidArgValue('this', 'must be a SOCK_STREAM socket', inspect(this));
    if (h.fd < 0) raise(-EBADF, 'sendfile');
    try {
      return { inFd, size: fs.fstatSync(inFd).size };
    } catch (err) {
      throw fsError(err, 'fstat');
    }
  }

  /** sendfile() by read and send, when sendfile(2) fails (CPython's _sendfile_use_send). */
  #sendfileBySend(inFd: number, offset: number, count: number | null): number {
    const seekable = native.lseek(inFd, 0, native.SEEK_CUR) >= 0;
    if (offset !== 0 && !seekable) raise(-ESPIPE, 'lseek');
    const buf = Buffer.allocUnsafe(Math.min(count ?? 8192, 8192));
    let sent = 0;
    try {
      for (;;) {
        const want = Math.min(count === null ? buf.length : count - sent, buf.length, Number.MAX_SAFE_INTEGER - offset - sent);
        if (want <= 0) break;
        let n: number;
        try {
          n = fs.readSync(inFd, buf, 0, want, seekable ? offset + sent : null);
        } catch (err) {
          throw fsError(err, 'read');
        }
        if (n === 0) break; // end of file
        // send(), not sendall(): each partial count is added at once, so an
        // error (a timeout) leaves the position just past what went.
        for (let off = 0; off < n; ) {
          const k = this.send(buf.subarray(off, n));
          off += k;
          sent += k;
        }
      }
      return sent;
    } finally {
      if (sent > 0 && seekable) native.lseek(inFd, offset + sent, native.SEEK_SET);
    }
  }

  /**
   * Shuts down one or both directions: shutdown(2) with SHUT_RD, SHUT_WR or
   * SHUT_RDWR. After SHUT_WR the peer reads EOF. ENOTCONN (107 on Linux) if
   * not connected, EINVAL for a bad `how`.
   */
  shutdown(how: number): void {
    Socket.#brand(this);
    const r = native.shutdown(this.#h.fd, v.int32(how, 'how'));
    if (r < 0) raise(r, 'shutdown');
  }

  /** Whether the fd survives exec(): the inverse of FD_CLOEXEC. False for every socket bsdsock makes. */
  getInheritable(): boolean {
    Socket.#brand(this);
    const r = native.getInheritable(this.#h.fd);
    if (r < 0) raise(r, 'fcntl');
    return r === 1;
  }

  /**
   * Sets whether the fd survives exec() (clears or sets FD_CLOEXEC). A
   * boolean, or a number taken by its truthiness as Python's int.
   */
  setInheritable(inheritable: boolean | number): void {
    Socket.#brand(this);
    if (typeof inheritable !== 'boolean' && typeof inheritable !== 'number') {
      throw v.invalidArgType('inheritable', 'of type boolean or number', inheritable);
    }
    const r = native.setInheritable(this.#h.fd, Boolean(inheritable));
    if (r < 0) raise(r, 'fcntl');
  }

  // ---- async methods ------------------------------------------------------
  //
  // Promise counterparts of the calls that can block. They never block the
  // event loop, whatever the socket's mode: each tries its syscall at once
  // (non-blocking: MSG_DONTWAIT, or O_NONBLOCK for accept/connect), and on
  // EAGAIN waits for the socket's poller (lib/async.ts). The timeout set with
  // settimeout() does not apply; pass `{ signal: AbortSignal.timeout(ms) }`.
  // They reject, never throw, for bad arguments too.

  #aio(): AsyncIo {
    return (this.#io ??= new AsyncIo(this.#h, Socket.#restoreBlocking));
  }

  /** uv_poll_init set O_NONBLOCK; a blocking socket's sync calls need it off. */
  /**
   * Throws ERR_INVALID_THIS unless `self` is a Socket: every public member
   * checks its `this` first, so that a method called detached
   * (`const { recv } = sock`) or on another object is a coded TypeError,
   * not V8's "Cannot read private member".
   */
  static #brand(self: unknown): void {
    if (typeof self !== 'object' || self === null || !(#h in self)) throw v.invalidThis('Socket');
  }

  static #restoreBlocking(owner: object): void {
    const s = owner as Socket;
    if (s.#timeout === null) native.setNonblocking(s.#h.fd, false);
  }

  /**
   * Accepts a connection without blocking the event loop: accept4(2) when
   * the socket is readable. Resolves with `[conn, address]`; the new socket
   * has the default timeout, as with {@link Socket.accept}. A connection
   * reset between readiness and the accept cannot hang the loop.
   */
  acceptAsync(options?: AsyncOptions): Promise<readonly [Socket<F, T>, SocketAddressOf<F>]>;
  acceptAsync(options?: AsyncOptions): Promise<readonly [Socket, SocketAddress]> {
    try {
      Socket.#brand(this);
      options = asyncOptions(options);
      const h = this.#h;
      const timeout = defaultTimeout;
      return this.#aio().run(
        this,
        READ,
        'accept',
        () => native.acceptNowait(h.fd, timeout !== null, addrOut),
        (fd) => {
          const address = decodeAddrOut() ?? '';
          return [adopt(fd, h.family, h.type, h.proto, timeout), address] as const;
        },
        options,
      );
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * Connects without blocking the event loop: a non-blocking connect(2), then
   * waits for writability and reads SO_ERROR. A host name is resolved on the
   * libuv thread pool. An abort stops the wait; the kernel may still complete
   * the connection.
   *
   * A listener whose backlog is full makes the call wait for room, as the
   * blocking {@link Socket.connect} does: over TCP the kernel retries the
   * handshake; over AF_UNIX, where the kernel says EAGAIN and nothing
   * signals room, connect(2) is retried on a timer (after 1 ms, doubling to
   * 100 ms). Pass `{ signal: AbortSignal.timeout(ms) }` to bound the wait.
   */
  connectAsync(address: AddressOf<F>, options?: AsyncOptions): Promise<void>;
  async connectAsync(address: Address, options?: AsyncOptions): Promise<void> {
    Socket.#brand(this);
    options = asyncOptions(options);
    const h = this.#h;
    const sockaddr = await toSockaddrAsync(h.family, address, 'connect', options);
    if (isAborted(options?.signal)) throw abortReason(options.signal);
    if (h.family === AF_UNIX) {
      // EAGAIN is a full backlog: wait for room as the blocking connect
      // does (and as a TCP connect does, its SYNs being retried), not fail
      // as Node's net does. No readiness event says when there is room, so
      // the connect is retried on a timer (AsyncIo.run with `paced`).
      const attempt = (): number => native.connectNowait(h.fd, sockaddr);
      return this.#aio().run(this, WRITE, 'connect', attempt, noValue, options, errorWhere(address, h.family), true);
    }
    const r = native.connectNowait(h.fd, sockaddr);
    if (r === 0) return;
    // Only EINPROGRESS means "connecting": anything else failed.
    if (r !== -EINPROGRESS) raise(r, 'connect', errorWhere(address, h.family));
    // Done when SO_ERROR holds an error (failed) or the socket has a peer
    // (connected); neither yet means the handshake goes on: wait again.
    const outcome = (): number => {
      const g = fast.getsockoptInt(h.fd, SOL_SOCKET, SO_ERROR);
      if (g < 0) return g;
      const err = fast.optionValue();
      if (err !== 0) return -err;
      return native.getpeername(h.fd, addrOut) === 0 ? 0 : -EAGAIN;
    };
    await this.#aio().run(this, WRITE, 'connect', outcome, noValue, options, errorWhere(address, h.family));
  }

  /** {@link Socket.recv} without blocking the event loop. Resolves with the data; empty at EOF. */
  recvAsync(bufsize: number, options?: AsyncOptions): Promise<Buffer>;
  recvAsync(bufsize: number, flags: number, options?: AsyncOptions): Promise<Buffer>;
  recvAsync(bufsize: number, flagsOrOptions?: number | AsyncOptions, maybeOptions?: AsyncOptions): Promise<Buffer> {
    try {
      Socket.#brand(this);
      const [flags, options] = splitFlags(flagsOrOptions, maybeOptions);
      v.size(bufsize, 'bufsize', kMaxLength);
      const h = this.#h;
      if (bufsize === 0) {
        if (h.fd < 0) raise(-EBADF, 'recv');
        return Promise.resolve(Buffer.alloc(0));
      }
      const f = flags | MSG_DONTWAIT;
      return this.#aio().run(this, READ, 'recv', () => pool.recv(h.fd, bufsize, f), (n) => pool.take(n, bufsize), options);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * {@link Socket.recvInto} without blocking the event loop. Resolves with the
   * byte count. If `buffer` is detached (transferred) while the call waits,
   * the call rejects with a RangeError and consumes nothing.
   */
  recvIntoAsync(buffer: ArrayBufferView, options?: AsyncOptions): Promise<number>;
  recvIntoAsync(buffer: ArrayBufferView, nbytes: number, options?: AsyncOptions): Promise<number>;
  recvIntoAsync(buffer: ArrayBufferView, nbytes: number, flags: number, options?: AsyncOptions): Promise<number>;
  recvIntoAsync(buffer: ArrayBufferView, a?: unknown, b?: unknown, c?: unknown): Promise<number> {
    try {
      Socket.#brand(this);
      const { nbytes, flags, options } = splitCounts(a, b, c);
      const view = v.writableView(buffer, 'buffer');
      const len = intoLength(view, nbytes);
      const h = this.#h;
      const f = flags | MSG_DONTWAIT;
      return this.#aio().run(this, READ, 'recv', () => fast.recv(h.fd, view, 0, len, f), identity, options);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** {@link Socket.recvfrom} without blocking the event loop. Resolves with `[data, address]`. */
  recvfromAsync(bufsize: number, options?: AsyncOptions): Promise<readonly [Buffer, SenderOf<F, T>]>;
  recvfromAsync(bufsize: number, flags: number, options?: AsyncOptions): Promise<readonly [Buffer, SenderOf<F, T>]>;
  recvfromAsync(
    bufsize: number,
    flagsOrOptions?: number | AsyncOptions,
    maybeOptions?: AsyncOptions,
  ): Promise<readonly [Buffer, SocketAddress | null]> {
    try {
      Socket.#brand(this);
      const [flags, options] = splitFlags(flagsOrOptions, maybeOptions);
      v.size(bufsize, 'bufsize', kMaxLength);
      const h = this.#h;
      const f = flags | MSG_DONTWAIT;
      return this.#aio().run(
        this,
        READ,
        'recvfrom',
        () => pool.recvfrom(h.fd, bufsize, f),
        (n) => [pool.take(n, bufsize), decodeAddrOut()] as const,
        options,
      );
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** {@link Socket.recvfromInto} without blocking the event loop. Resolves with `[nbytes, address]`. */
  recvfromIntoAsync(buffer: ArrayBufferView, options?: AsyncOptions): Promise<readonly [number, SenderOf<F, T>]>;
  recvfromIntoAsync(buffer: ArrayBufferView, nbytes: number, options?: AsyncOptions): Promise<readonly [number, SenderOf<F, T>]>;
  recvfromIntoAsync(
    buffer: ArrayBufferView,
    nbytes: number,
    flags: number,
    options?: AsyncOptions,
  ): Promise<readonly [number, SenderOf<F, T>]>;
  recvfromIntoAsync(
    buffer: ArrayBufferView,
    a?: unknown,
    b?: unknown,
    c?: unknown,
  ): Promise<readonly [number, SocketAddress | null]> {
    try {
      Socket.#brand(this);
      const { nbytes, flags, options } = splitCounts(a, b, c);
      const view = v.writableView(buffer, 'buffer');
      const len = intoLength(view, nbytes);
      const h = this.#h;
      const f = flags | MSG_DONTWAIT;
      return this.#aio().run(
        this,
        READ,
        'recvfrom',
        () => fast.recvfrom(h.fd, view, 0, len, f),
        (n) => [n, decodeAddrOut()] as const,
        options,
      );
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** {@link Socket.send} without blocking the event loop. Resolves with the count sent (may be partial). */
  sendAsync(data: Data, options?: AsyncOptions): Promise<number>;
  sendAsync(data: Data, flags: number, options?: AsyncOptions): Promise<number>;
  sendAsync(data: Data, flagsOrOptions?: number | AsyncOptions, maybeOptions?: AsyncOptions): Promise<number> {
    try {
      Socket.#brand(this);
      const [flags, options] = splitFlags(flagsOrOptions, maybeOptions);
      const view = v.data(data);
      const h = this.#h;
      const len = v.byteLength(view);
      const f = flags | MSG_DONTWAIT;
      return this.#aio().run(this, WRITE, 'send', () => fast.send(h.fd, view, 0, len, f), identity, options);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * {@link Socket.sendall} without blocking the event loop: sends as much as
   * the socket takes, waits for writability, goes on. An abort stops it, but
   * what was already sent stays sent.
   */
  sendallAsync(data: Data, options?: AsyncOptions): Promise<void>;
  sendallAsync(data: Data, flags: number, options?: AsyncOptions): Promise<void>;
  sendallAsync(data: Data, flagsOrOptions?: number | AsyncOptions, maybeOptions?: AsyncOptions): Promise<void> {
    try {
      Socket.#brand(this);
      const [flags, options] = splitFlags(flagsOrOptions, maybeOptions);
      const view = v.data(data);
      const h = this.#h;
      const total = v.byteLength(view);
      const f = flags | MSG_DONTWAIT;
      let off = 0;
      const attempt = (): number => {
        for (;;) {
          const n = fast.send(h.fd, view, off, total - off, f);
          if (n < 0) return n;
          off += n;
          if (off >= total) return total;
        }
      };
      return this.#aio().run(this, WRITE, 'send', attempt, noValue, options);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * {@link Socket.sendto} without blocking the event loop. Called as
   * `sendtoAsync(data, address, options?)` or `sendtoAsync(data, flags,
   * address, options?)`. A host name is resolved on the libuv thread pool;
   * the call keeps its place in the write queue meanwhile, so the writes made
   * after it wait for it.
   *
   * An AF_UNIX datagram socket should be connect()ed to its peer first when
   * the receiver can fall behind: Linux reports an unconnected one as
   * writable whatever the receiver's queue holds, so waiting for room would
   * wake on every turn of the event loop.
   */
  sendtoAsync(data: Data, address: AddressOf<F>, options?: AsyncOptions): Promise<number>;
  sendtoAsync(data: Data, flags: number, address: AddressOf<F>, options?: AsyncOptions): Promise<number>;
  sendtoAsync(
    data: Data,
    flagsOrAddress: number | Address,
    addressOrOptions?: Address | AsyncOptions,
    maybeOptions?: AsyncOptions,
  ): Promise<number> {
    try {
      Socket.#brand(this);
      let flags = 0;
      let to: unknown = flagsOrAddress;
      const options = asyncOptions(typeof flagsOrAddress === 'number' ? maybeOptions : addressOrOptions);
      if (typeof flagsOrAddress === 'number') {
        flags = v.int32(flagsOrAddress, 'flags');
        to = addressOrOptions;
      }
      const view = v.data(data);
      const family = this.#h.family;
      const sockaddr = (this.#sendtoCache ??= new SockaddrCache()).literal(family, to, 'sendto');
      // Not an async function: a literal address, the common case, costs no
      // second promise and no second await.
      const h = this.#h;
      const len = v.byteLength(view);
      const f = flags | MSG_DONTWAIT;
      if (sockaddr !== null) {
        return this.#aio().run(this, WRITE, 'sendto', () => fast.sendto(h.fd, view, 0, len, f, sockaddr), identity, options, errorWhere(to, family));
      }
      // A name: the call keeps its place among the writes while it resolves.
      const ready = toSockaddrAsync(family, to, 'sendto', options).then(
        (resolved) => () => fast.sendto(h.fd, view, 0, len, f, resolved),
      );
      return this.#aio().runWhen(this, WRITE, 'sendto', ready, options, errorWhere(to, family));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * {@link Socket.sendmsg} without blocking the event loop. Resolves with the
   * count sent. Called as `sendmsgAsync(buffers, ancdata?, flags?, address?,
   * options?)`; the options may follow any of the arguments. A host name in
   * `address` is resolved on the libuv thread pool, keeping the call's place
   * among the writes. A buffer whose size changes while the call waits fails
   * it with a RangeError before the syscall. The ancillary data is copied
   * when the call is made; fds in it are looked up by the kernel when the
   * message goes out, so keep them open until the promise settles.
   */
  sendmsgAsync(buffers: DataList, options?: AsyncOptions): Promise<number>;
  sendmsgAsync(buffers: DataList, ancdata: Iterable<AncillaryData>, options?: AsyncOptions): Promise<number>;
  sendmsgAsync(buffers: DataList, ancdata: Iterable<AncillaryData>, flags: number, options?: AsyncOptions): Promise<number>;
  sendmsgAsync(
    buffers: DataList,
    ancdata: Iterable<AncillaryData>,
    flags: number,
    address: AddressOf<F> | null,
    options?: AsyncOptions,
  ): Promise<number>;
  sendmsgAsync(buffers: Iterable<Data>, ...rest: unknown[]): Promise<number> {
    try {
      Socket.#brand(this);
      const [ancdata = [], flags = 0, address = null, options] = withOptions(rest, 3) as [
        Iterable<AncillaryData> | undefined,
        number | undefined,
        Address | null | undefined,
        AsyncOptions | undefined,
      ];
      const views = msg.sendBuffers(buffers);
      const cmsgs = msg.ancillaryOut(ancdata);
      const f = v.int32(flags, 'flags') | MSG_DONTWAIT;
      const h = this.#h;
      const sizes = msg.sizesOf(views);
      const attempt = (to: Buffer | null) => () => {
        msg.checkSizes(views, sizes);
        return fast.sendmsg(h.fd, views, cmsgs, f, to);
      };
      if (address === null) return this.#aio().run(this, WRITE, 'sendmsg', attempt(null), identity, options);
      const sockaddr = toSockaddr(h.family, address, 'sendmsg', false);
      if (sockaddr !== null) {
        return this.#aio().run(this, WRITE, 'sendmsg', attempt(sockaddr), identity, options, errorWhere(address, h.family));
      }
      const ready = toSockaddrAsync(h.family, address, 'sendmsg', options).then(attempt);
      return this.#aio().runWhen(this, WRITE, 'sendmsg', ready, options, errorWhere(address, h.family));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * {@link Socket.recvmsg} without blocking the event loop. Resolves with
   * `[data, ancdata, msgFlags, address]`.
   */
  recvmsgAsync(bufsize: number, options?: AsyncOptions): Promise<RecvmsgResult<SenderOf<F, T>>>;
  recvmsgAsync(bufsize: number, ancbufsize: number, options?: AsyncOptions): Promise<RecvmsgResult<SenderOf<F, T>>>;
  recvmsgAsync(bufsize: number, ancbufsize: number, flags: number, options?: AsyncOptions): Promise<RecvmsgResult<SenderOf<F, T>>>;
  recvmsgAsync(bufsize: number, ...rest: unknown[]): Promise<RecvmsgResult> {
    try {
      Socket.#brand(this);
      const [ancbufsize = 0, flags = 0, options] = withOptions(rest, 2) as [number | undefined, number | undefined, AsyncOptions | undefined];
      v.size(bufsize, 'bufsize', kMaxLength);
      msg.ancillarySize(ancbufsize);
      const f = v.int32(flags, 'flags') | MSG_DONTWAIT;
      const h = this.#h;
      return this.#aio().run(
        this,
        READ,
        'recvmsg',
        () => pool.recvmsg(h.fd, bufsize, f, ancbufsize),
        (n): RecvmsgResult => {
          const [ancdata, msgFlags, address] = msg.received();
          return [pool.take(n, bufsize), ancdata, msgFlags, address];
        },
        options,
      );
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * {@link Socket.recvmsgInto} without blocking the event loop. Resolves with
   * `[nbytes, ancdata, msgFlags, address]`. A buffer whose size changes while
   * the call waits fails it with a RangeError before the syscall.
   */
  recvmsgIntoAsync(buffers: Iterable<ArrayBufferView>, options?: AsyncOptions): Promise<RecvmsgIntoResult<SenderOf<F, T>>>;
  recvmsgIntoAsync(buffers: Iterable<ArrayBufferView>, ancbufsize: number, options?: AsyncOptions): Promise<RecvmsgIntoResult<SenderOf<F, T>>>;
  recvmsgIntoAsync(
    buffers: Iterable<ArrayBufferView>,
    ancbufsize: number,
    flags: number,
    options?: AsyncOptions,
  ): Promise<RecvmsgIntoResult<SenderOf<F, T>>>;
  recvmsgIntoAsync(buffers: Iterable<ArrayBufferView>, ...rest: unknown[]): Promise<RecvmsgIntoResult> {
    try {
      Socket.#brand(this);
      const [ancbufsize = 0, flags = 0, options] = withOptions(rest, 2) as [number | undefined, number | undefined, AsyncOptions | undefined];
      const views = msg.intoBuffers(buffers);
      msg.ancillarySize(ancbufsize);
      const f = v.int32(flags, 'flags') | MSG_DONTWAIT;
      const h = this.#h;
      const sizes = msg.sizesOf(views);
      return this.#aio().run(
        this,
        READ,
        'recvmsg',
        () => {
          msg.checkSizes(views, sizes);
          return fast.recvmsgViews(h.fd, views, f, ancbufsize);
        },
        (n): RecvmsgIntoResult => {
          const [ancdata, msgFlags, address] = msg.received();
          return [n, ancdata, msgFlags, address];
        },
        options,
      );
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * {@link Socket.sendfile} without blocking the event loop, as asyncio's
   * `loop.sock_sendfile`: sendfile(2) made non-blocking whatever the socket's
   * mode, waiting for room between chunks. Resolves with the number of bytes
   * sent. Where sendfile(2) fails before the first byte, the file is read
   * (a chunk at a time, with blocking reads, as a regular file's are) and
   * sent. The file's position ends just past what was sent, also after an
   * error or an abort. Called as `sendfileAsync(file, offset?, count?,
   * options?)`; the options may follow any of the arguments.
   *
   * It moves at most 4 MiB per turn of the event loop (1 MiB per
   * sendfile(2) call), so other work runs even when the peer keeps up. On a
   * blocking socket each of those calls sets O_NONBLOCK for its duration,
   * as acceptAsync and connectAsync do for theirs: another process sharing
   * the socket's open file description may see EAGAIN meanwhile.
   */
  sendfileAsync(file: number | { readonly fd: number }, options?: AsyncOptions): Promise<number>;
  sendfileAsync(file: number | { readonly fd: number }, offset: number, options?: AsyncOptions): Promise<number>;
  sendfileAsync(file: number | { readonly fd: number }, offset: number, count: number | null, options?: AsyncOptions): Promise<number>;
  sendfileAsync(file: number | { readonly fd: number }, ...rest: unknown[]): Promise<number> {
    try {
      Socket.#brand(this);
      const [offset = 0, count = null, options] = withOptions(rest, 2) as [number | undefined, number | null | undefined, AsyncOptions | undefined];
      const { inFd, size } = this.#sendfileArgs(file, offset, count, options?.signal);
      if (size === 0) return Promise.resolve(0); // as the sync form, as CPython
      const h = this.#h;
      // Each turn of the loop moves at most TURN_BYTES, in sendfile(2) calls
      // of at most CHUNK_BYTES, then yields (-EAGAIN: the socket is still
      // writable, so the poller brings the call back next turn), as asyncio
      // yields after each os.sendfile: a peer that keeps up must not hold the
      // event loop for the whole file.
      const left = () => Math.min(count === null ? Infinity : count - sent, Number.MAX_SAFE_INTEGER - offset - sent);
      let sent = 0;
      // After a sendfile(2) failure before the first byte: read and send,
      // keeping a chunk read but not yet sent across waits.
      let fallback: { buf: Buffer; chunk: Buffer } | null = null;
      const step = (budget: number): number => {
        for (;;) {
          if (fallback === null) {
            const want = Math.min(left(), SENDFILE_CHUNK_BYTES, budget);
            if (want <= 0) return left() <= 0 ? sent : -EAGAIN;
            const n = native.sendfileNowait(h.fd, inFd, offset + sent, want);
            if (n === -EAGAIN) return n;
            if (n < 0 && sent === 0) {
              const buf = Buffer.allocUnsafe(Math.min(count ?? 8192, 8192));
              fallback = { buf, chunk: buf.subarray(0, 0) };
              continue;
            }
            if (n <= 0) return n < 0 ? n : sent; // an error, or the end of the file
            sent += n;
            budget -= n;
            continue;
          }
          if (fallback.chunk.length === 0) {
            const want = Math.min(left(), fallback.buf.length);
            if (want <= 0) return sent;
            if (budget <= 0) return -EAGAIN;
            let n: number;
            try {
              n = fs.readSync(inFd, fallback.buf, 0, want, offset + sent);
            } catch (err) {
              throw fsError(err, 'read');
            }
            if (n === 0) return sent; // the end of the file
            fallback.chunk = fallback.buf.subarray(0, n);
          }
          const k = fast.send(h.fd, fallback.chunk, 0, fallback.chunk.length, MSG_DONTWAIT);
          if (k < 0) return k;
          fallback.chunk = fallback.chunk.subarray(k);
          sent += k;
          budget -= k;
        }
      };
      // The position follows every attempt that moved bytes, however it
      // ends (an error, a throw, an abort afterwards).
      const attempt = (): number => {
        const before = sent;
        try {
          return step(SENDFILE_TURN_BYTES);
        } finally {
          if (sent !== before) native.lseek(inFd, offset + sent, native.SEEK_SET);
        }
      };
      return this.#aio().run(this, WRITE, 'sendfile', attempt, (): number => sent, options);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  // ---- batches: sendmmsg, recvmmsg, UDP GSO and GRO (lib/mmsg.ts) ----------

  /**
   * Sends many datagrams in one call: sendmmsg(2) with MSG_NOSIGNAL (on
   * Linux; elsewhere one sendmsg(2) per datagram, with the same results).
   * `messages` is any iterable of datagrams: each is its data alone on a
   * connected socket (a string is sent as UTF-8), `[data, address]` on an
   * unconnected one, or `[data, address | null, segmentSize]` to send the
   * data as UDP GSO segments of `segmentSize` bytes (a UDP_SEGMENT control
   * message: the kernel cuts it into datagrams, the last possibly shorter;
   * EOPNOTSUPP on a socket that is not UDP). Literal addresses are
   * converted once while they repeat; host names are resolved with a
   * blocking getaddrinfo(3), on every call. A buffer repeated in a row
   * (one message to many peers) is looked up once per call.
   *
   * Returns how many datagrams were sent (a GSO message counts as one), as
   * sendmmsg(2) does: at most 1024 (UIO_MAXIOV) per call, and fewer when
   * the socket buffer fills in non-blocking or timeout mode, or when a
   * datagram fails after the first: send the rest again, and that call
   * reports the failure. Follows the socket's mode for the first datagram:
   * blocking mode waits (EINTR is retried), non-blocking mode throws EAGAIN,
   * timeout mode waits up to the timeout (SocketTimeoutError). An error
   * before any datagram is sent is thrown: EMSGSIZE for one too large,
   * EDESTADDRREQ (UDP) or ENOTCONN (AF_UNIX) for a message without an
   * address on an unconnected socket, EINVAL for GSO segments beyond the
   * kernel's count (64 or 128), ECONNREFUSED after an ICMP error.
   */
  sendmmsg(messages: MmsgList, flags = 0): number {
    Socket.#brand(this);
    if (flags !== 0) v.int32(flags, 'flags');
    const h = this.#h;
    const out = mmsg.outgoing(messages, h.family, h.type, 'sendmmsg', true);
    const n = mmsg.send(h.fd, out, 0, flags);
    return n >= 0 ? n : this.#sendmmsgWait(n, out, flags);
  }

  #sendmmsgWait(r: number, out: mmsg.Outgoing, flags: number): number {
    const fd = this.#h.fd;
    return this.#retry(r, 'sendmmsg', POLLOUT, () => mmsg.send(fd, out, 0, flags), mmsg.where(out, 0));
  }

  /**
   * Receives up to `vlen` datagrams (0 to 1024) of up to `bufsize` bytes
   * each in one call: recvmmsg(2) with MSG_WAITFORONE (on Linux; elsewhere
   * recvmsg(2) until one would block). Returns an array of `[data, address]`
   * as recvfrom() gives them: one to `vlen` of them, whatever is queued
   * once the first has arrived. Same blocking rules as
   * {@link Socket.recvfrom}: blocking mode waits for the first datagram only
   * (recvmmsg(2) without MSG_WAITFORONE would wait for all `vlen`), EAGAIN
   * in non-blocking mode, SocketTimeoutError in timeout mode; EINTR is
   * retried. A datagram longer than `bufsize` is cut, as by recvfrom(). An
   * error after the first datagram ends the batch early and is thrown by
   * the next call (ECONNREFUSED after an ICMP error, for one).
   *
   * On a UDP socket with UDP_GRO on (`setsockopt(SOL_UDP, UDP_GRO, 1)`), a
   * receive may hold many datagrams coalesced: each is returned on its
   * own, split by the segment size of its control message, so the result
   * may then hold more than `vlen` entries. Give such a socket a `bufsize`
   * of 65535 or so: a coalesced receive longer than `bufsize` is cut.
   *
   * The bytes land in the pool that recv() uses (lib/pool.ts): each
   * datagram costs about its own size, whatever `bufsize`; for no
   * allocation at all, use {@link Socket.recvmmsgInto}.
   */
  recvmmsg(vlen: number, bufsize: number, flags = 0): RecvmmsgResult {
    Socket.#brand(this);
    mmsg.vlenArg(vlen);
    mmsg.bufsizeArg(vlen, bufsize);
    if (flags !== 0) v.int32(flags, 'flags');
    const h = this.#h;
    const control = mmsg.controlFor(h.family, h.type);
    let n = mmsg.recvPool(h.fd, vlen, bufsize, flags, control);
    if (n < 0) n = this.#recvmmsgWait(n, vlen, bufsize, flags, control);
    return mmsg.received(n, bufsize);
  }

  #recvmmsgWait(r: number, vlen: number, bufsize: number, flags: number, control: number): number {
    const fd = this.#h.fd;
    return this.#retry(r, 'recvmmsg', POLLIN, () => mmsg.recvPool(fd, vlen, bufsize, flags, control));
  }

  /**
   * Receives up to one datagram into each of `buffers` (any iterable of
   * writable views; the first 1024 are used) in one call, without copying
   * and without allocating per datagram: recvmmsg(2), with the blocking
   * rules of {@link Socket.recvmmsg}. A call costs about what arrives rather
   * than what `buffers` could hold (finding a buffer's memory costs native
   * code about 290 instructions):
   *
   * - It is not a single recvmmsg(2): the first takes as many datagrams as
   *   the call before with the same array received, plus 2 (at least 4, at
   *   most 16), and only when it fills them all and ioctl(FIONREAD) shows
   *   another queued does a second, non-blocking one take the rest. An
   *   empty datagram queued right after the first step waits for the next
   *   call.
   * - Given the same buffers as the call before, it does not look their
   *   memory up again: a buffer is looked up again when the array holds
   *   another object at its place, or when its length (read with
   *   %TypedArray%.prototype's getter) changed, as it does when its
   *   ArrayBuffer is detached or resized. A DataView is looked up every
   *   time.
   *
   * Returns a {@link RecvmmsgIntoResult}: `count`, and per message
   * `sizes[i]`, `flags[i]` (MSG_TRUNC when the datagram did not fit its
   * buffer, per message), `segmentSizes[i]` (UDP GRO) and `address(i)`,
   * decoded when asked for.
   *
   * The result object belongs to the `buffers` array: each call with the
   * same array refills and returns the same object, as it refills the
   * buffers, so a receive loop allocates nothing. (Measured with callgrind,
   * a fresh result per call, its ArrayBuffer and WeakMap entry and the
   * garbage collection they bring, cost about 800 instructions per datagram
   * of a batch of 64, where the whole send and receive of one cost 1,130.)
   * Read what you need before the next call with that array.
   */
  recvmmsgInto(buffers: Iterable<ArrayBufferView>, flags = 0): RecvmmsgIntoResult {
    Socket.#brand(this);
    const result = mmsg.resultFor(buffers);
    const views = mmsg.viewsOf(result);
    if (flags !== 0) v.int32(flags, 'flags');
    const h = this.#h;
    const control = mmsg.controlFor(h.family, h.type);
    let n = mmsg.recvInto(h.fd, result, views, flags, control);
    if (n < 0) n = this.#recvmmsgIntoWait(n, result, views, flags, control);
    return mmsg.filled(result, views, n);
  }

  #recvmmsgIntoWait(r: number, result: RecvmmsgIntoResult, views: ArrayBufferView[], flags: number, control: number): number {
    const fd = this.#h.fd;
    return this.#retry(r, 'recvmmsg', POLLIN, () => mmsg.recvInto(fd, result, views, flags, control));
  }

  /**
   * {@link Socket.sendmmsg} without blocking the event loop, and for all of
   * `messages`: sends as many as the socket takes, waits for writability,
   * goes on, until every one is sent, then resolves with their count. At
   * most 1024 go per turn of the event loop, so a long list does not hold
   * it. Called as `sendmmsgAsync(messages, flags?, options?)`. Host names
   * are resolved on the libuv thread pool first, the call keeping its place
   * among the writes. A failure rejects (the datagrams before the failing
   * one were sent); so does an abort, and what was sent stays sent. A
   * buffer whose size changes while the call waits fails it with a
   * RangeError before the next syscall. As with sendtoAsync, connect() an
   * AF_UNIX datagram socket to its peer first: Linux reports an unconnected
   * one as writable whatever the receiver's queue holds.
   */
  sendmmsgAsync(messages: MmsgList, options?: AsyncOptions): Promise<number>;
  sendmmsgAsync(messages: MmsgList, flags: number, options?: AsyncOptions): Promise<number>;
  sendmmsgAsync(messages: MmsgList, ...rest: unknown[]): Promise<number> {
    try {
      Socket.#brand(this);
      const [flags = 0, options] = withOptions(rest, 1) as [number | undefined, AsyncOptions | undefined];
      const f = v.int32(flags, 'flags') | MSG_DONTWAIT;
      const h = this.#h;
      const out = mmsg.outgoing(messages, h.family, h.type, 'sendmmsg', false);
      const total = out.views.length;
      // The views' sizes, taken when the call starts to wait (nothing can
      // have changed before), so that a call that never waits never
      // measures them.
      let sizes: Int32Array | null = null;
      let tried = false;
      let sent = 0;
      const attempt = (): number => {
        if (sizes !== null) mmsg.checkSizes(out.views, sizes, 'messages');
        tried = true;
        for (let turn = 0; sent < total; ) {
          // Yield, the poller bringing the call back next turn.
          if (turn >= mmsg.MMSG_MAX) return (sizes ??= mmsg.sizesOf(out.views)), -EAGAIN;
          const n = mmsg.send(h.fd, out, sent, f);
          if (n < 0) {
            if (n === -EAGAIN) sizes ??= mmsg.sizesOf(out.views);
            return n;
          }
          sent += n;
          turn += n;
        }
        return sent;
      };
      const where = mmsg.where(out, 0);
      if (out.lookups === null) {
        const p = this.#aio().run(this, WRITE, 'sendmmsg', attempt, identity, options, where);
        if (!tried) sizes = mmsg.sizesOf(out.views);
        return p;
      }
      sizes = mmsg.sizesOf(out.views);
      const ready = mmsg.resolveLookups(out, h.family, 'sendmmsg', options).then(() => attempt);
      return this.#aio().runWhen(this, WRITE, 'sendmmsg', ready, options, where);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * {@link Socket.recvmmsg} without blocking the event loop: resolves with
   * the `[data, address]` pairs that one readiness of the socket yields, up
   * to `vlen` receives. Called as `recvmmsgAsync(vlen, bufsize, flags?,
   * options?)`.
   */
  recvmmsgAsync(vlen: number, bufsize: number, options?: AsyncOptions): Promise<RecvmmsgResult>;
  recvmmsgAsync(vlen: number, bufsize: number, flags: number, options?: AsyncOptions): Promise<RecvmmsgResult>;
  recvmmsgAsync(vlen: number, bufsize: number, ...rest: unknown[]): Promise<RecvmmsgResult> {
    try {
      Socket.#brand(this);
      const [flags = 0, options] = withOptions(rest, 1) as [number | undefined, AsyncOptions | undefined];
      mmsg.vlenArg(vlen);
      mmsg.bufsizeArg(vlen, bufsize);
      const f = v.int32(flags, 'flags') | MSG_DONTWAIT;
      const h = this.#h;
      const control = mmsg.controlFor(h.family, h.type);
      return this.#aio().run(
        this,
        READ,
        'recvmmsg',
        () => mmsg.recvPool(h.fd, vlen, bufsize, f, control),
        (n) => mmsg.received(n, bufsize),
        options,
      );
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * {@link Socket.recvmmsgInto} without blocking the event loop: resolves
   * with what one readiness of the socket yields, up to one datagram per
   * buffer. Called as `recvmmsgIntoAsync(buffers, flags?, options?)`. The
   * result belongs to the `buffers` array, as with recvmmsgInto: two calls
   * pending on the same array fill the same buffers and the same result. A
   * buffer whose size changes while the call waits fails it with a
   * RangeError before the syscall.
   */
  recvmmsgIntoAsync(buffers: Iterable<ArrayBufferView>, options?: AsyncOptions): Promise<RecvmmsgIntoResult>;
  recvmmsgIntoAsync(buffers: Iterable<ArrayBufferView>, flags: number, options?: AsyncOptions): Promise<RecvmmsgIntoResult>;
  recvmmsgIntoAsync(buffers: Iterable<ArrayBufferView>, ...rest: unknown[]): Promise<RecvmmsgIntoResult> {
    try {
      Socket.#brand(this);
      const [flags = 0, options] = withOptions(rest, 1) as [number | undefined, AsyncOptions | undefined];
      const result = mmsg.resultFor(buffers);
      const views = mmsg.viewsOf(result);
      const f = v.int32(flags, 'flags') | MSG_DONTWAIT;
      const h = this.#h;
      const control = mmsg.controlFor(h.family, h.type);
      // The views' sizes, taken when the call starts to wait (see sendmmsgAsync).
      let sizes: Int32Array | null = null;
      let tried = false;
      const p = this.#aio().run(
        this,
        READ,
        'recvmmsg',
        () => {
          if (sizes !== null) mmsg.checkSizes(views, sizes, 'buffers');
          tried = true;
          const r = mmsg.recvInto(h.fd, result, views, f, control);
          if (r === -EAGAIN) sizes ??= mmsg.sizesOf(views);
          return r;
        },
        (n) => mmsg.filled(result, views, n),
        options,
      );
      if (!tried) sizes = mmsg.sizesOf(views);
      return p;
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Lets a pending async call keep the process alive (the default). Returns the socket. */
  ref(): this {
    Socket.#brand(this);
    this.#aio().ref();
    return this;
  }

  /** Lets the process exit even while an async call is pending, as Node's `socket.unref()`. */
  unref(): this {
    Socket.#brand(this);
    this.#aio().unref();
    return this;
  }

  // ---- the bridge into Node ----------------------------------------------

  /**
   * Moves this connected SOCK_STREAM socket (AF_INET, AF_INET6 or AF_UNIX)
   * into a Node `net.Socket`, for code that speaks Node streams. Ownership
   * moves: this socket is detached (pending async calls are rejected with
   * EBADF) and Node closes the fd. Options set before (TCP_NODELAY,
   * SO_KEEPALIVE, any setsockopt) stay in effect.
   *
   * @throws {SocketError} ENOTCONN if not connected.
   * @throws {TypeError} ERR_INVALID_ARG_VALUE for a socket that is not a
   *   SOCK_STREAM of AF_INET, AF_INET6 or AF_UNIX, and whatever `net.Socket`
   *   rejects in `options`; the socket is not handed over then.
   */
  toNetSocket(options: Omit<net.SocketConstructorOpts, 'fd'> = {}): net.Socket {
    Socket.#brand(this);
    this.#checkBridge('toNetSocket');
    netSocketOptions(options);
    const r = native.getpeername(this.#h.fd, addrOut);
    if (r < 0) raise(r, 'getpeername');
    // Whatever else net.Socket's constructor rejects (a bad highWaterMark or
    // encoding...), it rejects without an fd too: try that first, so that a
    // bad option leaves this socket as it was.
    const { signal: _signal, ...rest } = options as Record<string, unknown>;
    new net.Socket(rest).destroy();
    const fd = this.detach();
    try {
      return new net.Socket({ readable: true, writable: true, ...options, fd });
    } catch (err) {
      native.close(fd); // nobody owns it now: never leak it
      throw err;
    }
  }

  /**
   * Moves this listening SOCK_STREAM socket into a Node `net.Server` (a new
   * one, or the one given, such as an `http.Server`), which starts accepting
   * on it: set any option first (SO_REUSEPORT, TCP_DEFER_ACCEPT,
   * IP_FREEBIND...), bind and listen with bsdsock, then let Node serve.
   * Ownership moves: this socket is detached and Node closes the fd. Node
   * calls listen(2) again with its own backlog (511 unless `backlog` is given).
   *
   * @throws {SocketError} EINVAL if the socket is not listening.
   * @throws {TypeError} ERR_INVALID_ARG_VALUE for a socket that is not a
   *   SOCK_STREAM of AF_INET, AF_INET6 or AF_UNIX; the socket is not handed
   *   over then.
   */
  toNetServer<T extends net.Server = net.Server>(server?: T, backlog?: number): T {
    Socket.#brand(this);
    this.#checkBridge('toNetServer');
    if (server !== undefined && !(server instanceof net.Server)) {
      throw v.invalidArgType('server', 'an instance of net.Server', server);
    }
    if (server?.listening) {
      // Node's own error for it, raised before the socket changes hands.
      const err = new Error('Listen method has been called more than once without closing.');
      throw Object.assign(err, { code: 'ERR_SERVER_ALREADY_LISTEN' });
    }
    if (backlog !== undefined) v.int32(backlog, 'backlog');
    if (intOption(this.#h.fd, SOL_SOCKET, SO_ACCEPTCONN) !== 1) raise(-E.EINVAL, 'listen');
    const srv = server ?? (net.createServer() as T);
    const fd = this.detach();
    // For a handle, Node only reads the backlog from its own argument.
    if (backlog === undefined) srv.listen({ fd });
    else srv.listen({ fd }, backlog);
    return srv;
  }

  #checkBridge(call: string): void {
    const h = this.#h;
    if (h.fd < 0) raise(-EBADF, call);
    if (h.type !== SOCK_STREAM || (h.family !== AF_INET && h.family !== AF_INET6 && h.family !== AF_UNIX)) {
      throw v.invalidArgValue('this', 'must be a SOCK_STREAM socket of AF_INET, AF_INET6 or AF_UNIX', inspect(this));
    }
  }

  /** Closes the socket at the end of a `using` block. */
  [Symbol.dispose](): void {
    Socket.#brand(this);
    this.close();
  }

  /** `<Socket fd=5 family=AF_INET type=SOCK_STREAM laddr=['127.0.0.1', 8080]>`, or `<Socket [closed] ...>`. */
  [inspect.custom](): string {
    Socket.#brand(this);
    return describe(this.#h);
  }
}

/** Checks what net.Socket's constructor would reject, before the fd changes hands. */
function netSocketOptions(options: unknown): void {
  if (typeof options !== 'object' || options === null) throw v.invalidArgType('options', 'of type object', options);
  const o = options as Record<string, unknown>;
  if ('fd' in o || 'handle' in o) throw v.invalidArgValue('options', 'must not have fd or handle', options);
  for (const key of ['allowHalfOpen', 'readable', 'writable', 'noDelay', 'keepAlive', 'pauseOnCreate']) {
    if (o[key] !== undefined && typeof o[key] !== 'boolean') throw v.invalidArgType(`options.${key}`, 'of type boolean', o[key]);
  }
  if (o.keepAliveInitialDelay !== undefined) v.size(o.keepAliveInitialDelay, 'options.keepAliveInitialDelay');
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) {
    throw v.invalidArgType('options.signal', 'an instance of AbortSignal', o.signal);
  }
}

function noValue(): void {}

/** The (flags, options) of `m(x, flags?, options?)` or `m(x, options?)`. */
function splitFlags(
  flagsOrOptions: number | AsyncOptions | undefined,
  maybeOptions: AsyncOptions | undefined,
): [number, AsyncOptions | undefined] {
  if (isOptions(flagsOrOptions)) return [0, asyncOptions(flagsOrOptions)];
  const flags = flagsOrOptions === undefined ? 0 : v.int32(flagsOrOptions, 'flags');
  return [flags, asyncOptions(maybeOptions)];
}

/** The arguments of `m(buffer, nbytes?, flags?, options?)`, sorted out (reused: no allocation). */
const counts = { nbytes: 0, flags: 0, options: undefined as AsyncOptions | undefined };

function splitCounts(a: unknown, b: unknown, c: unknown): typeof counts {
  counts.nbytes = 0;
  counts.flags = 0;
  counts.options = undefined;
  if (isOptions(a)) {
    counts.options = asyncOptions(a);
  } else {
    counts.nbytes = (a === undefined ? 0 : a) as number; // checked by intoLength
    if (isOptions(b)) {
      counts.options = asyncOptions(b);
    } else {
      if (b !== undefined) counts.flags = v.int32(b, 'flags');
      if (c !== undefined) counts.options = asyncOptions(c);
    }
  }
  return counts;
}

// sendfileAsync's slices: at most this much per sendfile(2) call, and per
// turn of the event loop.
const SENDFILE_CHUNK_BYTES = 1 << 20;
const SENDFILE_TURN_BYTES = 4 << 20;

/** sendfile()'s `file`: an fd, or an object holding one (a FileHandle). */
function fileFd(file: unknown): number {
  const fd = typeof file === 'object' && file !== null && 'fd' in file ? (file as { fd: unknown }).fd : file;
  if (typeof fd !== 'number') {
    throw v.invalidArgType('file', 'a file descriptor or an object with an fd property (a FileHandle)', file);
  }
  return v.size(fd, 'file', INT_MAX);
}

/** A node:fs error (errno negative, as libuv's) as a SocketError of `syscall`. */
function fsError(err: unknown, syscall: string): unknown {
  const errno = (err as { errno?: unknown }).errno;
  return typeof errno === 'number' ? errnoError(Math.abs(errno), syscall) : err;
}

function intoLength(view: ArrayBufferView, nbytes: number): number {
  const length = v.byteLength(view);
  if (nbytes === 0) return length; // the common case, checked cheaply
  v.size(nbytes, 'nbytes');
  if (nbytes > length) throw v.outOfRange('nbytes', `<= buffer.byteLength (${length})`, nbytes);
  return nbytes;
}

function intOption(fd: number, level: number, name: number): number {
  const r = fast.getsockoptInt(fd, level, name);
  if (r < 0) raise(r, 'getsockopt');
  return fast.optionValue();
}

/** Makes a fresh fd non-blocking, closing it (so it cannot leak) if that fails. */
function setNonblockingOrClose(fd: number): void {
  const r = native.setNonblocking(fd, true);
  if (r < 0) {
    native.close(fd);
    raise(r, 'fcntl');
  }
}

// ---- module functions -------------------------------------------------------

/**
 * Creates a socket: `socket(AF_INET, SOCK_STREAM)` and so on. The same as
 * `new Socket(...)`; see {@link Socket}'s constructor. Typed by its family
 * and type, AF_INET and SOCK_STREAM when omitted; one that wraps `fileno`
 * is of unknown family (see {@link hasFamily}).
 */
export function socket(): Socket<AF_INET_T, SOCK_STREAM_T>;
export function socket<F extends number>(family: F): Socket<F, SOCK_STREAM_T>;
export function socket<F extends number, T extends number>(family: F, type: T, ...rest: [] | [proto: number, fileno?: null]): Socket<F, T>;
export function socket(family: number | undefined, type: number | undefined, proto: number | undefined, fileno: number): Socket;
export function socket(family?: number, type?: number, proto?: number, fileno?: number | null): Socket {
  // (Any of them may be undefined at run time, for JavaScript callers.)
  return new Socket(family, type, proto, fileno as number);
}

/**
 * A pair of connected sockets: socketpair(2), both ends close-on-exec, both
 * with the default timeout (or timeout 0 with SOCK_NONBLOCK in `type`). The
 * family defaults to AF_UNIX; AF_INET gives EOPNOTSUPP, as on Linux.
 */
export function socketpair(family?: null): readonly [Socket<AF_UNIX_T, SOCK_STREAM_T>, Socket<AF_UNIX_T, SOCK_STREAM_T>];
export function socketpair<F extends number>(family: F): readonly [Socket<F, SOCK_STREAM_T>, Socket<F, SOCK_STREAM_T>];
export function socketpair<F extends number = AF_UNIX_T, T extends number = SOCK_STREAM_T>(
  family: F | null,
  type: T,
  ...proto: [] | [proto: number]
): readonly [Socket<F, T>, Socket<F, T>];
export function socketpair(family: number | null = AF_UNIX, type: number = SOCK_STREAM, proto = 0): readonly [Socket, Socket] {
  if (family === null) family = AF_UNIX; // Python's None
  v.int32(family, 'family');
  v.int32(type, 'type');
  v.int32(proto, 'proto');
  const timeout = (type & NONBLOCK_FLAG) !== 0 ? 0 : defaultTimeout;
  const fds = new Int32Array(2);
  const r = native.socketpair(family, timeout !== null ? type | NONBLOCK_FLAG : type, proto, fds);
  if (r < 0) raise(r, 'socketpair');
  if (timeout !== null && NONBLOCK_FLAG === 0) {
    for (const fd of fds) {
      const s = native.setNonblocking(fd, true);
      if (s < 0) {
        native.close(fds[0]!);
        native.close(fds[1]!);
        raise(s, 'fcntl');
      }
    }
  }
  const bare = type & ~TYPE_FLAGS;
  return [adopt(fds[0]!, family, bare, proto, timeout), adopt(fds[1]!, family, bare, proto, timeout)];
}

/**
 * A socket on a duplicate of `fd` (which stays open and owned by its holder):
 * Python's `socket.fromfd`. The duplicate is close-on-exec. Its family is
 * whatever `family` says, unchecked, so its type is any family's: narrow it
 * with {@link hasFamily}.
 */
export function fromfd(fd: number, family: number, type: number, proto = 0): Socket {
  v.size(fd, 'fd', INT_MAX);
  v.int32(family, 'family');
  v.int32(type, 'type');
  v.int32(proto, 'proto');
  const copy = native.dup(fd);
  if (copy < 0) raise(copy, 'dup');
  try {
    return new Socket(family, type, proto, copy);
  } catch (err) {
    native.close(copy);
    throw err;
  }
}
