// The multi-message TCP client (seed 001's client, with the empty-message
// check of seed 002, section 六). The Python original:
//
//   s1 = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
//   s1.connect(('127.0.0.1', 8888))
//   while True:
//       msg = input('>>>').strip()
//       if not msg:                    # never send an empty message
//           continue
//       if msg == 'q':
//           print('链接断开')
//           break
//       s1.send(msg.encode('utf-8'))
//       data = s1.recv(1024)
//       print(data.decode('utf-8'))
//   s1.close()
//
// Usage: tsx examples/echo-client.ts <port> [--host 127.0.0.1|::1] [message...]
//
// The messages come from the command line, one per argument (put `--` before
// them if one starts with '-'); with none, they are read from stdin, one per
// line. 'q' quits. Prints `connected <host> <port>` first, then for each
// message `client -> <message>` and `server <- <reply>`.
//
// Unlike seed 001, 'q' is not sent: the upper-case server answers every
// message and waits for EOF, which it gets when the client closes.

import readline = require('node:readline');
import { parseArgs } from 'node:util';

import { AF_INET, AF_INET6, SOCK_STREAM, SocketError, socket, type Socket } from '../lib';

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** The messages: the arguments if there are any, else the lines of stdin. */
async function* input(args: string[]): AsyncGenerator<string> {
  if (args.length > 0) {
    yield* args;
    return;
  }
  const prompt = process.stdin.isTTY === true ? () => process.stdout.write('>>> ') : () => {};
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

/**
 * The reply to `n` bytes: the server upper-cases bytes one for one, so exactly
 * `n` bytes come back. The original's single recv(1024) only works while TCP
 * happens to deliver the reply in one piece; this loop reads until it is all
 * there. Null if the server closes first.
 */
function recvReply(s: Socket, n: number): Buffer | null {
  const parts: Buffer[] = [];
  let got = 0;
  while (got < n) {
    const data = s.recv(1024);
    if (data.length === 0) return null;
    parts.push(data);
    got += data.length;
  }
  return Buffer.concat(parts);
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    options: { host: { type: 'string', default: '127.0.0.1' } },
    allowPositionals: true,
  });
  const host = values.host;
  const port = Number(positionals[0]);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    process.stderr.write('usage: echo-client.ts <port> [--host 127.0.0.1|::1] [message...]\n');
    process.exitCode = 2;
    return;
  }

  const s1 = socket(host.includes(':') ? AF_INET6 : AF_INET, SOCK_STREAM);
  try {
    // A server that stops answering makes connect/recv throw instead of
    // hanging the client for ever.
    s1.settimeout(10);
    s1.connect([host, port]);
    say(`connected ${host} ${port}`);
    for await (const line of input(positionals.slice(1))) {
      const msg = line.trim();
      if (!msg) continue;
      if (msg === 'q') {
        say('quit');
        break;
      }
      const bytes = Buffer.from(msg, 'utf8');
      s1.sendall(bytes);
      say(`client -> ${msg}`);
      const data = recvReply(s1, bytes.length);
      if (data === null) {
        say('server closed the connection');
        break;
      }
      say(`server <- ${data.toString('utf8')}`);
    }
  } catch (err) {
    if (!(err instanceof SocketError)) throw err;
    process.stderr.write(`error: ${err.message}\n`);
    process.exitCode = 1;
  } finally {
    s1.close();
  }
}

void main();
