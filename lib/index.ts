// bsdsock: the real BSD socket API for Node.js, with the semantics of
// Python's socket module. See README.md for the Python -> bsdsock table.

export { Socket, socket, socketpair, fromfd, getdefaulttimeout, setdefaulttimeout, type Data } from './socket';
export { SocketError, SocketTimeoutError, AddressInfoError, errorcode, strerror, type ErrorAddress } from './errors';
export type { Address, SocketAddress, InetAddress, Inet6Address, InetSocketAddress, Inet6SocketAddress } from './address';
export {
  hasFamily,
  hasType,
  type Family,
  type SocketType,
  type AddressFamilies,
  type AddressOf,
  type SocketAddressOf,
  type SenderOf,
  type UnixAddress,
  type UnixSocketAddress,
  type NetlinkAddress,
  type PacketAddress,
  type PacketSocketAddress,
  type VsockAddress,
} from './family';
export { close, dup } from './fd';
export type { AsyncOptions } from './async';
export { select, poll, Poll, epoll, Epoll, type FileLike } from './select';
export {
  getaddrinfo,
  getaddrinfoAsync,
  getnameinfo,
  getnameinfoAsync,
  gethostname,
  sethostname,
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
  hasIpv6,
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
  type DataList,
} from './message';
export { groSegments, groSegmentSize, MMSG_MAX, type RecvmmsgIntoResult, type MmsgMessage, type MmsgList, type RecvmmsgResult } from './mmsg';
export type { SocketFile, FileData, MakefileOptions } from './makefile';
export {
  sizeof,
  ip_mreq,
  ip_mreqn,
  ipv6_mreq,
  linger,
  unpackLinger,
  timeval,
  unpackTimeval,
  getPeerCred,
  unpackPeerCred,
  getTcpInfo,
  unpackTcpInfo,
  setKeepalive,
  getKeepalive,
  type Linger,
  type PeerCred,
  type TcpInfo,
  type KeepaliveOptions,
  type KeepaliveState,
} from './struct';
export { constants } from './constants';
export { addon, type AddonInfo } from './addon';
export * from './constant-names';
