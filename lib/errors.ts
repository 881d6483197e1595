// The three error classes, and the one place where a -errno returned by the
// native layer becomes a thrown error.

import os = require('node:os');

const errnos = os.constants.errno as Readonly<Record<string, number>>;

/** errno number -> C name; for aliases the name socket code is written with. */
const names = new Map<number, string>();
for (const [name, value] of Object.entries(errnos)) {
  if (!names.has(value)) names.set(value, name);
}
for (const preferred of ['EAGAIN', 'EOPNOTSUPP', 'EDEADLK']) {
  const value = errnos[preferred];
  if (value !== undefined) names.set(value, preferred);
}

/** The C name of a positive errno value, such as `'ECONNREFUSED'` for 111 on Linux. */
export function errnoName(errno: number): string {
  return names.get(errno) ?? 'UNKNOWN';
}

/** Where an error happened, for its message and its `address`/`port` fields. */
export interface ErrorAddress {
  address?: string;
  port?: number;
}

function describe(syscall: string, code: string, where: ErrorAddress | undefined): string {
  let message = `${syscall} ${code}`;
  if (where?.address !== undefined) {
    message += ` ${where.address}`;
    if (where.port !== undefined) message += `:${where.port}`;
  }
  return message;
}

function hide(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: false, writable: true, configurable: true });
}

/**
 * A failed socket call: Python's `OSError` and its subclasses
 * (`ConnectionRefusedError`, `BlockingIOError`, ...) in one class, shaped like
 * Node's own system errors.
 *
 * @example
 * err.errno   // 111 (the same value as os.constants.errno.ECONNREFUSED)
 * err.code    // 'ECONNREFUSED'
 * err.syscall // 'connect'
 * err.message // 'connect ECONNREFUSED 127.0.0.1:9'
 */
export class SocketError extends Error {
  /** The positive POSIX errno value (or the EAI_* code for {@link AddressInfoError}). */
  errno: number;
  /** The C name of the error: `'ECONNREFUSED'`, `'EAGAIN'`, `'EAI_NONAME'`, ... */
  code: string;
  /** The call that failed: `'connect'`, `'recv'`, `'getaddrinfo'`, ... */
  syscall: string;
  /** The host or AF_UNIX path involved, when there was one. */
  address?: string;
  /** The port involved, when there was one. */
  port?: number;

  constructor(errno: number, code: string, syscall: string, where?: ErrorAddress, message?: string) {
    super(message ?? describe(syscall, code, where));
    hide(this, 'name', new.target.name);
    this.errno = errno;
    this.code = code;
    this.syscall = syscall;
    if (where?.address !== undefined) this.address = where.address;
    if (where?.port !== undefined) this.port = where.port;
    Error.captureStackTrace?.(this, new.target);
  }
}

/**
 * A socket timeout expired (Python's `TimeoutError('timed out')`): `code` is
 * `'ETIMEDOUT'`, `errno` its value (110 on Linux), `message` is `'timed out'`.
 */
export class SocketTimeoutError extends SocketError {
  constructor(syscall: string, where?: ErrorAddress) {
    super(errnos.ETIMEDOUT!, 'ETIMEDOUT', syscall, where, 'timed out');
  }
}

/**
 * A name-resolution failure (Python's `socket.gaierror`): `code` is the
 * `EAI_*` name, `errno` the platform's EAI value (negative on glibc, e.g. -2
 * for EAI_NONAME), `syscall` is `'getaddrinfo'` or `'getnameinfo'`, and
 * `hostname` the name that was looked up. From `gethostbyaddr` and
 * `gethostbynameEx` (Python's `socket.herror`) the code is the resolver's
 * h_errno name (`HOST_NOT_FOUND`, `TRY_AGAIN`...), `errno` its positive
 * value and `syscall` the function's name.
 */
export class AddressInfoError extends SocketError {
  /** The host name that failed to resolve, when there was one. */
  hostname?: string;

  constructor(gai: number, code: string, syscall: string, reason: string, hostname?: string) {
    super(gai, code, syscall, undefined, `${syscall} ${code}${hostname === undefined ? '' : ` ${hostname}`}: ${reason}`);
    if (hostname !== undefined) this.hostname = hostname;
  }
}

/** Throws the SocketError for the native result `ret` (a -errno value). */
export function raise(ret: number, syscall: string, where?: ErrorAddress): never {
  throw new SocketError(-ret, errnoName(-ret), syscall, where);
}

/** The SocketError for a positive errno value. */
export function errnoError(errno: number, syscall: string, where?: ErrorAddress): SocketError {
  return new SocketError(errno, errnoName(errno), syscall, where);
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
