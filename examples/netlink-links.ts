// The network interfaces, like `ip link`: an RTM_GETLINK dump over a
// NETLINK_ROUTE socket, the kernel's own interface to its routing and link
// tables (Linux). In Python:
//
//   s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
//   s.bind((0, 0))
//   s.sendto(struct.pack('=LHHLL', 32, RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, 1, 0)
//            + struct.pack('=BxHiII', AF_UNSPEC, 0, 0, 0, 0), (0, 0))
//   # then recvfrom() and walk the messages and their attributes
//
// A netlink address is `[pid, groups]`, as Python's `(pid, groups)`: the
// socket's port id and its multicast groups. Binding `[0, 0]` lets the
// kernel pick the port id; the kernel itself is `[0, 0]`. The messages are
// in the platform's byte order, as netlink's own headers are.
//
// Usage: tsx examples/netlink-links.ts
//
// Prints one line per interface: `<index> <name> <UP|DOWN> mtu <mtu>
// state <operstate>`, e.g. `1 lo UP mtu 65536 state UNKNOWN`.

import os = require('node:os');

import { AF_NETLINK, AF_UNSPEC, NETLINK_ROUTE, SOCK_RAW, socket } from '../lib';

// From linux/netlink.h and linux/rtnetlink.h: part of the kernel's ABI.
const NLMSG_ERROR = 2;
const NLMSG_DONE = 3;
const NLM_F_REQUEST = 0x1;
const NLM_F_DUMP = 0x300;
const RTM_NEWLINK = 16;
const RTM_GETLINK = 18;
const IFLA_IFNAME = 3;
const IFLA_MTU = 4;
const IFLA_OPERSTATE = 16;
const IFF_UP = 0x1;
const NLMSG_HDRLEN = 16;
const IFINFOMSG_LEN = 16;
const OPERSTATES = ['UNKNOWN', 'NOTPRESENT', 'DOWN', 'LOWERLAYERDOWN', 'TESTING', 'DORMANT', 'UP'];

const LE = os.endianness() === 'LE';
const u16 = (b: Buffer, at: number): number => (LE ? b.readUInt16LE(at) : b.readUInt16BE(at));
const u32 = (b: Buffer, at: number): number => (LE ? b.readUInt32LE(at) : b.readUInt32BE(at));
const i32 = (b: Buffer, at: number): number => (LE ? b.readInt32LE(at) : b.readInt32BE(at));
const align = (n: number): number => (n + 3) & ~3;

function put16(b: Buffer, at: number, v: number): void {
  if (LE) b.writeUInt16LE(v, at);
  else b.writeUInt16BE(v, at);
}
function put32(b: Buffer, at: number, v: number): void {
  if (LE) b.writeUInt32LE(v, at);
  else b.writeUInt32BE(v, at);
}

interface Link {
  index: number;
  name: string;
  up: boolean;
  mtu: number | null;
  state: string;
}

/** The attributes of one RTM_NEWLINK message, after its ifinfomsg. */
function link(msg: Buffer): Link {
  const index = i32(msg, NLMSG_HDRLEN + 4);
  const flags = u32(msg, NLMSG_HDRLEN + 8);
  let name = '';
  let mtu: number | null = null;
  let state = 'UNKNOWN';
  for (let at = NLMSG_HDRLEN + IFINFOMSG_LEN; at + 4 <= msg.length; ) {
    const len = u16(msg, at);
    const type = u16(msg, at + 2);
    if (len < 4) break;
    const data = msg.subarray(at + 4, at + len);
    if (type === IFLA_IFNAME) name = data.toString('utf8').replace(/\0.*$/s, '');
    else if (type === IFLA_MTU) mtu = u32(data, 0);
    else if (type === IFLA_OPERSTATE) state = OPERSTATES[data[0] ?? 0] ?? String(data[0]);
    at += align(len);
  }
  return { index, name, up: (flags & IFF_UP) !== 0, mtu, state };
}

function main(): void {
  if (AF_NETLINK === undefined || NETLINK_ROUTE === undefined) {
    process.stderr.write('netlink is Linux-only\n');
    process.exitCode = 1;
    return;
  }
  const s = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  try {
    s.bind([0, 0]); // the kernel picks our port id; no multicast groups
    s.settimeout(5); // a dump that never ends is an error, not a hang
    const req = Buffer.alloc(NLMSG_HDRLEN + IFINFOMSG_LEN);
    put32(req, 0, req.length);
    put16(req, 4, RTM_GETLINK);
    put16(req, 6, NLM_F_REQUEST | NLM_F_DUMP);
    put32(req, 8, 1); // sequence number
    req[NLMSG_HDRLEN] = AF_UNSPEC; // every family's links
    s.sendto(req, [0, 0]); // to the kernel
    const links: Link[] = [];
    for (let done = false; !done; ) {
      const [data, [sender]] = s.recvfrom(65536);
      if (sender !== 0) continue; // not from the kernel
      if (data.length === 0) break;
      for (let at = 0; at + NLMSG_HDRLEN <= data.length; ) {
        const len = u32(data, at);
        const type = u16(data, at + 4);
        if (len < NLMSG_HDRLEN) break;
        if (type === NLMSG_DONE) {
          done = true;
          break;
        }
        if (type === NLMSG_ERROR) throw new Error(`netlink error ${-i32(data, at + NLMSG_HDRLEN)}`);
        if (type === RTM_NEWLINK) links.push(link(data.subarray(at, at + len)));
        at += align(len);
      }
    }
    for (const l of links.sort((a, b) => a.index - b.index)) {
      process.stdout.write(`${l.index} ${l.name} ${l.up ? 'UP' : 'DOWN'} mtu ${l.mtu ?? '?'} state ${l.state}\n`);
    }
  } finally {
    s.close();
  }
}

main();
