// The UDP upper-case echo server (seed 002, section 七). The Python original:
//
//   udp_server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
//   udp_server.bind(('127.0.0.1', 8888))
//   while True:
//       msg, addr = udp_server.recvfrom(1024)
//       print(msg, addr)
//       udp_server.sendto(msg.upper(), addr)
//
// Usage: tsx examples/udp-echo-server.ts [port] [--host 127.0.0.1|::1] [--max-datagrams N]
//
// The port defaults to 0 (an ephemeral one); the first line printed is
// `listening <host> <port>`. The server runs until killed, or with
// --max-datagrams N until it has answered N datagrams, then exits 0.
//
// There is no listen/accept and no connection: every datagram carries its
// sender's address, and the reply goes back to it. A datagram longer than
// 1024 bytes is cut to 1024 (the rest is discarded, as in Python on Linux).

import { parseArgs } from 'node:util';

import { AF_INET, AF_INET6, SOCK_DGRAM, socket, type SocketAddress } from '../lib';

function show(addr: SocketAddress | null): string {
  return Array.isArray(addr) ? `${addr[0]} ${addr[1]}` : String(addr);
}

/** Python's `bytes.upper()`: ASCII a-z only, so the length never changes. */
function upper(data: Buffer): Buffer {
  const out = Buffer.from(data);
  for (let i = 0; i < out.length; i++) {
    const b = out[i];
    if (b !== undefined && b >= 0x61 && b <= 0x7a) out[i] = b - 0x20;
  }
  return out;
}

/** A --max-* count: a whole number >= 0, Infinity when absent, NaN when bad. */
function count(value: string | undefined): number {
  if (value === undefined) return Infinity;
  const n = value.trim() === '' ? NaN : Number(value);
  return Number.isInteger(n) && n >= 0 ? n : NaN;
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

function main(): void {
  const { values, positionals } = parseArgs({
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      'max-datagrams': { type: 'string' },
    },
    allowPositionals: true,
  });
  const host = values.host;
  const port = Number(positionals[0] ?? '0');
  const max = count(values['max-datagrams']);
  if (!Number.isInteger(port) || port < 0 || port > 65535 || Number.isNaN(max)) {
    process.stderr.write('usage: udp-echo-server.ts [port] [--host 127.0.0.1|::1] [--max-datagrams N]\n');
    process.exitCode = 2;
    return;
  }

  const udpServer = socket(host.includes(':') ? AF_INET6 : AF_INET, SOCK_DGRAM);
  udpServer.bind([host, port]);
  say(`listening ${show(udpServer.getsockname())}`);

  // `while True`, bounded only when --max-datagrams says so.
  for (let answered = 0; answered < max; answered++) {
    const [msg, addr] = udpServer.recvfrom(1024);
    say(`received ${msg.toString('utf8')} from ${show(addr)}`);
    // A UDP datagram always has a sender: its address types as [host, port, ...].
    udpServer.sendto(upper(msg), addr);
  }
  udpServer.close();
}

main();
