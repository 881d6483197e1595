// Types that follow the family: the one place that says, for each address
// family, which address a socket of that family takes and returns. A socket
// made with AF_INET is a `Socket<AF_INET, ...>`, whose getsockname() is an
// `InetSocketAddress`; a socket of unknown family (fromfd, an fd handed in)
// is a `Socket<number>`, with every family's address, until a type guard
// (hasFamily) says which.
//
// The families and socket types are numbers that carry their name in their
// type (a brand): `AF_INET` is the platform's value, typed `Family<'AF_INET'>`.
// Arithmetic on them gives plain numbers, and a plain number is any family.
//
// To type a new family's addresses, add it to AddressFamilies: its key is the
// constant's name, as its brand spells it.

import type { Buffer } from 'node:buffer';

import type { Address, Inet6Address, Inet6SocketAddress, InetAddress, InetSocketAddress, SocketAddress } from './address';
import { Socket } from './socket';
import * as v from './validate';

declare const familyBrand: unique symbol;
declare const typeBrand: unique symbol;

/**
 * An address family constant (`AF_INET`, `AF_UNIX`...): a number whose type
 * names the family. `Family` alone is any family constant.
 */
export type Family<N extends string = string> = number & { readonly [familyBrand]: N };

/**
 * A socket type constant (`SOCK_STREAM`, `SOCK_DGRAM`...): a number whose
 * type names the socket type. `SocketType` alone is any of them.
 */
export type SocketType<N extends string = string> = number & { readonly [typeBrand]: N };

/** An AF_UNIX address as accepted: a path, or bytes (a leading NUL for an abstract name). */
export type UnixAddress = string | ArrayBufferView;

/**
 * An AF_UNIX address as returned: a filesystem path as a string (`''` when
 * unnamed; a Buffer when the path is not valid UTF-8), an abstract name as a
 * Buffer.
 */
export type UnixSocketAddress = string | Buffer;

/**
 * An AF_NETLINK address: `[pid, groups]`, as Python's `(pid, groups)`: the
 * socket's port id (0 for the kernel, or for "let the kernel choose" in
 * bind) and its multicast groups mask, each an unsigned 32-bit integer.
 */
export type NetlinkAddress = readonly [pid: number, groups: number];

/**
 * An AF_PACKET address as accepted: `[ifname, proto, pkttype?, hatype?,
 * addr?]`, as Python's tuple: the interface by name (`'lo'`, `'eth0'`), the
 * Ethernet protocol in host byte order (`ETH_P_ALL` is 3, `ETH_P_IP` 0x0800),
 * the packet type (`PACKET_HOST`, the default, ...), the ARP hardware type (0
 * by default) and the hardware address (at most 8 bytes; none by default).
 */
export type PacketAddress = readonly [ifname: string, proto: number, pkttype?: number, hatype?: number, addr?: ArrayBufferView];

/**
 * An AF_PACKET address as returned: all five, the interface by name (`''`
 * for none: an unbound socket), as in `['lo', 3, 0, 772, <Buffer 00 00 00 00
 * 00 00>]` (`PACKET_HOST`, `ARPHRD_LOOPBACK`) for a socket bound to `lo`.
 */
export type PacketSocketAddress = readonly [ifname: string, proto: number, pkttype: number, hatype: number, addr: Buffer];

/**
 * An AF_VSOCK address: `[cid, port]`, as Python's `(cid, port)`: the context
 * id (`VMADDR_CID_ANY`, `VMADDR_CID_LOCAL`, `VMADDR_CID_HOST`, a VM's own) and
 * the port (`VMADDR_PORT_ANY` for any), each an unsigned 32-bit integer.
 */
export type VsockAddress = readonly [cid: number, port: number];

/**
 * Per address family, by its constant's name:
 * - `address`: what bind, connect, sendto, sendmsg... take;
 * - `returned`: what getsockname, getpeername and accept return;
 * - `sender`: what recvfrom and recvmsg return on a datagram or raw
 *   socket of the family (`null` where a sender can have no address: an
 *   unbound AF_UNIX datagram socket). On a stream socket it is `returned | null`.
 *
 * A family not listed takes and returns its raw `struct sockaddr` bytes.
 */
export interface AddressFamilies {
  AF_INET: { address: InetAddress; returned: InetSocketAddress; sender: InetSocketAddress };
  AF_INET6: { address: Inet6Address; returned: Inet6SocketAddress; sender: Inet6SocketAddress };
  AF_UNIX: { address: UnixAddress; returned: UnixSocketAddress; sender: UnixSocketAddress | null };
  AF_NETLINK: { address: NetlinkAddress; returned: NetlinkAddress; sender: NetlinkAddress };
  /**
   * On Linux AF_ROUTE is AF_NETLINK's value (a routing socket is a netlink
   * socket) and takes `[pid, groups]`; on macOS and the BSDs it is a family of
   * its own, whose addresses are raw sockaddr bytes. The brand cannot tell the
   * platforms apart, so the type is both; narrow with `Buffer.isBuffer`.
   */
  AF_ROUTE: { address: NetlinkAddress | ArrayBufferView; returned: NetlinkAddress | Buffer; sender: NetlinkAddress | Buffer | null };
  AF_PACKET: { address: PacketAddress; returned: PacketSocketAddress; sender: PacketSocketAddress };
  AF_VSOCK: { address: VsockAddress; returned: VsockAddress; sender: VsockAddress };
}

/** A family with no entry in AddressFamilies: the raw struct sockaddr, in and out. */
interface RawFamily {
  address: ArrayBufferView;
  returned: Buffer;
  sender: Buffer | null;
}

/** A family not known until run time: any family's address. */
interface AnyFamily {
  address: Address;
  returned: SocketAddress;
  sender: SocketAddress | null;
}

/** The AddressFamilies entry of `F` (distributes over a union of families). */
type Entry<F> =
  F extends Family<infer N>
    ? string extends N
      ? AnyFamily
      : N extends keyof AddressFamilies
        ? AddressFamilies[N]
        : RawFamily
    : AnyFamily;

/** The address a socket of family `F` takes (bind, connect, sendto...). */
export type AddressOf<F extends number> = Entry<F>['address'];

/** The address a socket of family `F` returns (getsockname, getpeername, accept). */
export type SocketAddressOf<F extends number> = Entry<F>['returned'];

/** The socket types whose every received message has a sender (for the families that always name one). */
type Datagrams = SocketType<'SOCK_DGRAM'> | SocketType<'SOCK_RAW'>;

/**
 * The sender recvfrom/recvmsg return on a socket of family `F` and type `T`:
 * the family's `sender` for a datagram or raw socket, else its address or
 * `null` (a connected stream has none to give).
 */
export type SenderOf<F extends number, T extends number> = [T] extends [Datagrams] ? Entry<F>['sender'] : Entry<F>['returned'] | null;

/**
 * Whether `sock` is of `family`: the type guard for a socket of unknown
 * family (from `fromfd`, or wrapping an fd), after which its addresses have
 * that family's types.
 *
 * @example
 * const s = fromfd(fd, AF_INET, SOCK_STREAM); // Socket: any family
 * if (!hasFamily(s, AF_INET)) throw new Error('not IPv4');
 * const [host, port] = s.getsockname();       // [string, number]
 */
export function hasFamily<F extends Family, T extends number>(sock: Socket<number, T>, family: F): sock is Socket<F, T> {
  if (!(sock instanceof Socket)) throw v.invalidArgType('sock', 'an instance of Socket', sock);
  return sock.family === v.int32(family, 'family');
}

/**
 * Whether `sock` is of socket type `type` (SOCK_STREAM, SOCK_DGRAM...): the
 * type guard that lets recvfrom's sender be non-null on a datagram socket
 * of unknown type.
 */
export function hasType<T extends SocketType, F extends number>(sock: Socket<F, number>, type: T): sock is Socket<F, T> {
  if (!(sock instanceof Socket)) throw v.invalidArgType('sock', 'an instance of Socket', sock);
  return sock.type === v.int32(type, 'type');
}
