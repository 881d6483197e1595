// The installed package through import: named and default imports, a UDP
// exchange on loopback, select(), constants from the platform, and an async
// accept/connect. Prints the loaded binary as JSON.
import assert from 'node:assert/strict';
import bsdsock, { socket, select, inet_pton, AF_INET, SOCK_DGRAM, SOCK_STREAM, constants, addon } from 'bsdsock';

assert.equal(bsdsock.socket, socket);
assert.equal(bsdsock.addon, addon);
assert.equal(constants.SOCK_DGRAM, SOCK_DGRAM);
assert.deepEqual([...inet_pton(AF_INET, '127.0.0.1')], [127, 0, 0, 1]);

const rx = socket(AF_INET, SOCK_DGRAM);
rx.bind(['127.0.0.1', 0]);
const tx = socket(AF_INET, SOCK_DGRAM);
tx.bind(['127.0.0.1', 0]);
tx.sendto('datagram', rx.getsockname());
const [readable] = select([rx], [], [], 5);
assert.deepEqual(readable, [rx]);
const [data, from] = rx.recvfrom(64);
assert.equal(data.toString(), 'datagram');
assert.deepEqual(from, tx.getsockname());
rx.close();
tx.close();

const server = socket(AF_INET, SOCK_STREAM);
server.bind(['127.0.0.1', 0]);
server.listen(1);
const client = socket(AF_INET, SOCK_STREAM);
const [[conn]] = await Promise.all([server.acceptAsync(), client.connectAsync(server.getsockname())]);
await client.sendallAsync('over the loop');
assert.equal((await conn.recvAsync(64)).toString(), 'over the loop');
conn.close();
client.close();
server.close();

console.log(JSON.stringify({ entry: 'import', arch: process.arch, addon }));
