// The addresses of AF_NETLINK, AF_PACKET and AF_VSOCK, the families CPython
// types on Linux beyond IP and AF_UNIX (Modules/socketmodule.c
// getsockaddrarg/makesockaddr):
//
//   AF_NETLINK  [pid, groups]                              unsigned 32-bit each
//   AF_PACKET   [ifname, proto, pkttype?, hatype?, addr?]  the interface by name
//   AF_VSOCK    [cid, port]                                unsigned 32-bit each
//
// Every field is checked before native is touched. CPython lets some through
// unchecked, and they change on the way: a pid of -1 becomes 4294967295, a
// pkttype of 256 becomes 0, an interface name is cut to 15 bytes. bsdsock
// refuses them. The byte layouts are native's (native/sys/families.cc); the
// types are lib/family.ts's.

import { Buffer } from 'node:buffer';
import os = require('node:os');

import { native } from './binding';
import { AF_NETLINK, AF_PACKET, AF_VSOCK } from './constant-names';
import { raise } from './errors';
import * as v from './validate';

const U32 = 0xffffffff;
/** The most bytes of a hardware address a struct sockaddr_ll holds (sll_addr). */
const HARDWARE_ADDRESS_MAX = 8;
const ENODEV = os.constants.errno.ENODEV!;

/** Whether `family` is one of the three this module types. */
export function isLinuxFamily(family: number): boolean {
  return family === AF_NETLINK || family === AF_PACKET || family === AF_VSOCK;
}

/**
 * An address array as an error message or util.inspect shows it: `[1234,
 * 0]`, `['lo', 3, 0, 772, <Buffer 00 00 00 00 00 00>]` (strings quoted and
 * escaped as util.inspect does).
 */
export function showAddress(address: readonly unknown[]): string {
  const parts: string[] = [];
  for (let i = 0; i < address.length; i++) {
    const x = address[i];
    parts.push(typeof x === 'number' ? String(x) : v.show(x));
  }
  return `[${parts.join(', ')}]`;
}

/** `[first, second]`, two unsigned 32-bit integers: AF_NETLINK's and AF_VSOCK's shape. */
function u32Pair(address: unknown, family: string, first: string, second: string): [number, number] {
  const shape = `[${first}, ${second}]`;
  if (!Array.isArray(address)) throw v.invalidArgType('address', `an array ${shape} for ${family}`, address);
  if (address.length !== 2) throw v.invalidArgValue('address', `must be ${shape} for ${family}`, address);
  return [v.size(address[0], `address[0] (${first})`, U32), v.size(address[1], `address[1] (${second})`, U32)];
}

/** A validated AF_PACKET address, its interface not yet looked up. */
interface PacketParts {
  ifname: string;
  proto: number;
  pkttype: number;
  hatype: number;
  addr: Uint8Array;
}

const PACKET_SHAPE = '[ifname, proto, pkttype?, hatype?, addr?]';

function parsePacket(address: unknown): PacketParts {
  if (!Array.isArray(address)) throw v.invalidArgType('address', `an array ${PACKET_SHAPE} for AF_PACKET`, address);
  const n = address.length;
  if (n < 2 || n > 5) throw v.invalidArgValue('address', `must be ${PACKET_SHAPE} for AF_PACKET`, address);
  const ifname: unknown = address[0];
  if (typeof ifname !== 'string') throw v.invalidArgType('address[0] (ifname)', 'of type string', ifname);
  if (ifname.includes('\0')) throw v.invalidArgValue('address[0] (ifname)', 'must not contain null characters', ifname);
  let addr: Uint8Array = Buffer.alloc(0);
  if (n > 4) {
    const given: unknown = address[4];
    if (!ArrayBuffer.isView(given)) {
      throw v.invalidArgType('address[4] (addr)', 'an instance of Buffer, TypedArray, or DataView', given);
    }
    addr = v.viewBuffer(given);
    if (addr.length > HARDWARE_ADDRESS_MAX) {
      throw v.outOfRange('address[4] (addr).byteLength', `<= ${HARDWARE_ADDRESS_MAX}`, addr.length);
    }
  }
  return {
    ifname,
    proto: v.size(address[1], 'address[1] (proto)', 0xffff),
    // CPython's defaults: PACKET_HOST (0), no hardware type.
    pkttype: n > 2 ? v.size(address[2], 'address[2] (pkttype)', 0xff) : 0,
    hatype: n > 3 ? v.size(address[3], 'address[3] (hatype)', 0xffff) : 0,
    addr,
  };
}

function built(r: Buffer | number, syscall: string, address: readonly unknown[]): Buffer {
  if (typeof r === 'number') raise(r, syscall, { address: showAddress(address) });
  return r;
}

/**
 * The struct sockaddr for `address` in `family`, one of AF_NETLINK,
 * AF_PACKET and AF_VSOCK (see {@link isLinuxFamily}).
 * An AF_PACKET interface name is looked up (if_nametoindex(3)) on every
 * call, as CPython does, unless `resolveNames` is false: then the address
 * is checked and null returned, as for a host name.
 *
 * @throws {TypeError} ERR_INVALID_ARG_TYPE for an address that is not an
 *   array (another family's: a path, bytes), or a field of the wrong type;
 *   ERR_INVALID_ARG_VALUE for the wrong number of fields.
 * @throws {RangeError} ERR_OUT_OF_RANGE for a field out of its C type's
 *   range, or a hardware address longer than 8 bytes.
 * @throws {SocketError} ENODEV (`syscall`) for an interface name that names
 *   no interface, as CPython's OSError 19.
 */
export function linuxSockaddr(family: number, address: unknown, syscall: string, resolveNames: boolean): Buffer | null {
  if (family === AF_NETLINK) {
    const [pid, groups] = u32Pair(address, 'AF_NETLINK', 'pid', 'groups');
    return built(native.sockaddrNetlink(pid, groups), syscall, address as unknown[]);
  }
  if (family === AF_VSOCK) {
    const [cid, port] = u32Pair(address, 'AF_VSOCK', 'cid', 'port');
    return built(native.sockaddrVsock(cid, port), syscall, address as unknown[]);
  }
  const p = parsePacket(address);
  if (!resolveNames) return null;
  const ifindex = native.ifNametoindex(p.ifname);
  if (ifindex === 0) raise(-ENODEV, syscall, { address: showAddress(address as unknown[]) });
  return built(native.sockaddrPacket(ifindex, p.proto, p.pkttype, p.hatype, p.addr), syscall, address as unknown[]);
}
