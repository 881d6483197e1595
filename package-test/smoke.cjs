'use strict';
// The installed package through require(): a stream pair, a blocking TCP
// exchange on loopback, the shape of an error, and an async exchange that
// goes through the addon's libuv poller. Prints the loaded binary as JSON.
const assert = require('node:assert/strict');
const bsdsock = require('bsdsock');

const { socket, socketpair, AF_INET, AF_UNIX, SOCK_STREAM, SOL_SOCKET, SO_REUSEADDR, SocketError, addon } = bsdsock;

async function main() {
  const [a, b] = socketpair(AF_UNIX, SOCK_STREAM);
  a.sendall('ping');
  assert.equal(b.recv(4).toString(), 'ping');
  a.close();
  b.close();

  const server = socket(AF_INET, SOCK_STREAM);
  server.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
  server.bind(['127.0.0.1', 0]);
  server.listen(1);
  const client = socket(AF_INET, SOCK_STREAM);
  client.connect(server.getsockname());
  const [conn, peer] = server.accept();
  assert.deepEqual(peer, client.getsockname());
  client.sendall('hello');
  assert.equal(conn.recv(5).toString(), 'hello');
  conn.close();
  client.close();
  server.close();

  // A bound port with no listener refuses at once: a deterministic errno.
  const idle = socket();
  idle.bind(['127.0.0.1', 0]);
  const refused = socket();
  assert.throws(
    () => refused.connect(idle.getsockname()),
    (err) => err instanceof SocketError && err.code === 'ECONNREFUSED' && err.syscall === 'connect',
  );
  refused.close();
  idle.close();

  const [x, y] = socketpair();
  const pending = y.recvAsync(5);
  await x.sendallAsync('async');
  assert.equal((await pending).toString(), 'async');
  x.close();
  y.close();

  console.log(JSON.stringify({ entry: 'require', arch: process.arch, addon }));
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
