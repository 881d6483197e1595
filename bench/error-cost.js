// The cost of an error on a Python-shaped program's hot path: `try {
// s.recv(64) } catch {}` on an empty non-blocking socket, n times after a
// warm-up of 20,000. Counted in instructions, by difference between two
// loop lengths, so that start-up and warm-up cancel out:
//
//   for n in 10000 30000; do
//     valgrind --tool=callgrind --callgrind-out-file=/dev/null \
//       node --single-threaded bench/error-cost.js [kind] $n 2>&1 | grep Collected
//   done
//
// (difference of the two totals) / 20000 = instructions per throwing recv.
// [kind], for what any JavaScript pays beside it: `recv` (the default: the
// EAGAIN of bsdsock's recv), `new-error` (`throw new Error('x')`, caught),
// `rethrow` (one Error made beforehand, thrown and caught: the throw alone).
// Needs a build (npm run prepare); a timing benchmark it is not.
'use strict';
const bsdsock = require('..');

const KINDS = ['recv', 'new-error', 'rethrow'];
const kind = KINDS.includes(process.argv[2]) ? process.argv.splice(2, 1)[0] : 'recv';
const n = Number(process.argv[2] ?? 1000);
const made = new Error('x');
const [a, b] = bsdsock.socketpair();
a.setblocking(false);
let caught = 0;
function loop(k) {
  for (let i = 0; i < k; i++) {
    try {
      if (kind === 'recv') a.recv(64);
      else if (kind === 'new-error') throw new Error('x');
      else throw made;
    } catch {
      caught++;
    }
  }
}
loop(20000);
loop(n);
a.close();
b.close();
if (caught !== 20000 + n) throw new Error(`${caught} throws, not ${20000 + n}`);
