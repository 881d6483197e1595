// bsdsock: the real BSD socket API for Node.js, with the semantics of
// Python's socket module. See README.md for the Python -> bsdsock table.

export { Socket, socket, socketpair, fromfd, getdefaulttimeout, setdefaulttimeout, type Data } from './socket';
export { SocketError, SocketTimeoutError, AddressInfoError, type ErrorAddress } from './errors';
export type { Address, SocketAddress, InetAddress, Inet6Address, InetSocketAddress, Inet6SocketAddress } from './address';
export type { AsyncOptions } from './async';
export { select, poll, Poll, epoll, Epoll, type FileLike } from './select';
export {
  getaddrinfo,
  getaddrinfoAsync,
  getnameinfo,
  getnameinfoAsync,
  gethostname,
  gethostbyname,
  gethostbynameEx,
  gethostbyaddr,
  getfqdn,
  getservbyname,
  getservbyport,
  getprotobyname,
  inet_pton,
  inet_ntop,
  inet_aton,
  inet_ntoa,
  htons,
  ntohs,
  htonl,
  ntohl,
  if_nameindex,
  if_nametoindex,
  if_indextoname,
  type AddrInfo,
  type HostEntry,
} from './names';
export {
  createConnection,
  createConnectionAsync,
  createServer,
  hasDualstackIpv6,
  type CreateConnectionOptions,
  type CreateConnectionAsyncOptions,
  type CreateServerOptions,
} from './create';
export {
  sendFds,
  recvFds,
  CMSG_LEN,
  CMSG_SPACE,
  type AncillaryData,
  type AncillaryItem,
  type RecvmsgResult,
  type RecvmsgIntoResult,
  type RecvFdsResult,
  type MessageSocket,
} from './message';
export { groSegments, groSegmentSize, MMSG_MAX, type RecvmmsgIntoResult, type MmsgMessage, type RecvmmsgResult } from './mmsg';
export type { SocketFile, FileData, MakefileOptions } from './makefile';
export { constants } from './constants';
export { addon, type AddonInfo } from './addon';
export * from './constant-names';
