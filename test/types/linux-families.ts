// Type tests: AF_NETLINK, AF_PACKET and AF_VSOCK addresses are CPython's
// tuples, and follow the socket's family like the IP ones. Compiled by `npm
// run typecheck` against the published declarations, never run. Each
// `// @ts-expect-error` line must fail to compile.

import { Buffer } from 'node:buffer';

import {
  AF_NETLINK,
  AF_PACKET,
  AF_ROUTE,
  AF_VSOCK,
  CAN_BCM_TX_SETUP,
  NETLINK_ROUTE,
  PACKET_OUTGOING,
  SO_VM_SOCKETS_CONNECT_TIMEOUT,
  SOCK_DGRAM,
  SOCK_RAW,
  SOCK_STREAM,
  Socket,
  VMADDR_CID_ANY,
  VMADDR_CID_LOCAL,
  VMADDR_PORT_ANY,
  close,
  dup,
  hasFamily,
  hasIpv6,
  sethostname,
  socket,
  type Address,
  type AddressOf,
  type NetlinkAddress,
  type PacketAddress,
  type PacketSocketAddress,
  type SocketAddress,
  type VsockAddress,
} from 'bsdsock';

import { check, exactly, type Equal } from './expect';

export function netlink(): void {
  if (AF_NETLINK === undefined || NETLINK_ROUTE === undefined) return;
  const s = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  exactly<Socket<AF_NETLINK, SOCK_RAW>>()(s);
  s.bind([0, 0]);
  exactly<NetlinkAddress>()(s.getsockname());
  const [pid, groups] = s.getsockname();
  exactly<number>()(pid);
  exactly<number>()(groups);
  s.sendto(Buffer.alloc(16), [0, 0]);
  // A netlink datagram always has a sender (the kernel is [0, 0]).
  exactly<NetlinkAddress>()(s.recvfrom(8192)[1]);
  // @ts-expect-error: the raw sockaddr_nl of before is not a netlink address
  s.bind(Buffer.alloc(12));
  // @ts-expect-error: one field short
  s.bind([0]);
  // @ts-expect-error: not a [host, port]
  s.connect(['127.0.0.1', 0]);
  check<Equal<AddressOf<AF_NETLINK>, NetlinkAddress>>();
}

export function route(): void {
  // AF_ROUTE is AF_NETLINK's value on Linux, a family of raw bytes on the
  // BSDs: both, to be told apart by the caller (Buffer.isBuffer).
  if (AF_ROUTE === undefined) return;
  const s = socket(AF_ROUTE, SOCK_RAW);
  const name = s.getsockname();
  exactly<NetlinkAddress | Buffer>()(name);
  if (!Buffer.isBuffer(name)) exactly<NetlinkAddress>()(name);
  s.bind([0, 0]);
  s.bind(new Uint8Array(16));
}

export function packet(): void {
  if (AF_PACKET === undefined) return;
  const s = socket(AF_PACKET, SOCK_RAW, 0x0300);
  s.bind(['lo', 3]);
  s.bind(['lo', 3, 0]);
  s.bind(['lo', 3, 0, 772]);
  s.bind(['lo', 3, 0, 772, new Uint8Array(6)]);
  exactly<PacketSocketAddress>()(s.getsockname());
  const [ifname, proto, pkttype, hatype, addr] = s.getsockname();
  exactly<string>()(ifname);
  exactly<number>()(proto + pkttype + hatype);
  exactly<Buffer>()(addr);
  // A frame always has a sender.
  exactly<PacketSocketAddress>()(s.recvfrom(2048)[1]);
  // What recvfrom gives, sendto takes.
  s.sendto('x', s.recvfrom(2048)[1]);
  // @ts-expect-error: the interface by name, not by index
  s.bind([1, 3]);
  // @ts-expect-error: one field short
  s.bind(['lo']);
  // @ts-expect-error: six fields
  s.bind(['lo', 3, 0, 772, new Uint8Array(6), 0]);
  // @ts-expect-error: the hardware address is bytes
  s.bind(['lo', 3, 0, 772, 'aa:bb']);
  const p: PacketAddress = ['eth0', 0x0800];
  void p;
}

export function vsock(): void {
  if (AF_VSOCK === undefined || VMADDR_CID_ANY === undefined || VMADDR_PORT_ANY === undefined) return;
  const s = socket(AF_VSOCK, SOCK_STREAM);
  s.bind([VMADDR_CID_ANY, VMADDR_PORT_ANY]);
  exactly<VsockAddress>()(s.getsockname());
  const [conn, peer] = s.accept();
  exactly<Socket<AF_VSOCK, SOCK_STREAM>>()(conn);
  exactly<VsockAddress>()(peer);
  // A stream: recvfrom has no sender to give.
  exactly<VsockAddress | null>()(conn.recvfrom(10)[1]);
  // @ts-expect-error: [cid, port], not [host, port]
  s.connect(['host', 1234]);
  const d = socket(AF_VSOCK, SOCK_DGRAM);
  exactly<VsockAddress>()(d.recvfrom(10)[1]);
}

export function unknown(fd: number): void {
  // A socket of unknown family takes and returns any family's address.
  const s = new Socket(undefined, undefined, undefined, fd);
  exactly<SocketAddress>()(s.getsockname());
  s.bind([0, 0]);
  s.bind(['lo', 3, 0, 0, Buffer.alloc(6)]);
  const a: Address = [3, 1234];
  void a;
  if (AF_PACKET !== undefined && hasFamily(s, AF_PACKET)) exactly<PacketSocketAddress>()(s.getsockname());
}

export function moduleFunctions(): void {
  exactly<boolean>()(hasIpv6);
  exactly<number>()(dup(0));
  close(dup(0));
  sethostname('name');
  sethostname(Buffer.from('name'));
  // @ts-expect-error: a name, not a number
  sethostname(1);
  // @ts-expect-error: an fd, not a socket
  close(socket());
}

export function constants(): void {
  // Linux's, from its headers: undefined elsewhere.
  exactly<number | undefined>()(VMADDR_CID_LOCAL);
  exactly<number | undefined>()(CAN_BCM_TX_SETUP);
  exactly<number | undefined>()(SO_VM_SOCKETS_CONNECT_TIMEOUT);
  exactly<number | undefined>()(PACKET_OUTGOING);
}
