// The constants of Linux that the tests use: bsdsock types them `number |
// undefined`, since other platforms lack them. The suite runs on Linux, so
// each is checked here, once, and exported as a number.

import * as bsdsock from '../lib';

function linux<T extends number>(value: T | undefined, name: string): T {
  if (value === undefined) throw new Error(`${name} is undefined: the test suite runs on Linux`);
  return value;
}

export const AF_NETLINK = linux(bsdsock.AF_NETLINK, 'AF_NETLINK');
export const AF_PACKET = linux(bsdsock.AF_PACKET, 'AF_PACKET');
export const AF_VSOCK = linux(bsdsock.AF_VSOCK, 'AF_VSOCK');
export const EAI_ADDRFAMILY = linux(bsdsock.EAI_ADDRFAMILY, 'EAI_ADDRFAMILY');
export const EPOLLERR = linux(bsdsock.EPOLLERR, 'EPOLLERR');
export const EPOLLET = linux(bsdsock.EPOLLET, 'EPOLLET');
export const EPOLLEXCLUSIVE = linux(bsdsock.EPOLLEXCLUSIVE, 'EPOLLEXCLUSIVE');
export const EPOLLHUP = linux(bsdsock.EPOLLHUP, 'EPOLLHUP');
export const EPOLLIN = linux(bsdsock.EPOLLIN, 'EPOLLIN');
export const EPOLLONESHOT = linux(bsdsock.EPOLLONESHOT, 'EPOLLONESHOT');
export const EPOLLOUT = linux(bsdsock.EPOLLOUT, 'EPOLLOUT');
export const EPOLLPRI = linux(bsdsock.EPOLLPRI, 'EPOLLPRI');
export const EPOLLRDHUP = linux(bsdsock.EPOLLRDHUP, 'EPOLLRDHUP');
export const EPOLL_CLOEXEC = linux(bsdsock.EPOLL_CLOEXEC, 'EPOLL_CLOEXEC');
export const NETLINK_ROUTE = linux(bsdsock.NETLINK_ROUTE, 'NETLINK_ROUTE');
export const NETLINK_USERSOCK = linux(bsdsock.NETLINK_USERSOCK, 'NETLINK_USERSOCK');
export const PACKET_HOST = linux(bsdsock.PACKET_HOST, 'PACKET_HOST');
export const PACKET_OUTGOING = linux(bsdsock.PACKET_OUTGOING, 'PACKET_OUTGOING');
export const POLLRDHUP = linux(bsdsock.POLLRDHUP, 'POLLRDHUP');
export const SCM_CREDENTIALS = linux(bsdsock.SCM_CREDENTIALS, 'SCM_CREDENTIALS');
export const SOCK_CLOEXEC = linux(bsdsock.SOCK_CLOEXEC, 'SOCK_CLOEXEC');
export const SOCK_NONBLOCK = linux(bsdsock.SOCK_NONBLOCK, 'SOCK_NONBLOCK');
export const SOL_UDP = linux(bsdsock.SOL_UDP, 'SOL_UDP');
export const UDP_GRO = linux(bsdsock.UDP_GRO, 'UDP_GRO');
export const UDP_SEGMENT = linux(bsdsock.UDP_SEGMENT, 'UDP_SEGMENT');
export const SO_BINDTODEVICE = linux(bsdsock.SO_BINDTODEVICE, 'SO_BINDTODEVICE');
export const SO_PASSCRED = linux(bsdsock.SO_PASSCRED, 'SO_PASSCRED');
export const SO_PEERCRED = linux(bsdsock.SO_PEERCRED, 'SO_PEERCRED');
export const SO_PROTOCOL = linux(bsdsock.SO_PROTOCOL, 'SO_PROTOCOL');
export const TCP_INFO = linux(bsdsock.TCP_INFO, 'TCP_INFO');
export const TCP_KEEPIDLE = linux(bsdsock.TCP_KEEPIDLE, 'TCP_KEEPIDLE');
export const VMADDR_CID_ANY = linux(bsdsock.VMADDR_CID_ANY, 'VMADDR_CID_ANY');
export const VMADDR_CID_HOST = linux(bsdsock.VMADDR_CID_HOST, 'VMADDR_CID_HOST');
export const VMADDR_CID_LOCAL = linux(bsdsock.VMADDR_CID_LOCAL, 'VMADDR_CID_LOCAL');
export const VMADDR_PORT_ANY = linux(bsdsock.VMADDR_PORT_ANY, 'VMADDR_PORT_ANY');
export const SO_VM_SOCKETS_BUFFER_MAX_SIZE = linux(bsdsock.SO_VM_SOCKETS_BUFFER_MAX_SIZE, 'SO_VM_SOCKETS_BUFFER_MAX_SIZE');
export const SO_VM_SOCKETS_BUFFER_SIZE = linux(bsdsock.SO_VM_SOCKETS_BUFFER_SIZE, 'SO_VM_SOCKETS_BUFFER_SIZE');
export const SO_VM_SOCKETS_CONNECT_TIMEOUT = linux(bsdsock.SO_VM_SOCKETS_CONNECT_TIMEOUT, 'SO_VM_SOCKETS_CONNECT_TIMEOUT');
