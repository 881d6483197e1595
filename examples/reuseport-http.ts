// Several HTTP servers on one port with SO_REUSEPORT: the kernel spreads the
// incoming connections over the listening sockets (by a hash of each
// connection's addresses), the way nginx and HAProxy shard accept() over
// workers. Node's http cannot set the option before listening; bsdsock
// binds with it and hands each socket to an http.Server (toNetServer). In
// Python:
//
//   s = socket.socket()
//   s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
//   s.bind(('127.0.0.1', port))
//   s.listen(511)
//   # ...one per worker, each with its own accept loop
//
// Usage: tsx examples/reuseport-http.ts [port] [--servers N] [--requests N]
//
// The port defaults to 0: the first socket takes an ephemeral port and the
// others bind the same one. The first line printed is `listening 127.0.0.1
// <port> (<N> servers)`; each request is answered with `server <i>\n` and
// logged as `server <i>: GET <path>`. With --requests N the program closes
// its servers after N requests in all and exits 0; otherwise SIGINT or
// SIGTERM stops it.

import http = require('node:http');
import { parseArgs } from 'node:util';

import { SOL_SOCKET, SO_REUSEPORT, socket } from '../lib';

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

function main(): void {
  const { values, positionals } = parseArgs({
    options: { servers: { type: 'string', default: '2' }, requests: { type: 'string' } },
    allowPositionals: true,
  });
  const port = Number(positionals[0] ?? '0');
  const servers = Number(values.servers);
  const limit = values.requests === undefined ? Infinity : Number(values.requests);
  if (!Number.isInteger(port) || port < 0 || port > 65535 || !Number.isInteger(servers) || servers < 1 || !(limit >= 1)) {
    process.stderr.write('usage: reuseport-http.ts [port] [--servers N] [--requests N]\n');
    process.exitCode = 2;
    return;
  }

  const running: http.Server[] = [];
  let served = 0;
  const stop = (): void => {
    for (const server of running) server.close();
  };
  let bound = port;
  for (let i = 0; i < servers; i++) {
    const s = socket();
    s.setsockopt(SOL_SOCKET, SO_REUSEPORT, 1); // on every socket, before bind
    s.bind(['127.0.0.1', bound]);
    [, bound] = s.getsockname(); // the port the first one got: the others share it
    s.listen(511);
    const server = http.createServer((req, res) => {
      say(`server ${i}: ${req.method ?? '?'} ${req.url ?? '?'}`);
      // Close the connection with the response: the next request is a new
      // connection, for the kernel to place again.
      res.setHeader('Connection', 'close');
      res.end(`server ${i}\n`);
      if (++served >= limit) stop();
    });
    running.push(s.toNetServer(server));
  }
  say(`listening 127.0.0.1 ${bound} (${servers} servers)`);
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main();
