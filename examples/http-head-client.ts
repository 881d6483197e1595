// A client that connects by host name with createConnection (Python's
// socket.create_connection) and speaks a line-based protocol through
// makefile(): an HTTP HEAD request, printing the status line and headers.
// The Python original:
//
//   import socket, sys
//   host, port = sys.argv[1], int(sys.argv[2])
//   with socket.create_connection((host, port), timeout=5) as s:
//       f = s.makefile('rw', newline='\r\n')
//       f.write(f'HEAD / HTTP/1.1\nHost: {host}\nConnection: close\n\n')
//       f.flush()
//       for line in f:
//           if line == '\r\n':
//               break
//           print(line, end='')
//
// Usage: tsx examples/http-head-client.ts [host] [port]   (default localhost 80)
//
// createConnection resolves the name with getaddrinfo and tries every
// address it returns, IPv6 and IPv4, in order, until one connects; the
// timeout applies to each attempt and to every later call on the socket.

import { createConnection, getnameinfo, NI_NUMERICHOST, NI_NUMERICSERV, SocketError } from '../lib';

function main(): void {
  const host = process.argv[2] ?? 'localhost';
  const port = Number(process.argv[3] ?? '80');
  let s;
  try {
    s = createConnection([host, port], 5);
  } catch (err) {
    if (!(err instanceof SocketError)) throw err;
    process.stderr.write(`cannot connect to ${host}:${port}: ${err.message}\n`);
    process.exitCode = 1;
    return;
  }
  using sock = s;
  const peer = sock.getpeername(); // IPv4 or IPv6: [host, port, ...]
  const [numeric] = getnameinfo(peer, NI_NUMERICHOST | NI_NUMERICSERV);
  process.stdout.write(`connected to ${host} (${numeric}) port ${peer[1]}\n`);

  using f = sock.makefile('rw', { newline: '\r\n' });
  f.write(`HEAD / HTTP/1.1\nHost: ${host}\nConnection: close\n\n`);
  f.flush();
  for (const line of f) {
    if (line === '\r\n') break; // the blank line that ends the headers (newline '\r\n' keeps it)
    process.stdout.write(String(line));
  }
}

main();
