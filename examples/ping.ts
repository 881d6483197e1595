// ICMP echo, like ping(8). It tries Linux's unprivileged "ping socket"
// (SOCK_DGRAM with IPPROTO_ICMP, allowed to the groups in
// net.ipv4.ping_group_range), then a raw socket (SOCK_RAW, which needs
// CAP_NET_RAW). In Python:
//
//   s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
//   s.sendto(echo_request(ident, seq), (host, 0))
//   reply, addr = s.recvfrom(1500)   # the IP header, then the ICMP message
//
// Usage: tsx examples/ping.ts [host] [-c count] [-i interval]
//
// host defaults to 127.0.0.1, count to 4, interval to 1 s. Prints a line
// per reply, `64 bytes from <host>: icmp_seq=<n> time=<ms> ms` (with
// `ttl=<ttl>` from a raw socket, which sees the IP header), and ping's
// summary, `<n> packets transmitted, <m> received, <p>% packet loss`. Each
// reply is waited for at most 1 s. Exits 0 when every request was
// answered, 1 when some were not, 2 when neither kind of socket is allowed.

import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

import { AF_INET, IPPROTO_ICMP, SOCK_DGRAM, SOCK_RAW, SocketError, SocketTimeoutError, gethostbyname, socket } from '../lib';

const ICMP_ECHO = 8;
const ICMP_ECHOREPLY = 0;
const PAYLOAD = 56; // ping's default: 64 bytes with the ICMP header

/** The Internet checksum (RFC 1071) of `data`. */
function checksum(data: Buffer): number {
  let sum = 0;
  for (let i = 0; i + 1 < data.length; i += 2) sum += data.readUInt16BE(i);
  if (data.length % 2 === 1) sum += (data[data.length - 1] ?? 0) << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function echoRequest(ident: number, seq: number): Buffer {
  const msg = Buffer.alloc(8 + PAYLOAD);
  msg[0] = ICMP_ECHO;
  msg.writeUInt16BE(ident, 4);
  msg.writeUInt16BE(seq, 6);
  for (let i = 8; i < msg.length; i++) msg[i] = i & 0xff;
  msg.writeUInt16BE(checksum(msg), 2);
  return msg;
}

/** A socket for ICMP echo: the ping socket if allowed, else a raw one; null if neither. */
function icmpSocket() {
  for (const type of [SOCK_DGRAM, SOCK_RAW]) {
    try {
      return socket(AF_INET, type, IPPROTO_ICMP);
    } catch (err) {
      if (!(err instanceof SocketError) || (err.code !== 'EACCES' && err.code !== 'EPERM')) throw err;
    }
  }
  return null;
}

function main(): void {
  const { values, positionals } = parseArgs({
    options: { count: { type: 'string', short: 'c', default: '4' }, interval: { type: 'string', short: 'i', default: '1' } },
    allowPositionals: true,
  });
  const host = gethostbyname(positionals[0] ?? '127.0.0.1');
  const count = Number(values.count);
  const interval = Number(values.interval);
  if (!Number.isInteger(count) || count < 1 || count > 1000 || !(interval >= 0 && interval <= 60)) {
    process.stderr.write('usage: ping.ts [host] [-c count (1-1000)] [-i interval (0-60 s)]\n');
    process.exitCode = 2;
    return;
  }
  const s = icmpSocket();
  if (s === null) {
    process.stderr.write('ping needs CAP_NET_RAW, or a group in net.ipv4.ping_group_range\n');
    process.exitCode = 2;
    return;
  }
  const raw = s.type === SOCK_RAW;
  // A ping socket's identifier is its port, which the kernel writes into
  // each request; a raw socket's is ours to choose.
  const ident = process.pid & 0xffff;
  let received = 0;
  try {
    process.stdout.write(`PING ${host}: ${PAYLOAD} data bytes (${raw ? 'SOCK_RAW' : 'SOCK_DGRAM'})\n`);
    for (let seq = 1; seq <= count; seq++) {
      if (seq > 1 && interval > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, interval * 1000);
      const sent = performance.now();
      s.sendto(echoRequest(ident, seq), [host, 0]);
      s.settimeout(1);
      for (;;) {
        let reply: Buffer;
        try {
          [reply] = s.recvfrom(1500);
        } catch (err) {
          if (!(err instanceof SocketTimeoutError)) throw err;
          process.stdout.write(`no reply to icmp_seq=${seq}\n`);
          break;
        }
        // A raw socket gets the IP header too, and every ICMP message of the
        // host: our own requests on loopback, other programs' replies.
        const icmp = reply.subarray(raw ? ((reply[0] ?? 0) & 0x0f) * 4 : 0);
        if (icmp[0] !== ICMP_ECHOREPLY || icmp.readUInt16BE(6) !== seq || (raw && icmp.readUInt16BE(4) !== ident)) continue;
        const ms = (performance.now() - sent).toFixed(3);
        const ttl = raw ? ` ttl=${reply[8] ?? '?'}` : '';
        process.stdout.write(`${icmp.length} bytes from ${host}: icmp_seq=${seq}${ttl} time=${ms} ms\n`);
        received++;
        break;
      }
    }
  } finally {
    s.close();
  }
  const loss = Math.round(((count - received) / count) * 100);
  process.stdout.write(`--- ${host} ping statistics ---\n${count} packets transmitted, ${received} received, ${loss}% packet loss\n`);
  process.exitCode = received === count ? 0 : 1;
}

main();
