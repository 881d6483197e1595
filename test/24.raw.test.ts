// Families and types beyond TCP/UDP: SOCK_RAW (when the process may open
// one), AF_NETLINK, and the raw-sockaddr escape hatch of the families
// bsdsock does not type. Linux only; everything stays on this host
// (loopback and the kernel). test/27.* has the typed families in full.

import assert = require('node:assert/strict');
import os = require('node:os');

import {
  AF_INET,
  AF_UNSPEC,
  IPPROTO_ICMP,
  SOCK_DGRAM,
  SOCK_RAW,
  Socket,
  SocketError,
  socket,
} from '../lib';
import { AF_NETLINK, NETLINK_ROUTE } from './linux';
import { sockets, throwsSocketError } from './helpers';

function checksum(buf: Buffer): number {
  let sum = 0;
  for (let i = 0; i < buf.length; i += 2) sum += (buf[i]! << 8) | (buf[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

describe('24 raw sockets and raw addresses', () => {
  const track = sockets();

  it('SOCK_RAW ICMP: an echo request to 127.0.0.1 gets its reply', function () {
    let s;
    try {
      s = track(socket(AF_INET, SOCK_RAW, IPPROTO_ICMP));
    } catch (err) {
      // Opening a raw socket needs CAP_NET_RAW; without it, say why and skip.
      if (err instanceof SocketError && err.code === 'EPERM') this.skip();
      throw err;
    }
    s.settimeout(5);
    const id = process.pid & 0xffff;
    const payload = Buffer.from('bsdsock raw ping');
    const packet = Buffer.concat([Buffer.from([8, 0, 0, 0, id >> 8, id & 0xff, 0, 1]), payload]);
    packet.writeUInt16BE(checksum(packet), 2);
    assert.equal(s.sendto(packet, ['127.0.0.1', 0]), packet.length);
    // A raw socket sees every ICMP packet on the host, our own request
    // included: read (a bounded number of them) until our echo reply.
    for (let i = 0; i < 20; i++) {
      const [data, addr] = s.recvfrom(1500);
      const ihl = (data[0]! & 0x0f) * 4; // the IPv4 header comes first
      const icmp = data.subarray(ihl);
      if (icmp[0] !== 0 || icmp.readUInt16BE(4) !== id) continue;
      assert.deepEqual(addr, ['127.0.0.1', 0]);
      assert.equal(icmp.readUInt16BE(6), 1);
      assert.deepEqual(icmp.subarray(8), payload);
      return;
    }
    assert.fail('no echo reply among 20 packets');
  });

  it("AF_NETLINK as [pid, groups]: bind([0, 0]), sendto the kernel's [0, 0], recvfrom it", () => {
    const s = track(socket(AF_NETLINK, SOCK_DGRAM, NETLINK_ROUTE));
    s.settimeout(5);
    const endian = os.endianness();
    s.bind([0, 0]); // pid 0: the kernel picks the port id
    const [pid, groups] = s.getsockname();
    assert.notEqual(pid, 0);
    assert.equal(groups, 0);

    // RTM_GETLINK dump request: nlmsghdr (16 bytes) + ifinfomsg (16 bytes).
    const RTM_GETLINK = 18;
    const RTM_NEWLINK = 16;
    const NLM_F_REQUEST = 1;
    const NLM_F_DUMP = 0x300;
    const NLMSG_DONE = 3;
    const IFLA_IFNAME = 3;
    const req = Buffer.alloc(32);
    const u32 = (v: number, o: number) => (endian === 'LE' ? req.writeUInt32LE(v, o) : req.writeUInt32BE(v, o));
    const u16 = (v: number, o: number) => (endian === 'LE' ? req.writeUInt16LE(v, o) : req.writeUInt16BE(v, o));
    u32(32, 0);
    u16(RTM_GETLINK, 4);
    u16(NLM_F_REQUEST | NLM_F_DUMP, 6);
    u32(1, 8);
    assert.equal(s.sendto(req, [0, 0]), 32);

    const names: string[] = [];
    const r32 = (b: Buffer, o: number) => (endian === 'LE' ? b.readUInt32LE(o) : b.readUInt32BE(o));
    const r16 = (b: Buffer, o: number) => (endian === 'LE' ? b.readUInt16LE(o) : b.readUInt16BE(o));
    let done = false;
    for (let i = 0; i < 50 && !done; i++) {
      const [data, from] = s.recvfrom(65536);
      assert.deepEqual(from, [0, 0]); // the kernel: port id 0
      for (let off = 0; off + 16 <= data.length; ) {
        const len = r32(data, off);
        const type = r16(data, off + 4);
        if (type === NLMSG_DONE || len < 16) {
          done = true;
          break;
        }
        if (type === RTM_NEWLINK) {
          for (let a = off + 32; a + 4 <= off + len; ) {
            const alen = r16(data, a);
            if (alen < 4) break;
            if (r16(data, a + 2) === IFLA_IFNAME) names.push(data.toString('utf8', a + 4, a + alen - 1));
            a += (alen + 3) & ~3;
          }
        }
        off += (len + 3) & ~3;
      }
    }
    assert.ok(done, 'no NLMSG_DONE');
    assert.ok(names.includes('lo'), `interfaces: ${names.join(', ')}`);
  });

  it('a family bsdsock does not type takes its raw struct sockaddr bytes, passed to the kernel as they are', () => {
    // Every family this kernel offers is typed now (AF_ALG, AF_CAN and
    // AF_TIPC are missing here), so the raw path is driven through a netlink
    // fd wrapped with a family the table does not type: bsdsock's policy
    // follows the Socket's family, the kernel reads the bytes.
    const nl = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
    const s = track(new Socket(AF_UNSPEC, SOCK_RAW, NETLINK_ROUTE, nl.detach()));
    assert.equal(s.family, AF_UNSPEC);
    const pid = 0x7ffe0000 + (process.pid & 0xffff);
    const sockaddrNl = (portId: number) => {
      const b = Buffer.alloc(12); // struct sockaddr_nl
      if (os.endianness() === 'LE') {
        b.writeUInt16LE(AF_NETLINK, 0);
        b.writeUInt32LE(portId, 4);
      } else {
        b.writeUInt16BE(AF_NETLINK, 0);
        b.writeUInt32BE(portId, 4);
      }
      return b;
    };
    // An array, as the typed families take, is not bytes.
    assert.throws(() => s.bind([0, 0] as never), { code: 'ERR_INVALID_ARG_TYPE' });
    s.bind(sockaddrNl(pid));
    // What comes back is decoded by its own family field: netlink's.
    assert.deepEqual(s.getsockname(), [pid, 0]);
    // A kernel error about raw bytes shows them in hex (a bound netlink
    // socket refuses another port id).
    const other = sockaddrNl(pid + 1);
    const hex = other.toString('hex').replace(/(..)(?!$)/g, '$1 ');
    throwsSocketError(() => s.bind(other), 'EINVAL', 'bind', { address: `<sockaddr ${hex}>` });
    assert.throws(() => s.bind(other), { message: `bind EINVAL <sockaddr ${hex}>: Invalid argument` });
  });

  it('a raw sockaddr of 0 bytes reaches the kernel, which refuses it with EINVAL', () => {
    // An empty view may have a null data pointer: under npm run
    // test:sanitize, UBSan reported the memcpy of its 0 bytes from there.
    // Raw bytes go to a family bsdsock does not type: a netlink fd wrapped as AF_UNSPEC.
    const s = track(new Socket(AF_UNSPEC, SOCK_DGRAM, NETLINK_ROUTE, socket(AF_NETLINK, SOCK_DGRAM, NETLINK_ROUTE).detach()));
    for (const empty of [Buffer.alloc(0), new Uint8Array(0), new DataView(new ArrayBuffer(0))]) {
      throwsSocketError(() => s.bind(empty), 'EINVAL', 'bind');
      throwsSocketError(() => s.connect(empty), 'EINVAL', 'connect');
    }
  });
});
