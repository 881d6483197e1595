// The high-level helpers of Python's socket.py: create_connection,
// create_server, has_dualstack_ipv6 — same algorithms, bsdsock names.

import { isIP } from 'node:net';

import type { Address } from './address';
import type { AddressOf } from './family';
import { asyncOptions, type AsyncOptions } from './async';
import { native } from './binding';
import {
  AF_INET,
  AF_INET6,
  IPPROTO_IPV6,
  IPV6_V6ONLY,
  SOCK_STREAM,
  SOL_SOCKET,
  SO_REUSEADDR,
  SO_REUSEPORT,
  type SOCK_STREAM as SOCK_STREAM_T,
} from './constant-names';
import { SocketError } from './errors';
import { getaddrinfo, getaddrinfoAsync, type AddrInfo } from './names';
import { Socket } from './socket';
import * as v from './validate';

/** Options of {@link createConnection} beyond Python's positional ones. */
export interface CreateConnectionOptions {
  /** Throw an AggregateError of every attempt's error instead of the last one (Python's all_errors). */
  allErrors?: boolean;
}

/** Options of {@link createConnectionAsync}. */
export interface CreateConnectionAsyncOptions extends AsyncOptions, CreateConnectionOptions {
  /** A local address to bind to before connecting. */
  sourceAddress?: Address | null;
}

function hostPort(address: unknown): [string | null, number | string | null] {
  if (!Array.isArray(address) || address.length !== 2) {
    throw v.invalidArgType('address', 'an array [host, port]', address);
  }
  const [host, port] = address as unknown[];
  if (host !== null && typeof host !== 'string') throw v.invalidArgType('address[0] (host)', 'of type string or null', host);
  // A null port is getaddrinfo's (port 0), as Python's None.
  if (port !== null && typeof port !== 'number' && typeof port !== 'string') {
    throw v.invalidArgType('address[1] (port)', 'of type number, string or null', port);
  }
  return [host, port];
}

/**
 * `sourceAddress` for a socket of `family`, with a host name resolved on the
 * thread pool, so that bind() does not block the loop resolving it: the
 * first address getaddrinfo gives, as bind() would take.
 */
async function sourceFor(family: number, source: Address, signal: AbortSignal | undefined): Promise<Address> {
  if ((family !== AF_INET && family !== AF_INET6) || !Array.isArray(source)) return source;
  const host: unknown = source[0];
  if (typeof host !== 'string' || host === '' || host === '<broadcast>' || isIP(host.split('%')[0]!) !== 0) return source;
  const first = (await getaddrinfoAsync(host, null, family, SOCK_STREAM, 0, 0, { signal }))[0];
  if (first === undefined) return source; // bind() reports it
  // The numeric host, with the port (and flowinfo, scope id) as given.
  return [(first[4] as readonly unknown[])[0], ...source.slice(1)] as unknown as Address;
}

function objectOptions(options: unknown, name: string): void {
  if (typeof options !== 'object' || options === null) throw v.invalidArgType(name, 'of type object', options);
}

function lastError(errors: unknown[], allErrors: boolean | undefined): unknown {
  if (errors.length === 0) return new SocketError(0, 'EAI_NONAME', 'getaddrinfo', undefined, 'getaddrinfo returns an empty list');
  return allErrors ? new AggregateError(errors, 'createConnection failed') : errors[errors.length - 1];
}

/**
 * Connects to a TCP service by name: Python's `socket.create_connection`.
 * Tries every address getaddrinfo(3) gives for `[host, port]` (IPv6 and
 * IPv4), in order, and returns the first socket that connects. `timeout`
 * (seconds, or null for blocking) is set on each socket before connecting;
 * omitted, the default timeout applies. `sourceAddress`, when given, is bound
 * first. If every attempt fails, the last error is thrown (all of them in an
 * AggregateError with `{ allErrors: true }`). Blocks (name lookup included).
 * The socket is an AF_INET or AF_INET6 SOCK_STREAM one, typed so.
 */
export function createConnection(
  address: readonly [host: string | null, port: number | string | null],
  timeout?: number | null,
  sourceAddress?: Address | null,
  options?: CreateConnectionOptions,
): Socket<AF_INET | AF_INET6, SOCK_STREAM_T>;
export function createConnection(
  address: readonly [host: string | null, port: number | string | null],
  timeout?: number | null,
  sourceAddress?: Address | null,
  options: CreateConnectionOptions = {},
): Socket {
  const [host, port] = hostPort(address);
  if (timeout !== undefined) v.timeout(timeout);
  objectOptions(options, 'options');
  const errors: unknown[] = [];
  for (const [family, type, proto, , sockaddr] of getaddrinfo(host, port, 0, SOCK_STREAM)) {
    let sock: Socket | null = null;
    try {
      sock = new Socket(family, type, proto);
      if (timeout !== undefined) sock.settimeout(timeout);
      if (sourceAddress) sock.bind(sourceAddress);
      sock.connect(sockaddr);
      return sock;
    } catch (err) {
      sock?.close();
      if (!(err instanceof SocketError)) throw err;
      errors.push(err);
    }
  }
  throw lastError(errors, options.allErrors);
}

/**
 * {@link createConnection} without blocking the event loop: the name is
 * resolved on the thread pool and each attempt uses connectAsync. An abort
 * (`signal`) rejects with its reason and closes the socket being tried.
 */
export function createConnectionAsync(
  address: readonly [host: string | null, port: number | string | null],
  options?: CreateConnectionAsyncOptions,
): Promise<Socket<AF_INET | AF_INET6, SOCK_STREAM_T>>;
export async function createConnectionAsync(
  address: readonly [host: string | null, port: number | string | null],
  options: CreateConnectionAsyncOptions = {},
): Promise<Socket> {
  const [host, port] = hostPort(address);
  objectOptions(options, 'options');
  const signal = asyncOptions(options)?.signal;
  const candidates: AddrInfo[] = await getaddrinfoAsync(host, port, 0, SOCK_STREAM, 0, 0, { signal });
  const errors: unknown[] = [];
  for (const [family, type, proto, , sockaddr] of candidates) {
    let sock: Socket | null = null;
    try {
      sock = new Socket(family, type, proto);
      if (options.sourceAddress) sock.bind(await sourceFor(family, options.sourceAddress, signal));
      await sock.connectAsync(sockaddr, { signal });
      return sock;
    } catch (err) {
      sock?.close();
      if (!(err instanceof SocketError)) throw err;
      errors.push(err);
    }
  }
  throw lastError(errors, options.allErrors);
}

/** Options of {@link createServer}, as Python's create_server keywords; `F` is the family. */
export interface CreateServerOptions<F extends number = number> {
  /** AF_INET (default) or AF_INET6 (or AF_UNIX, for a path). */
  family?: F;
  /** The listen backlog; omitted or null, listen()'s default. */
  backlog?: number | null;
  /** Set SO_REUSEPORT, so that several sockets (processes) share the port. */
  reusePort?: boolean;
  /** With AF_INET6: accept IPv4 clients too (IPV6_V6ONLY off). */
  dualstackIpv6?: boolean;
}

/**
 * Whether bsdsock was built with IPv6 support: Python's `socket.has_ipv6`.
 * Like CPython's, it says what the build supports, not whether this host has
 * IPv6 configured: an AF_INET6 socket() can still fail with EAFNOSUPPORT on
 * a kernel with IPv6 disabled.
 */
export const hasIpv6: boolean = native.HAS_IPV6;

/**
 * True if an AF_INET6 socket can accept IPv4 connections too (IPV6_V6ONLY
 * can be turned off): Python's `socket.has_dualstack_ipv6`.
 */
export function hasDualstackIpv6(): boolean {
  if (AF_INET6 === undefined || IPPROTO_IPV6 === undefined || IPV6_V6ONLY === undefined) return false;
  let sock: Socket | null = null;
  try {
    sock = new Socket(AF_INET6, SOCK_STREAM);
    sock.setsockopt(IPPROTO_IPV6, IPV6_V6ONLY, 0);
    return true;
  } catch (err) {
    if (err instanceof SocketError) return false;
    throw err;
  } finally {
    sock?.close();
  }
}

/**
 * A listening TCP socket bound to `address`: Python's `socket.create_server`.
 * Sets SO_REUSEADDR (so that a restarted server can rebind at once), and
 * SO_REUSEPORT with `reusePort`. For AF_INET6, IPV6_V6ONLY is set unless
 * `dualstackIpv6`, which turns it off so that IPv4 clients are accepted too
 * (as `::ffff:a.b.c.d`). On failure the socket is closed and the error
 * thrown.
 *
 * The socket is typed by `options.family` (AF_INET when omitted): the
 * address must be that family's, and so are the ones it returns.
 *
 * @throws {TypeError} ERR_INVALID_ARG_VALUE for dualstackIpv6 without
 *   AF_INET6, or reusePort where the platform has no SO_REUSEPORT.
 */
export function createServer<F extends number = AF_INET>(address: AddressOf<F>, options?: CreateServerOptions<F>): Socket<F, SOCK_STREAM_T>;
export function createServer(address: Address, options: CreateServerOptions = {}): Socket {
  objectOptions(options, 'options');
  const family = options.family === undefined ? AF_INET : v.int32(options.family, 'options.family');
  if (options.reusePort && SO_REUSEPORT === undefined) {
    throw v.invalidArgValue('options.reusePort', 'is not supported on this platform (no SO_REUSEPORT)', true);
  }
  if (options.dualstackIpv6) {
    if (family !== AF_INET6) throw v.invalidArgValue('options.dualstackIpv6', 'requires family AF_INET6', family);
    if (!hasDualstackIpv6()) throw v.invalidArgValue('options.dualstackIpv6', 'is not supported on this platform', true);
  }
  const backlog = options.backlog === undefined || options.backlog === null ? undefined : v.int32(options.backlog, 'options.backlog');
  const sock = new Socket(family, SOCK_STREAM);
  try {
    try {
      sock.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
    } catch (err) {
      if (!(err instanceof SocketError)) throw err; // as Python: best effort
    }
    if (options.reusePort) sock.setsockopt(SOL_SOCKET, SO_REUSEPORT, 1);
    if (family === AF_INET6) sock.setsockopt(IPPROTO_IPV6, IPV6_V6ONLY, options.dualstackIpv6 ? 0 : 1);
    sock.bind(address);
    sock.listen(backlog);
    return sock;
  } catch (err) {
    sock.close();
    throw err;
  }
}
