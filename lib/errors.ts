// The three error classes, the errno tables, and the one place where a
// -errno returned by the native layer becomes a thrown error.
//
// Every message has one form, Node's `<syscall> <code>` followed by where
// and why, the why being Python's `strerror`:
//
//   connect ECONNREFUSED 127.0.0.1:9: Connection refused
//   recv EAGAIN: Resource temporarily unavailable
//   getaddrinfo EAI_NONAME no.such.host: Name or service not known
//
// A would-block recv on a non-blocking socket throws on a Python-shaped
// program's hot path, so constructing an error does as little as it can:
// the stack is captured once, into a side object, and turned into text only
// when someone reads `err.stack` (see userStack below).

import os = require('node:os');
import path = require('node:path');

import { native } from './binding';
import * as v from './validate';

const errnos = os.constants.errno as Readonly<Record<string, number>>;

// The platform's errno names and the C library's descriptions, from native
// (native/sys/errnos.cc): every value the platform names, not only those
// Node's os.constants.errno lists. Arrays indexed by errno value.
const names: string[] = [];
const descriptions: string[] = [];
const codes: Record<number, string> = Object.create(null) as Record<number, string>;
{
  const table = native.errnoTable();
  for (let i = 0; i < table.length; i += 3) {
    const value = table[i] as number;
    names[value] = table[i + 1] as string;
    descriptions[value] = table[i + 2] as string;
    codes[value] = table[i + 1] as string;
  }
}

/**
 * errno number → name, for every errno value this platform defines:
 * `errorcode[111]` is `'ECONNREFUSED'` on Linux. Python's
 * `errno.errorcode`, except that where two names share a value the name is
 * the one `SocketError.code` uses (EAGAIN, EOPNOTSUPP, EDEADLK; CPython
 * shows ENOTSUP and EDEADLOCK for two of them).
 */
export const errorcode: Readonly<Record<number, string>> = Object.freeze(codes);

/** The C name of a positive errno value, such as `'ECONNREFUSED'` for 111 on Linux; `'UNKNOWN'` for a number that is no errno. */
export function errnoName(errno: number): string {
  return names[errno] ?? 'UNKNOWN';
}

/**
 * The C library's description of an errno value, as Python's
 * `os.strerror`: `strerror(111)` is `'Connection refused'` on Linux
 * (strerror_r(3), in the C locale's English), `'Unknown error 4000'` for a
 * number that is no errno.
 *
 * @throws {TypeError} ERR_INVALID_ARG_TYPE for a value that is not a number.
 * @throws {RangeError} ERR_OUT_OF_RANGE for one that is not a C int.
 */
export function strerror(errno: number): string {
  return descriptions[v.int32(errno, 'errno')] ?? native.strerror(errno);
}

/** Where an error happened, for its message and its `address`/`port` fields. */
export interface ErrorAddress {
  address?: string | undefined;
  port?: number | undefined;
}

/** The message of every SocketError: `<syscall> <code>[ <address>[:<port>]]: <strerror>`. */
function describe(syscall: string, code: string, address: string | undefined, port: number | undefined, why: string): string {
  if (address === undefined) return `${syscall} ${code}: ${why}`;
  return port === undefined ? `${syscall} ${code} ${address}: ${why}` : `${syscall} ${code} ${address}:${port}: ${why}`;
}

// ---- the stack ----------------------------------------------------------------
//
// A stack should begin at the user's call, not at the bsdsock frames under
// it (raise, #retry, #recvWait...). V8 can hide frames at capture only above
// one given function, and which public method the user called is not known
// where the error is made. So the stack is captured whole, with room for the
// hidden frames, into a side object; the first read of `err.stack` formats
// it (V8 formats lazily, through Node's source maps or any
// Error.prepareStackTrace), drops the leading frames that are bsdsock's own,
// and keeps Error.stackTraceLimit of the rest. Error's own stack capture is
// skipped (Error.stackTraceLimit 0 around super()), so there is one capture
// per error, where there used to be two.

/** The directories whose frames a stack hides: bsdsock's own code, compiled or not. */
const OWN_DIRS = ['dist', 'lib'].map((dir) => path.join(__dirname, '..', dir) + path.sep);
/**
 * How many frames more than Error.stackTraceLimit to capture, for the
 * bsdsock frames that come off the top: a sync data call that waits has 4
 * (the method, its wait helper, #retry, raise). Deeper paths (makefile
 * reads) show that many fewer user frames; capturing more would cost every
 * error about 2,000 instructions per frame in a deep stack.
 */
const HIDDEN_FRAMES = 4;

/** The stack as captured: the side object V8 formats, and the user's frame limit then. */
interface Trace {
  stack?: unknown;
  limit: number;
}

function ownFrame(line: string): boolean {
  return line.includes(OWN_DIRS[0]!) || line.includes(OWN_DIRS[1]!);
}

/** A frame of the engine or of Node itself, with no file of the user's: `at Array.map (<anonymous>)`. */
function builtinFrame(line: string): boolean {
  return line.endsWith('(<anonymous>)') || line.endsWith('(native)') || line.includes('(node:') || line.includes(' at node:');
}

/**
 * Error.prototype.toString's header, as V8 writes it on the first line of a
 * stack; null when the error's own name or message cannot be made a string
 * (an object whose toString throws was assigned to it).
 */
function header(err: Error): string | null {
  try {
    const name = err.name === undefined ? 'Error' : String(err.name);
    const message = err.message === undefined ? '' : String(err.message);
    if (name === '') return message;
    return message === '' ? name : `${name}: ${message}`;
  } catch {
    return null;
  }
}

/**
 * The stack of `err` from its captured trace: its own header, then the
 * frames below bsdsock's, at most `limit` of them. A frame of the engine
 * between two of bsdsock's goes too (`Array.map` running a bsdsock callback);
 * one between bsdsock and the user stays (the user's `arr.map(...)`). An
 * error made in the event loop (an async call failing in the poller's
 * callback) has no frame of the user's left: its stack is the header alone.
 */
function userStack(err: Error, raw: string, limit: number): string {
  const lines = raw.split('\n');
  let first = 0;
  while (first < lines.length && !/^\s+at /.test(lines[first]!)) first++;
  let cut = first;
  for (let i = first; i < lines.length; i++) {
    const line = lines[i]!;
    if (ownFrame(line)) cut = i + 1;
    else if (!builtinFrame(line)) break;
  }
  const frames = lines.slice(cut, cut + limit);
  const head = header(err);
  if (head === null) return raw; // V8's own text, which it could make
  return frames.length === 0 ? head : `${head}\n${frames.join('\n')}`;
}

function isObject(x: unknown): x is object {
  return (typeof x === 'object' && x !== null) || typeof x === 'function';
}

function defineStack(err: object, value: unknown): void {
  Object.defineProperty(err, 'stack', { value, writable: true, enumerable: false, configurable: true });
}

function checkString(value: unknown, name: string): string {
  if (typeof value !== 'string') throw v.invalidArgType(name, 'of type string', value);
  return value;
}

/**
 * A failed socket call: Python's `OSError` and its subclasses
 * (`ConnectionRefusedError`, `BlockingIOError`, ...) in one class, shaped like
 * Node's own system errors, with Python's `strerror`.
 *
 * The message is `<syscall> <code>[ <address>[:<port>]]: <strerror>`, and
 * the stack begins at the caller's frame: the frames inside bsdsock are left
 * out.
 *
 * @example
 * err.errno    // 111 (the same value as os.constants.errno.ECONNREFUSED)
 * err.code     // 'ECONNREFUSED'
 * err.syscall  // 'connect'
 * err.strerror // 'Connection refused'
 * err.message  // 'connect ECONNREFUSED 127.0.0.1:9: Connection refused'
 */
export class SocketError extends Error {
  /** The positive POSIX errno value (or the EAI_* code for {@link AddressInfoError}). */
  errno: number;
  /** The C name of the error: `'ECONNREFUSED'`, `'EAGAIN'`, `'EAI_NONAME'`, ... */
  code: string;
  /** The call that failed: `'connect'`, `'recv'`, `'getaddrinfo'`, ... */
  syscall: string;
  /**
   * What went wrong, in words: the C library's description of `errno`
   * (`'Connection refused'`), as Python's `OSError.strerror`, or for the
   * errors CPython raises with a text of its own, that text (`'timed out'`,
   * `'illegal IP address string passed to inet_pton'`).
   */
  strerror: string;
  /** The host or AF_UNIX path involved, when there was one. */
  declare address?: string;
  /** The port involved, when there was one. */
  declare port?: number;
  #trace: Trace | undefined;

  /**
   * `new SocketError(errno, code, syscall, where?, strerror?)`: `where`
   * gives `address` and `port`; `strerror` defaults to the C library's
   * description of `errno`.
   *
   * @throws {TypeError} ERR_INVALID_ARG_TYPE for an argument of the wrong type.
   */
  constructor(errno: number, code: string, syscall: string, where?: ErrorAddress, strerror?: string) {
    if (typeof errno !== 'number') throw v.invalidArgType('errno', 'of type number', errno);
    checkString(code, 'code');
    checkString(syscall, 'syscall');
    let address: string | undefined;
    let port: number | undefined;
    let shown: string | undefined;
    if (where !== undefined) {
      if (typeof where !== 'object' || where === null) throw v.invalidArgType('where', 'of type object', where);
      address = where.address;
      port = where.port;
      if (address !== undefined) checkString(address, 'where.address');
      if (port !== undefined && typeof port !== 'number') throw v.invalidArgType('where.port', 'of type number', port);
      shown = address ?? (where as Where).hostname;
    }
    const why = strerror === undefined ? (descriptions[errno] ?? native.strerror(errno | 0)) : checkString(strerror, 'strerror');
    // Error's own capture is skipped: the stack is captured once, below.
    const limit = Error.stackTraceLimit;
    let own = typeof limit === 'number';
    if (own) {
      try {
        Error.stackTraceLimit = 0;
      } catch {
        own = false; // not writable (frozen intrinsics): Error's own stack it is
      }
    }
    super(describe(syscall, code, shown, shown === undefined ? undefined : port, why));
    this.errno = errno;
    this.code = code;
    this.syscall = syscall;
    this.strerror = why;
    if (address !== undefined) this.address = address;
    if (port !== undefined) this.port = port;
    if (own) {
      Error.stackTraceLimit = limit + HIDDEN_FRAMES;
      const trace: Trace = { limit };
      Error.captureStackTrace(trace, new.target);
      Error.stackTraceLimit = limit;
      delete this.stack; // SocketError.prototype's accessor formats the trace when read
      this.#trace = trace;
    }
  }

  static {
    // On the prototype, not on each error: defining a property per error
    // would cost more than the rest of its making. `name` is the class's
    // name (a subclass's too); assigning either makes it the error's own.
    // Both accessors take any `this`, as the data properties they stand for
    // would: a primitive reads 'SocketError' and ignores a write.
    Object.defineProperty(this.prototype, 'name', {
      get(this: unknown): string {
        const ctor: unknown = isObject(this) ? this.constructor : undefined;
        return typeof ctor === 'function' && typeof ctor.name === 'string' ? ctor.name : 'SocketError';
      },
      set(this: unknown, value: unknown): void {
        if (isObject(this)) Object.defineProperty(this, 'name', { value, writable: true, enumerable: false, configurable: true });
      },
      enumerable: false,
      configurable: true,
    });
    Object.defineProperty(this.prototype, 'stack', {
      get(this: SocketError): unknown {
        if (!isObject(this) || !(#trace in this)) return undefined; // the prototype itself, or an object made from it
        const trace = this.#trace;
        if (trace === undefined) return undefined;
        const raw = trace.stack;
        const value = typeof raw === 'string' ? userStack(this, raw, trace.limit) : raw;
        defineStack(this, value); // formatted once
        return value;
      },
      set(this: unknown, value: unknown): void {
        if (isObject(this)) defineStack(this, value);
      },
      enumerable: false,
      configurable: true,
    });
  }
}

/** SocketError's `where`, plus the host name an AddressInfoError shows in its message. */
interface Where extends ErrorAddress {
  hostname?: string;
}

/**
 * A socket timeout expired (Python's `TimeoutError('timed out')`): `code` is
 * `'ETIMEDOUT'`, `errno` its value (110 on Linux), `strerror` is
 * `'timed out'`: `connect ETIMEDOUT 127.0.0.1:80: timed out`.
 */
export class SocketTimeoutError extends SocketError {
  /** @throws {TypeError} ERR_INVALID_ARG_TYPE for an argument of the wrong type. */
  constructor(syscall: string, where?: ErrorAddress) {
    super(errnos.ETIMEDOUT!, 'ETIMEDOUT', syscall, where, 'timed out');
  }
}

/**
 * A name-resolution failure (Python's `socket.gaierror`): `code` is the
 * `EAI_*` name, `errno` the platform's EAI value (negative on glibc, e.g. -2
 * for EAI_NONAME), `syscall` is `'getaddrinfo'` or `'getnameinfo'`,
 * `hostname` the name that was looked up and `strerror` gai_strerror(3)'s
 * text: `getaddrinfo EAI_NONAME no.such.host: Name or service not known`.
 * From `gethostbyaddr` and `gethostbynameEx` (Python's `socket.herror`) the
 * code is the resolver's h_errno name (`HOST_NOT_FOUND`, `TRY_AGAIN`...),
 * `errno` its positive value, `syscall` the function's name and `strerror`
 * hstrerror(3)'s text.
 */
export class AddressInfoError extends SocketError {
  /** The host name that failed to resolve, when there was one. */
  declare hostname?: string;

  /** @throws {TypeError} ERR_INVALID_ARG_TYPE for an argument of the wrong type. */
  constructor(gai: number, code: string, syscall: string, reason: string, hostname?: string) {
    if (hostname !== undefined) checkString(hostname, 'hostname');
    const where: Where | undefined = hostname === undefined ? undefined : { hostname };
    super(gai, code, syscall, where, checkString(reason, 'reason'));
    if (hostname !== undefined) this.hostname = hostname;
  }
}

/** Throws the SocketError for the native result `ret` (a -errno value). */
export function raise(ret: number, syscall: string, where?: ErrorAddress): never {
  throw new SocketError(-ret, names[-ret] ?? 'UNKNOWN', syscall, where);
}

/** The SocketError for a positive errno value. */
export function errnoError(errno: number, syscall: string, where?: ErrorAddress): SocketError {
  return new SocketError(errno, names[errno] ?? 'UNKNOWN', syscall, where);
}

/** The errno values lib/ tests for, from this platform. */
export const E = {
  EAGAIN: errnos.EAGAIN!,
  EBADF: errnos.EBADF!,
  EINPROGRESS: errnos.EINPROGRESS!,
  EISCONN: errnos.EISCONN!,
  EINVAL: errnos.EINVAL!,
  ENOENT: errnos.ENOENT!,
  ENOSYS: errnos.ENOSYS!,
  ESPIPE: errnos.ESPIPE!,
  ETIMEDOUT: errnos.ETIMEDOUT!,
} as const;
