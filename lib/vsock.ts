// AF_VSOCK's socket options hold 64-bit values: SO_VM_SOCKETS_BUFFER_SIZE,
// _MIN_SIZE and _MAX_SIZE are a u64 each, and the kernel refuses a C int
// with EINVAL. CPython reads and writes every option of an AF_VSOCK socket
// given as a number (no buffer length) as an unsigned 64-bit integer; so
// does bsdsock, from Socket.getsockopt and Socket.setsockopt.

import { native } from './binding';
import { raise } from './errors';
import * as v from './validate';

const value64 = new BigUint64Array(1);
const bytes64 = new Uint8Array(value64.buffer);
const MAX = BigInt(Number.MAX_SAFE_INTEGER);

/** getsockopt(2) of a u64: the value, or a RangeError where a number cannot hold it exactly. */
export function getVsockOption(fd: number, level: number, optname: number): number {
  value64[0] = 0n;
  const r = native.getsockoptBuf(fd, level, optname, bytes64);
  if (r < 0) raise(r, 'getsockopt');
  const value = value64[0]!;
  if (value > MAX) {
    throw v.outOfRange('the option value', `<= ${Number.MAX_SAFE_INTEGER} to be read as a number (read it with buflen 8)`, value);
  }
  return Number(value);
}

/** setsockopt(2) of `value` as a u64 (a boolean as 1 or 0): 0 or -errno. */
export function setVsockOption(fd: number, level: number, optname: number, value: number | boolean): number {
  const n = typeof value === 'boolean' ? (value ? 1 : 0) : v.size(value, 'value');
  value64[0] = BigInt(n);
  return native.setsockoptBuf(fd, level, optname, bytes64, 0, 8);
}
