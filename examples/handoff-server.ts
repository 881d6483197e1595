// Hands connections from one process to another: fd passing (SCM_RIGHTS)
// over AF_UNIX, the way pre-fork servers and zero-downtime restarts move
// sockets between processes. The server accepts on TCP and passes each
// connection to a worker process with sendFds(), the client's address as
// the message; the worker takes it with recvFds(), greets the client with
// its pid, and echoes until EOF. The server keeps no copy: it closes its fd
// right after the handover. The channel is a SOCK_SEQPACKET pair, so that
// each handover arrives as one message, never run together with the next.
//
// Python has the same two calls:
//
//   # the server                          # the worker (fd 3: its end of the pair)
//   conn, addr = s.accept()               channel = socket.socket(fileno=3)
//   socket.send_fds(channel, [text],      msg, fds, flags, addr = \
//                   [conn.fileno()])          socket.recv_fds(channel, 256, 1)
//   conn.close()                          conn = socket.socket(fileno=fds[0])
//
// Usage: tsx examples/handoff-server.ts [port] [--max-conns N]
//
// The first line printed is `listening 127.0.0.1 <port>`. With --max-conns N
// the server stops after N handovers and closes its end of the pair; the
// worker sees EOF there and exits, and the server exits with its status.
// A client that goes away early costs only its own connection. Should the
// worker die, the server learns it at its next handover (EPIPE), since its
// accept() loop blocks the event loop, and stops.

import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';

import {
  AF_UNIX,
  SOCK_SEQPACKET,
  SOL_SOCKET,
  SO_REUSEADDR,
  Socket,
  SocketError,
  recvFds,
  sendFds,
  socket,
  socketpair,
  type SocketAddress,
} from '../lib';

/** The fd at which the worker finds its end of the AF_UNIX pair. */
const CHANNEL_FD = 3;

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

function show(addr: SocketAddress): string {
  return Array.isArray(addr) ? `${addr[0]} ${addr[1]}` : String(addr);
}

/** The worker: takes connections off the channel until the server closes it. */
function worker(): void {
  // Family and type are read from the fd, as socket.socket(fileno=3) does.
  const channel = new Socket(undefined, undefined, undefined, CHANNEL_FD);
  for (;;) {
    const [data, fds] = recvFds(channel, 256, 1);
    if (data.length === 0) break; // EOF: the server is done
    if (fds.length !== 1) throw new Error(`expected one fd, got ${fds.length}`);
    const conn = new Socket(undefined, undefined, undefined, fds[0]);
    try {
      say(`worker ${process.pid} took ${data.toString()}`);
      conn.sendall(`worker ${process.pid}\n`);
      for (let chunk; (chunk = conn.recv(1024)).length > 0; ) conn.sendall(chunk);
    } catch (err) {
      if (!(err instanceof SocketError)) throw err;
      say(`worker error: ${err.message}`); // the client went away abruptly
    } finally {
      conn.close();
    }
  }
  channel.close();
}

function server(port: number, maxConns: number): void {
  const [mine, theirs] = socketpair(AF_UNIX, SOCK_SEQPACKET);
  // The worker is this script again; its fd 3 is `theirs` (spawn clears
  // close-on-exec on the fds it hands to the child).
  const child = spawn(process.execPath, [...process.execArgv, __filename, '--worker'], {
    stdio: ['ignore', 'inherit', 'inherit', theirs.fileno()],
  });
  theirs.close();
  child.on('exit', (code, signal) => {
    say(`worker exited ${code ?? signal}`);
    process.exitCode = code ?? 1;
  });

  const s = socket();
  s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
  s.bind(['127.0.0.1', port]);
  s.listen(16);
  say(`listening ${show(s.getsockname())}`);
  for (let served = 0; served < maxConns; served++) {
    const [conn, addr] = s.accept();
    try {
      sendFds(mine, [show(addr)], [conn.fileno()]);
    } catch (err) {
      if (!(err instanceof SocketError)) throw err;
      say(`handover failed: ${err.message}`); // the worker is gone (EPIPE)
      conn.close();
      break;
    }
    conn.close(); // the worker has its own fd for the connection now
    say(`handed over ${show(addr)}`);
  }
  s.close();
  mine.close(); // the worker reads EOF and exits
}

function main(): void {
  const { values, positionals } = parseArgs({
    options: { worker: { type: 'boolean' }, 'max-conns': { type: 'string' } },
    allowPositionals: true,
  });
  if (values.worker === true) return worker();
  const port = Number(positionals[0] ?? '0');
  const max = values['max-conns'];
  const maxConns = max === undefined ? Infinity : Number(max);
  if (!Number.isInteger(port) || port < 0 || port > 65535 || !(maxConns >= 0) || (max !== undefined && !Number.isInteger(maxConns))) {
    process.stderr.write('usage: handoff-server.ts [port] [--max-conns N]\n');
    process.exitCode = 2;
    return;
  }
  server(port, maxConns);
}

main();
