// The cost of recvfrom()'s sender address, in instructions: `recvfrom(64,
// MSG_PEEK)` n times after a warm-up of 20,000, on one queued datagram (the
// peek leaves it queued, so every call returns the same data and sender).
// Counted by difference between two loop lengths, so that start-up and
// warm-up cancel out:
//
//   for n in 10000 30000; do
//     valgrind --tool=callgrind --callgrind-out-file=/dev/null \
//       node --single-threaded bench/recvfrom-cost.js <kind> $n 2>&1 | grep Collected
//   done
//
// (difference of the two totals) / 20000 = instructions per recvfrom.
// <kind>: `udp` (an IPv4 sender: the decoded-address cache's hit),
// `udp-rotate` (4 senders' datagrams in turn: still hits, in a rotation),
// `packet` (an AF_PACKET socket bound to lo peeking at a frame of its own:
// decoded for every call, the interface looked up by name; needs
// CAP_NET_RAW). BSDSOCK=<dir> measures another build of the package (a
// checkout of an earlier commit, built). Needs a build (npm run prepare);
// a timing benchmark it is not.
'use strict';
const path = require('node:path');

const bsdsock = require(process.env.BSDSOCK ? path.resolve(process.env.BSDSOCK) : '..');
const { AF_INET, AF_PACKET, MSG_PEEK, SOCK_DGRAM, htons, socket } = bsdsock;

const kind = process.argv[2];
const n = Number(process.argv[3] ?? 1000);
const open = [];
const track = (s) => (open.push(s), s);

function udpReceiver(senders) {
  const r = track(socket(AF_INET, SOCK_DGRAM));
  r.bind(['127.0.0.1', 0]);
  for (let i = 0; i < senders; i++) {
    const s = track(socket(AF_INET, SOCK_DGRAM));
    s.bind(['127.0.0.1', 0]);
    s.sendto('x', r.getsockname());
  }
  return r;
}

let peek;
if (kind === 'udp') {
  const r = udpReceiver(1);
  peek = () => r.recvfrom(64, MSG_PEEK);
} else if (kind === 'udp-rotate') {
  // Four datagrams queued; each call reads (and re-queues) the next.
  const r = udpReceiver(4);
  const senders = open.slice(1);
  let i = 0;
  peek = () => {
    const got = r.recvfrom(64);
    senders[i++ & 3].sendto('x', r.getsockname());
    return got;
  };
} else if (kind === 'packet') {
  const ETH_P_IP = 0x0800;
  const p = track(socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_IP)));
  p.bind(['lo', ETH_P_IP]);
  udpReceiver(1); // one IPv4 frame crosses lo, twice: out and back in
  peek = () => p.recvfrom(64, MSG_PEEK);
} else {
  throw new Error('usage: recvfrom-cost.js udp|udp-rotate|packet <n>');
}

let sink = 0;
function loop(k) {
  for (let i = 0; i < k; i++) sink += peek()[0].length;
}
loop(20000);
loop(n);
for (const s of open) s.close();
if (sink === 0) throw new Error('nothing received');
