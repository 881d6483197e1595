// bsdsock: the real BSD socket API for Node.js, with the semantics of
// Python's socket module. See README.md for the Python -> bsdsock table.

export { Socket, socket, socketpair, fromfd, getdefaulttimeout, setdefaulttimeout, type Data } from './socket';
export { SocketError, SocketTimeoutError, AddressInfoError } from './errors';
export type { Address, SocketAddress, InetAddress, Inet6Address } from './address';
export type { AsyncOptions } from './async';
export { select, poll, Poll, epoll, Epoll, type FileLike } from './select';
export { constants } from './constants';
export * from './constant-names';
