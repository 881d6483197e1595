// The remote-command server (seed 003), answering in JSON instead of pickle,
// from a FIXED table of commands, and replying with the error's name instead
// of dropping the connection when a request is wrong (seed 000, part 4). The
// Python original:
//
//   s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
//   s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
//   s.bind(('127.0.0.1', 7895))
//   s.listen(5)
//   while True:                                  # connection loop
//       con, add = s.accept()
//       print(add)
//       while True:                              # communication loop
//           try:
//               data = int(con.recv(1024))
//               if data == 1:
//                   res = os.listdir(os.chdir('c:\\'))
//                   con.send(pickle.dumps(res))
//               elif data == 2:
//                   res = os.getcwd()
//                   con.send(pickle.dumps(res))
//           except Exception:                    # also a bad request: the
//               break                            # connection is dropped
//       con.close()
//   s.close()
//
// Usage: tsx examples/command-server.ts [port] [--dir DIR] [--max-conns N]
//
// The port defaults to 0 (an ephemeral one); the first line printed is
// `listening 127.0.0.1 <port>`. Runs until killed, or with --max-conns N until
// it has served N connections.
//
// The protocol: a request is one line of UTF-8 ending in '\n'; the reply is
// one line of JSON ending in '\n':
//   '1'          {"command":"1","result":[the entries of DIR, sorted]}
//   '2'          {"command":"2","result":"<the server's working directory>"}
//   anything     {"command":"...","error":"UnknownCommand","message":"..."}
//   else
// A command that fails (DIR was removed, say) gives {"command":...,
// "error":"<code or name of the error>","message":...}; the connection stays
// open in every case. Lines replace the original's one-recv-per-message,
// which TCP does not promise (two requests can arrive in one recv, a long
// reply in several), and JSON replaces pickle, which runs code on load.

import fs = require('node:fs');
import path = require('node:path');
import { parseArgs } from 'node:util';

import { SOL_SOCKET, SO_REUSEADDR, SocketError, socket, type SocketAddress } from '../lib';

/** A request line longer than this is refused; the connection is closed. */
const MAX_LINE = 4096;

function show(addr: SocketAddress): string {
  return Array.isArray(addr) ? `${addr[0]} ${addr[1]}` : String(addr);
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

/**
 * The only things a client can ask for. A Map rather than an object literal,
 * so that a request such as 'constructor' or '__proto__' is just unknown
 * instead of reaching Object.prototype. Nothing here runs a shell.
 */
function commandTable(dir: string): Map<string, () => unknown> {
  return new Map<string, () => unknown>([
    ['1', () => fs.readdirSync(dir).sort()],
    ['2', () => process.cwd()],
  ]);
}

/** The JSON reply to one request line; never throws. */
function answer(commands: Map<string, () => unknown>, command: string): string {
  const run = commands.get(command);
  if (run === undefined) {
    return JSON.stringify({ command, error: 'UnknownCommand', message: `no command ${JSON.stringify(command)}; try 1 or 2` });
  }
  try {
    return JSON.stringify({ command, result: run() });
  } catch (err) {
    // "Return the error's name": a Node system error's code (ENOENT) says
    // more than its class name (Error).
    const e: NodeJS.ErrnoException = err instanceof Error ? err : new Error(String(err));
    return JSON.stringify({ command, error: e.code ?? e.name, message: e.message });
  }
}

function main(): void {
  const { values, positionals } = parseArgs({
    options: {
      dir: { type: 'string', default: '.' },
      'max-conns': { type: 'string' },
    },
    allowPositionals: true,
  });
  const port = Number(positionals[0] ?? '0');
  const maxConns = count(values['max-conns']);
  if (!Number.isInteger(port) || port < 0 || port > 65535 || Number.isNaN(maxConns)) {
    process.stderr.write('usage: command-server.ts [port] [--dir DIR] [--max-conns N]\n');
    process.exitCode = 2;
    return;
  }
  // Resolved once, so that command 1 keeps meaning the same directory (the
  // original's os.chdir inside command 1 silently changed command 2's answer).
  const commands = commandTable(path.resolve(values.dir));

  const s = socket();
  s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
  s.bind(['127.0.0.1', port]);
  s.listen(5);
  say(`listening ${show(s.getsockname())}`);

  for (let served = 0; served < maxConns; served++) {
    const [con, add] = s.accept();
    say(`accepted ${show(add)}`);
    let pending = Buffer.alloc(0);
    for (;;) {
      try {
        const data = con.recv(1024);
        if (data.length === 0) break;
        pending = Buffer.concat([pending, data]);
        // Every complete line is a request; a partial one waits for the rest.
        let nl: number;
        while ((nl = pending.indexOf(0x0a)) >= 0) {
          const command = pending.subarray(0, nl).toString('utf8').trim();
          pending = pending.subarray(nl + 1);
          say(`command ${JSON.stringify(command)}`);
          con.sendall(`${answer(commands, command)}\n`);
        }
        if (pending.length > MAX_LINE) {
          say('error: request line too long');
          con.sendall(`${JSON.stringify({ error: 'LineTooLong', message: `a request is at most ${MAX_LINE} bytes` })}\n`);
          break;
        }
      } catch (err) {
        if (!(err instanceof SocketError)) throw err;
        say(`error: ${err.message}`);
        break;
      }
    }
    con.close();
    say(`closed ${show(add)}`);
  }
  s.close();
}

main();
