// Python's module-level socket.close(fd) and socket.dup(fd): for code that
// handles socket fds by number (from detach(), recvFds(), a parent process)
// without a Socket around them.

import { native } from './binding';
import { raise } from './errors';
import * as v from './validate';

/**
 * Closes a socket fd: close(2), never retried, as Python's `socket.close`.
 * ECONNRESET (a socket its peer reset, on some kernels) is not an error, as
 * in CPython.
 *
 * Closing the fd of a live Socket this way leaves that Socket on a closed fd,
 * as in Python: its later calls fail with EBADF, or reach whatever file
 * takes the number next. Close the Socket instead.
 *
 * @throws {TypeError} ERR_INVALID_ARG_TYPE for an fd that is not a number.
 * @throws {RangeError} ERR_OUT_OF_RANGE for one outside C int range (CPython
 *   cuts it to an int: `close(2**40)` closes fd 0 there).
 * @throws {SocketError} EBADF for an fd that is not open (a negative one
 *   included).
 */
export function close(fd: number): void {
  const r = native.close(v.int32(fd, 'fd'));
  if (r < 0) raise(r, 'close');
}

/**
 * Duplicates a socket fd: fcntl(2) F_DUPFD_CLOEXEC, as Python's
 * `socket.dup`. Returns the new fd, close-on-exec (not inheritable); it is
 * the caller's to close ({@link close}, or wrap it: `new Socket(undefined,
 * undefined, undefined, fd)`).
 *
 * @throws {TypeError} ERR_INVALID_ARG_TYPE for an fd that is not a number.
 * @throws {RangeError} ERR_OUT_OF_RANGE for one outside C int range.
 * @throws {SocketError} EBADF for an fd that is not open; EMFILE when the
 *   process has no fd left.
 */
export function dup(fd: number): number {
  const r = native.dup(v.int32(fd, 'fd'));
  if (r < 0) raise(r, 'dup');
  return r;
}
