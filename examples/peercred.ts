// Who is on the other end? An AF_UNIX server that tells each client its own
// pid, uid and gid, as the kernel recorded them when the client connected
// (SO_PEERCRED): the check behind systemd's and D-Bus's local sockets,
// which trust a peer by its uid, not by anything it says. In Python:
//
//   conn, _ = server.accept()
//   pid, uid, gid = struct.unpack('3i', conn.getsockopt(
//       socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize('3i')))
//
// Usage: tsx examples/peercred.ts <socket path> [--max-conns N]
//
// The first line printed is `listening <path>`. Each client gets the line
// `pid <pid> uid <uid> gid <gid>\n` and the connection is closed; the same
// line is logged with `peer ` in front. With --max-conns N the server stops
// after N clients and removes its socket file. Linux only (SO_PEERCRED).

import fs = require('node:fs');
import { parseArgs } from 'node:util';

import { AF_UNIX, SOCK_STREAM, SocketError, getPeerCred, socket } from '../lib';

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

function main(): void {
  const { values, positionals } = parseArgs({ options: { 'max-conns': { type: 'string' } }, allowPositionals: true });
  const where = positionals[0];
  const max = values['max-conns'] === undefined ? Infinity : Number(values['max-conns']);
  if (where === undefined || !(max >= 1)) {
    process.stderr.write('usage: peercred.ts <socket path> [--max-conns N]\n');
    process.exitCode = 2;
    return;
  }
  const server = socket(AF_UNIX, SOCK_STREAM);
  try {
    server.bind(where);
  } catch (err) {
    server.close();
    throw err; // EADDRINUSE: someone else's socket, left alone
  }
  try {
    server.listen(16);
    say(`listening ${where}`);
    for (let n = 0; n < max; n++) {
      const [conn] = server.accept();
      try {
        const { pid, uid, gid } = getPeerCred(conn);
        const line = `pid ${pid} uid ${uid} gid ${gid}`;
        say(`peer ${line}`);
        conn.sendall(`${line}\n`);
      } catch (err) {
        if (!(err instanceof SocketError)) throw err;
        say(`error: ${err.message}`); // a client gone before its answer
      } finally {
        conn.close();
      }
    }
  } finally {
    server.close();
    fs.rmSync(where, { force: true });
  }
}

main();
