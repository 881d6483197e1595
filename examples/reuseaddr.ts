// A one-shot server that sets SO_REUSEADDR before bind (seed 004, 3.1), so
// that it can be started again on the same port at once, while the connection
// it closed is still in TIME_WAIT. The Python original:
//
//   import socket
//   from socket import SOL_SOCKET, SO_REUSEADDR
//   sk = socket.socket()
//   sk.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)   # 就是它，在bind前加
//   sk.bind(('127.0.0.1', 8898))
//   sk.listen()
//   conn, addr = sk.accept()
//   ret = conn.recv(1024)
//   print(ret)
//   conn.send(b'hi')
//   conn.close()
//   sk.close()
//
// Usage: tsx examples/reuseaddr.ts [port] [--no-reuseaddr]
//
// The port defaults to 0 (an ephemeral one); the first line printed is
// `listening 127.0.0.1 <port>`. Serves one connection, then exits 0.
//
// Why: the side that closes a TCP connection first keeps it in TIME_WAIT for
// 60 s on Linux. Here the server closes first, so its port stays taken, and
// a plain bind() to it fails with EADDRINUSE (errno 98) until TIME_WAIT ends.
// SO_REUSEADDR lets bind() share the port with connections that are not
// listening, TIME_WAIT ones included (never with a live listener). On Linux
// the old connection must carry the flag too: it inherits it from the
// listener that accepted it, so every run has to set it, which is what the
// seed says. With --no-reuseaddr the option is left off, to see the failure:
// the script then prints `error: bind EADDRINUSE 127.0.0.1:<port>: Address already in use (errno 98)`
// on stderr and exits 1.

import { parseArgs } from 'node:util';

import { SOL_SOCKET, SO_REUSEADDR, SocketError, socket, type SocketAddress } from '../lib';

function show(addr: SocketAddress): string {
  return Array.isArray(addr) ? `${addr[0]} ${addr[1]}` : String(addr);
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

function main(): void {
  const { values, positionals } = parseArgs({
    options: { 'no-reuseaddr': { type: 'boolean', default: false } },
    allowPositionals: true,
  });
  const port = Number(positionals[0] ?? '0');
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write('usage: reuseaddr.ts [port] [--no-reuseaddr]\n');
    process.exitCode = 2;
    return;
  }

  const sk = socket();
  try {
    // Before bind: bind() is the call that checks for the address in use.
    if (!values['no-reuseaddr']) sk.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
    sk.bind(['127.0.0.1', port]);
  } catch (err) {
    sk.close();
    if (!(err instanceof SocketError)) throw err;
    process.stderr.write(`error: ${err.message} (errno ${err.errno})\n`);
    process.exitCode = 1;
    return;
  }
  sk.listen();
  say(`listening ${show(sk.getsockname())}`);
  const [conn, addr] = sk.accept();
  say(`accepted ${show(addr)}`);
  const ret = conn.recv(1024);
  say(`received ${ret.toString('utf8')}`);
  conn.send('hi');
  // The server closes first: this end of the connection goes to TIME_WAIT.
  conn.close();
  sk.close();
  say('closed');
}

main();
