// The cost of batched datagrams, in user-space instructions: n batches of
// 64 datagrams of 64 bytes, sent and received in one process over loopback
// UDP, after a warm-up of 5,000 batches. Counted by difference between two
// loop lengths, so that start-up and warm-up cancel out:
//
//   for n in 1000 3000; do
//     valgrind --tool=callgrind --callgrind-out-file=/dev/null \
//       node --single-threaded bench/mmsg-cost.js <kind> $n 2>&1 | grep Collected
//   done
//
// (difference of the two totals) / 2000 / 64 = instructions per datagram.
// <kind>:
//   into      sendmmsg of one buffer 64 times + recvmmsgInto (the result
//             reused, addresses not read)
//   distinct  the same with 64 different buffers sent
//   address   `into`, reading address(i) of every datagram
//   fresh     `into` with a new buffers array (so a new result) per call
//   recvmmsg  sendmmsg + recvmmsg(64, 2048): a Buffer and [data, address]
//             per datagram
//   async     sendmmsgAsync + recvmmsgIntoAsync (the data is there: no wait)
//   single    one sendto + one recvfromInto per datagram
// BSDSOCK=<dir> measures another build of the package (a checkout of an
// earlier commit, built). Needs a build (npm run prepare); a timing
// benchmark it is not.
'use strict';
const path = require('node:path');

const bsdsock = require(process.env.BSDSOCK ? path.resolve(process.env.BSDSOCK) : '..');
const { AF_INET, SOCK_DGRAM, SOL_SOCKET, SO_RCVBUF, socket } = bsdsock;

const KINDS = ['into', 'distinct', 'address', 'fresh', 'recvmmsg', 'async', 'single'];
const kind = process.argv[2];
const n = Number(process.argv[3] ?? 1000);
if (!KINDS.includes(kind) || !(n >= 0)) throw new Error(`usage: mmsg-cost.js ${KINDS.join('|')} <n>`);

const BATCH = 64;
const r = socket(AF_INET, SOCK_DGRAM);
const s = socket(AF_INET, SOCK_DGRAM);
r.setsockopt(SOL_SOCKET, SO_RCVBUF, 1 << 20); // a batch always fits
r.bind(['127.0.0.1', 0]);
const to = r.getsockname();
const one = Buffer.alloc(64, 'D');
const messages = Array.from({ length: BATCH }, (_, i) => [kind === 'distinct' ? Buffer.alloc(64, i) : one, to]);
const buffers = Array.from({ length: BATCH }, () => Buffer.alloc(2048));

let sink = 0;
function batch() {
  if (kind === 'single') {
    for (let i = 0; i < BATCH; i++) {
      s.sendto(one, to);
      sink += r.recvfromInto(buffers[i])[0];
    }
    return;
  }
  s.sendmmsg(messages);
  if (kind === 'recvmmsg') {
    for (const [data] of r.recvmmsg(BATCH, 2048)) sink += data.length;
    return;
  }
  const got = r.recvmmsgInto(kind === 'fresh' ? buffers.slice() : buffers);
  if (kind === 'address') for (let i = 0; i < got.count; i++) sink += got.address(i) === null ? 0 : 1;
  sink += got.count;
}

async function batchAsync() {
  await s.sendmmsgAsync(messages);
  sink += (await r.recvmmsgIntoAsync(buffers)).count;
}

async function main() {
  for (const k of [5000, n]) {
    for (let i = 0; i < k; i++) {
      if (kind === 'async') await batchAsync();
      else batch();
    }
  }
  r.close();
  s.close();
  if (sink === 0) throw new Error('nothing received');
}
main();
