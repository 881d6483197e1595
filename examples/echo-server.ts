// The upper-case TCP echo server with a connection loop, a communication loop
// and exception handling (seed 002, section 六: "连接循环, 通信循环, 以及异常
// 捕捉"), plus SO_REUSEADDR before bind (seed 004, 3.1). The Python original:
//
//   s1 = socket.socket(family=socket.AF_INET, type=socket.SOCK_STREAM)
//   s1.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
//   s1.bind(('127.0.0.1', 8888))
//   s1.listen(3)
//   while True:                        # connection loop
//       conn, addr = s1.accept()
//       while True:                    # communication loop
//           try:
//               data = conn.recv(1024)
//               if not data:
//                   break
//               print(data)
//               conn.send(data.upper())
//           except Exception:          # the client went away abruptly
//               break
//       conn.close()
//   s1.close()
//
// Usage: tsx examples/echo-server.ts [port] [--host 127.0.0.1|::1] [--max-conns N]
//
// The port defaults to 0 (an ephemeral one); the first line printed is
// `listening <host> <port>`. The server runs until killed, or with
// --max-conns N until it has served N connections, then closes and exits 0.

import { parseArgs } from 'node:util';

import { AF_INET, AF_INET6, SOCK_STREAM, SOL_SOCKET, SO_REUSEADDR, SocketError, socket, type SocketAddress } from '../lib';

/** `host port` of an AF_INET/AF_INET6 address, as the original's `print(addr)`. */
function show(addr: SocketAddress): string {
  return Array.isArray(addr) ? `${addr[0]} ${addr[1]}` : String(addr);
}

/**
 * Python's `bytes.upper()`: only the ASCII letters a-z change. Working on
 * bytes rather than on a decoded string keeps the reply exactly as long as
 * the request, and leaves intact a multi-byte UTF-8 character that recv()
 * happened to cut in two.
 */
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
      'max-conns': { type: 'string' },
    },
    allowPositionals: true,
  });
  const host = values.host;
  const port = Number(positionals[0] ?? '0');
  const maxConns = count(values['max-conns']);
  if (!Number.isInteger(port) || port < 0 || port > 65535 || Number.isNaN(maxConns)) {
    process.stderr.write('usage: echo-server.ts [port] [--host 127.0.0.1|::1] [--max-conns N]\n');
    process.exitCode = 2;
    return;
  }

  const s1 = socket(host.includes(':') ? AF_INET6 : AF_INET, SOCK_STREAM);
  // Without it, restarting the server while a connection it closed is still
  // in TIME_WAIT fails with EADDRINUSE (see examples/reuseaddr.ts).
  s1.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
  s1.bind([host, port]);
  s1.listen(3);
  say(`listening ${show(s1.getsockname())}`);

  // The connection loop: `while True`, bounded only when --max-conns says so.
  for (let served = 0; served < maxConns; served++) {
    const [conn, addr] = s1.accept();
    say(`accepted ${show(addr)}`);
    // The communication loop.
    for (;;) {
      try {
        const data = conn.recv(1024);
        if (data.length === 0) {
          say('eof');
          break;
        }
        say(`received ${data.toString('utf8')}`);
        // The original's send() may in principle send only part of the
        // reply; sendall() is what it means.
        conn.sendall(upper(data));
      } catch (err) {
        // Python's `except Exception` is narrowed to socket errors (a reset,
        // a broken pipe): a bug in this code should still crash loudly.
        if (!(err instanceof SocketError)) throw err;
        say(`error: ${err.message}`);
        break;
      }
    }
    conn.close();
    say(`closed ${show(addr)}`);
  }
  s1.close();
}

main();
