// The UDP client (seed 002, section 七). The Python original:
//
//   udp_client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
//   while True:
//       msg = input('>>:').strip()
//       if not msg:
//           continue
//       udp_client.sendto(msg.encode('utf-8'), ('127.0.0.1', 8888))
//       back_msg, addr = udp_client.recvfrom(1024)
//       print(back_msg.decode('utf-8'), addr)
//
// Usage: tsx examples/udp-echo-client.ts <port> [--host 127.0.0.1|::1] [message...]
//
// The messages come from the command line, one per argument (put `--` before
// them if one starts with '-'); with none, they are read from stdin, one per
// line. 'q' quits. Prints `sending to <host> <port>` first, then for each
// message `client -> <message>` and `server <- <reply> from <host> <port>`.
//
// There is no connect: the first sendto() binds the socket to an ephemeral
// port, and a server that is not running is not an error at send time (the
// datagram is simply lost), which is why the client needs a timeout on
// recvfrom.

import readline = require('node:readline');
import { parseArgs } from 'node:util';

import { AF_INET, AF_INET6, SOCK_DGRAM, SocketError, socket, type SocketAddress } from '../lib';

function show(addr: SocketAddress | null): string {
  return Array.isArray(addr) ? `${addr[0]} ${addr[1]}` : String(addr);
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** The messages: the arguments if there are any, else the lines of stdin. */
async function* input(args: string[]): AsyncGenerator<string> {
  if (args.length > 0) {
    yield* args;
    return;
  }
  const prompt = process.stdin.isTTY === true ? () => process.stdout.write('>>: ') : () => {};
  const rl = readline.createInterface({ input: process.stdin, terminal: false });
  try {
    prompt();
    for await (const line of rl) {
      yield line;
      prompt();
    }
  } finally {
    rl.close();
  }
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    options: { host: { type: 'string', default: '127.0.0.1' } },
    allowPositionals: true,
  });
  const host = values.host;
  const port = Number(positionals[0]);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    process.stderr.write('usage: udp-echo-client.ts <port> [--host 127.0.0.1|::1] [message...]\n');
    process.exitCode = 2;
    return;
  }

  const udpClient = socket(host.includes(':') ? AF_INET6 : AF_INET, SOCK_DGRAM);
  try {
    // A lost datagram or a missing server makes recvfrom throw instead of
    // waiting for ever.
    udpClient.settimeout(10);
    say(`sending to ${host} ${port}`);
    for await (const line of input(positionals.slice(1))) {
      const msg = line.trim();
      if (!msg) continue;
      if (msg === 'q') {
        say('quit');
        break;
      }
      udpClient.sendto(msg, [host, port]);
      say(`client -> ${msg}`);
      const [backMsg, addr] = udpClient.recvfrom(1024);
      say(`server <- ${backMsg.toString('utf8')} from ${show(addr)}`);
    }
  } catch (err) {
    if (!(err instanceof SocketError)) throw err;
    process.stderr.write(`error: ${err.message}\n`);
    process.exitCode = 1;
  } finally {
    udpClient.close();
  }
}

void main();
