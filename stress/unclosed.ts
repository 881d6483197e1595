// The dropped-sockets scenario: `unclosed.ts <n>` makes n sockets (TCP,
// UDP, AF_UNIX stream and datagram, half of them with an async call that
// completed, so that their pollers exist too), drops every one without
// close(), runs one gc(), and counts the socket fds left and the
// ResourceWarnings emitted (one per socket, naming it). Run with
// --expose-gc.

import { AF_INET, AF_UNIX, SOCK_DGRAM, SOCK_STREAM, socket, socketpair } from '../lib';
import { native } from '../lib/binding';
import { report, socketFdSet, socketFds, turns } from './common';

let warnings = 0;
let named = 0;
process.on('warning', (w) => {
  if (w.name !== 'ResourceWarning') return;
  warnings++;
  if (/^unclosed <Socket fd=\d+ /.test(w.message)) named++;
});

async function drop(n: number): Promise<void> {
  const kinds: Array<[number, number]> = [
    [AF_INET, SOCK_STREAM],
    [AF_INET, SOCK_DGRAM],
    [AF_UNIX, SOCK_STREAM],
    [AF_UNIX, SOCK_DGRAM],
  ];
  for (let i = 0; i < n; i += 2) {
    if (i % 8 === 0) {
      // A pair whose ends waited on their pollers once.
      const [a, b] = socketpair();
      const r = a.recvAsync(1);
      b.sendall('x');
      await r;
    } else {
      const [family, type] = kinds[(i / 2) % kinds.length]!;
      socket(family, type);
      socket(family, type);
    }
  }
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 10000);
  await turns(3);
  const baseline = socketFdSet();
  await drop(n);
  const open = socketFds(baseline);
  const pollers = native.pollerCount();
  global.gc!();
  await turns(20);
  report({ sockets: n, openBeforeGc: open, pollersBeforeGc: pollers, socketFdsAfterGc: socketFds(baseline), pollersAfterGc: native.pollerCount(), warnings, named });
}

void main();
