// The UDP datagrams on the loopback interface, like `tcpdump -i lo udp`: an
// AF_PACKET socket bound to `lo` sees every frame that crosses it (Linux;
// it needs CAP_NET_RAW, so run it as root). In Python:
//
//   s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(ETH_P_ALL))
//   s.bind(('lo', ETH_P_ALL))
//   packet, (ifname, proto, pkttype, hatype, addr) = s.recvfrom(65535)
//
// An AF_PACKET address is `[ifname, proto, pkttype, hatype, addr]`, as
// Python's tuple: the interface by name, the frame's Ethernet protocol
// (ETH_P_IP, ETH_P_IPV6...), whether it came in or went out (PACKET_HOST,
// PACKET_OUTGOING...), the link type and the link-level address. A
// SOCK_DGRAM packet socket hands over the frames without their link header:
// an IPv4 or IPv6 packet here. It only listens: nothing is sent.
//
// Usage: tsx examples/packet-sniff.ts [--port P] [--count N] [--seconds S]
//
// Prints `listening on lo`, then a line per UDP datagram, once (lo shows
// each frame twice, going out and coming in; the incoming copy is the one
// printed): `<src>:<sport> > <dst>:<dport> UDP length <n>: <payload>`, the
// payload as a JSON string of its first 64 bytes (UTF-8, or its bytes as
// Latin-1 where it is not text). `--port` keeps the datagrams from or to
// that port. Stops after N datagrams (default 10) or S seconds (default
// 60). Exits 0, or 2 without CAP_NET_RAW (saying so).

import { parseArgs } from 'node:util';

import { AF_INET, AF_INET6, AF_PACKET, PACKET_HOST, SOCK_DGRAM, SOL_SOCKET, SO_RCVBUF, SocketError, SocketTimeoutError, htons, inet_ntop, socket } from '../lib';

// From linux/if_ether.h and netinet/in.h: part of the kernel's ABI.
const ETH_P_ALL = 0x0003;
const ETH_P_IP = 0x0800;
const ETH_P_IPV6 = 0x86dd;
const IPPROTO_UDP = 17;
const PREVIEW = 64;

interface Datagram {
  src: string;
  dst: string;
  sport: number;
  dport: number;
  payload: Buffer;
}

/** The UDP datagram in an IPv4 or IPv6 packet, or null for anything else. */
function udp(proto: number, packet: Buffer): Datagram | null {
  let src: string;
  let dst: string;
  let at: number;
  if (proto === ETH_P_IP && packet.length >= 20) {
    const ihl = (packet.readUInt8(0) & 0x0f) * 4;
    const fragment = packet.readUInt16BE(6) & 0x1fff;
    if (packet[9] !== IPPROTO_UDP || fragment !== 0 || ihl < 20) return null;
    src = inet_ntop(AF_INET, packet.subarray(12, 16));
    dst = inet_ntop(AF_INET, packet.subarray(16, 20));
    at = ihl;
  } else if (proto === ETH_P_IPV6 && packet.length >= 40) {
    if (packet[6] !== IPPROTO_UDP) return null; // extension headers are not followed
    src = `[${inet_ntop(AF_INET6, packet.subarray(8, 24))}]`;
    dst = `[${inet_ntop(AF_INET6, packet.subarray(24, 40))}]`;
    at = 40;
  } else {
    return null;
  }
  if (packet.length < at + 8) return null;
  const length = packet.readUInt16BE(at + 4);
  const end = Math.min(packet.length, at + Math.max(length, 8));
  return { src, dst, sport: packet.readUInt16BE(at), dport: packet.readUInt16BE(at + 2), payload: packet.subarray(at + 8, end) };
}

function preview(payload: Buffer): string {
  const head = payload.subarray(0, PREVIEW);
  const text = head.toString('utf8');
  return JSON.stringify(Buffer.from(text, 'utf8').equals(head) ? text : head.toString('latin1'));
}

function main(): void {
  const { values } = parseArgs({
    options: { port: { type: 'string' }, count: { type: 'string', default: '10' }, seconds: { type: 'string', default: '60' } },
  });
  const port = values.port === undefined ? null : Number(values.port);
  const count = Number(values.count);
  const seconds = Number(values.seconds);
  if ((port !== null && !(Number.isInteger(port) && port >= 0 && port <= 65535)) || !Number.isInteger(count) || count < 1 || !(seconds > 0 && seconds <= 3600)) {
    process.stderr.write('usage: packet-sniff.ts [--port P] [--count N (>= 1)] [--seconds S (0-3600)]\n');
    process.exitCode = 2;
    return;
  }
  if (AF_PACKET === undefined || PACKET_HOST === undefined) {
    process.stderr.write('packet-sniff needs AF_PACKET, which is Linux-only\n');
    process.exitCode = 2;
    return;
  }
  let s;
  try {
    s = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_ALL));
  } catch (err) {
    if (err instanceof SocketError && (err.code === 'EPERM' || err.code === 'EACCES')) {
      process.stderr.write('packet-sniff needs CAP_NET_RAW: run it as root\n');
      process.exitCode = 2;
      return;
    }
    throw err;
  }
  try {
    // Room for a burst (tcpdump's buffer is 2 MiB): what does not fit when
    // it comes is dropped, and lo may carry other programs' bulk transfers.
    s.setsockopt(SOL_SOCKET, SO_RCVBUF, 4 << 20);
    s.bind(['lo', ETH_P_ALL]);
    process.stdout.write('listening on lo\n');
    const deadline = Date.now() + seconds * 1000;
    for (let seen = 0; seen < count; ) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      s.settimeout(left / 1000);
      let frame;
      try {
        frame = s.recvfrom(65535);
      } catch (err) {
        if (err instanceof SocketTimeoutError) break;
        throw err;
      }
      const [packet, [, proto, pkttype]] = frame;
      if (pkttype !== PACKET_HOST) continue; // lo's outgoing copy of the same frame
      const d = udp(proto, packet);
      if (d === null || (port !== null && d.sport !== port && d.dport !== port)) continue;
      process.stdout.write(`${d.src}:${d.sport} > ${d.dst}:${d.dport} UDP length ${d.payload.length}: ${preview(d.payload)}\n`);
      seen++;
    }
  } finally {
    s.close();
  }
}

main();
