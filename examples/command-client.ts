// The remote-command client (seed 003), reading JSON lines instead of
// pickles. The Python original:
//
//   s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
//   s.connect(('127.0.0.1', 7895))
//   print(menu)
//   while True:
//       str = input('>>>:')
//       if not str: continue
//       s.send(str.encode('utf-8'))
//       data = s.recv(1024)
//       res = pickle.loads(data)
//       print(res)
//   s.close()
//
// Usage: tsx examples/command-client.ts <port> [command...]
//
// The commands come from the command line, one per argument; with none, they
// are read from stdin after a menu. 'q' quits. Prints `connected 127.0.0.1
// <port>` first, then for each command `client -> <command>` and
// `server <- <the JSON reply line>`.

import readline = require('node:readline');

import { SocketError, socket, type Socket } from '../lib';

/** Stop reading a reply that grows past this without a newline. */
const MAX_REPLY = 1 << 20;

const MENU = 'commands:\n  1  list the server directory\n  2  print the server working directory\n  q  quit';

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** The commands: the arguments if there are any, else the lines of stdin. */
async function* input(args: string[]): AsyncGenerator<string> {
  if (args.length > 0) {
    yield* args;
    return;
  }
  const tty = process.stdin.isTTY === true;
  if (tty) say(MENU);
  const prompt = tty ? () => process.stdout.write('>>>: ') : () => {};
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
 * Reads one reply line (without its '\n'), keeping whatever follows it in
 * `rest` for the next call. The original's single recv(1024) cut any pickle
 * longer than 1024 bytes; a line is read until its end. Null at EOF.
 */
function recvLine(s: Socket, rest: { buf: Buffer }): string | null {
  for (;;) {
    const nl = rest.buf.indexOf(0x0a);
    if (nl >= 0) {
      const line = rest.buf.subarray(0, nl).toString('utf8');
      rest.buf = rest.buf.subarray(nl + 1);
      return line;
    }
    if (rest.buf.length > MAX_REPLY) throw new Error(`reply longer than ${MAX_REPLY} bytes`);
    const data = s.recv(65536);
    if (data.length === 0) return null;
    rest.buf = Buffer.concat([rest.buf, data]);
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const port = Number(args[0]);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    process.stderr.write('usage: command-client.ts <port> [command...]\n');
    process.exitCode = 2;
    return;
  }

  const s = socket();
  try {
    s.settimeout(10);
    s.connect(['127.0.0.1', port]);
    say(`connected 127.0.0.1 ${port}`);
    const rest = { buf: Buffer.alloc(0) };
    for await (const line of input(args.slice(1))) {
      const command = line.trim();
      if (!command) continue;
      if (command === 'q') {
        say('quit');
        break;
      }
      // A newline inside an argument would make two requests and two replies.
      if (command.includes('\n')) {
        say('skipped: a command is a single line');
        continue;
      }
      s.sendall(`${command}\n`);
      say(`client -> ${command}`);
      const reply = recvLine(s, rest);
      if (reply === null) {
        say('server closed the connection');
        break;
      }
      say(`server <- ${reply}`);
    }
  } catch (err) {
    if (!(err instanceof SocketError)) throw err;
    process.stderr.write(`error: ${err.message}\n`);
    process.exitCode = 1;
  } finally {
    s.close();
  }
}

void main();
