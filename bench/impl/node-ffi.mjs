// Node's own foreign-function interface (node:ffi, Node 26 and later)
// calling libc's socketpair, getsockopt, send and recv directly: a peer of
// bsdsock in the binding-overhead comparison, the cheapest way to make a
// socket call from JavaScript without an addon. Plain JavaScript, not
// TypeScript, because it runs on a Node of its own (bench/run.ts and
// bench/instructions.ts find it: --ffi-node <path> or BENCH_FFI_NODE), not
// under tsx, and the project's typings are Node 20's.
//
// Modes (bench/c/bench.c describes them):
//   overhead <count>        {"getsockopt":ns,"recvWouldBlock":ns}
//   instructions <n1> <n2>  the loops it can make: pairInto (a send of 64
//                           bytes and a recv into one buffer), getsockopt,
//                           eagain (recv returning -1: no exception, no errno)
//
// Signatures, chosen as the cheapest correct ones that Node 26.10 offers.
// Pointers are raw addresses taken once with getRawPointer() and passed as
// 'uint64' BigInts: Buffers passed as 'buffer' (or 'pointer') go through a
// JavaScript wrapper that converts each one on every call, about 1,400
// user-space instructions more per getsockopt (callgrind, here). Either
// way a call with four or five arguments takes node:ffi's generic path
// (a rest-arguments wrapper, libffi); only a call without pointer or
// 64-bit arguments (getpid(): 42 instructions) got V8's fast path. size_t
// is 'uint64' too, which node:ffi takes only as a BigInt (constants here);
// ssize_t results are 'int32': the low half of the return register, exact
// for the counts here (at most 65536, or -1), where 'int64' would allocate
// a BigInt per call. The buffers stay alive (module scope) and an
// ArrayBuffer's memory does not move, so the addresses stay valid.

import { dlopen, getRawPointer } from 'node:ffi';
import { createRequire } from 'node:module';

// The platform's socket constants, from bsdsock's build (its addon is
// Node-API, so it loads in any Node); nothing else of bsdsock is used.
const c = createRequire(import.meta.url)('../../dist').constants;

const { functions: libc } = dlopen(null, {
  socketpair: { arguments: ['int32', 'int32', 'int32', 'buffer'], return: 'int32' },
  getsockopt: { arguments: ['int32', 'int32', 'int32', 'uint64', 'uint64'], return: 'int32' },
  send: { arguments: ['int32', 'uint64', 'uint64', 'int32'], return: 'int32' },
  recv: { arguments: ['int32', 'uint64', 'uint64', 'int32'], return: 'int32' },
  close: { arguments: ['int32'], return: 'int32' },
});

const MSG = 64;
const MSG_N = 64n;
const READ_N = 1024n;

function pair(type) {
  const fds = new Int32Array(2);
  if (libc.socketpair(c.AF_UNIX, type, 0, fds) !== 0) throw new Error('socketpair failed');
  return fds;
}

const optval = new Int32Array(1);
const optlen = new Uint32Array(1);
const optvalAt = getRawPointer(optval);
const optlenAt = getRawPointer(optlen);
const buf = Buffer.alloc(65536);
const bufAt = getRawPointer(buf);
const msg = Buffer.from('the quick brown fox jumps over the lazy dog: echo it back, loud!');
const msgAt = getRawPointer(msg);

function getsockoptLoop(fd, n) {
  const level = c.SOL_SOCKET;
  const name = c.SO_TYPE;
  const stream = c.SOCK_STREAM;
  for (let i = 0; i < n; i++) {
    optlen[0] = 4;
    if (libc.getsockopt(fd, level, name, optvalAt, optlenAt) !== 0 || optval[0] !== stream) throw new Error('getsockopt failed');
  }
}

function wouldBlockLoop(fd, n) {
  for (let i = 0; i < n; i++) if (libc.recv(fd, bufAt, MSG_N, 0) !== -1) throw new Error('data?');
}

function pairIntoLoop(a, b, n) {
  const flags = c.MSG_NOSIGNAL;
  for (let i = 0; i < n; i++) {
    if (libc.send(a, msgAt, MSG_N, flags) !== MSG) throw new Error('send failed');
    if (libc.recv(b, bufAt, READ_N, 0) !== MSG) throw new Error('recv failed');
  }
}

const [mode, x, y] = process.argv.slice(2);
const [a, b] = pair(c.SOCK_STREAM);
const [na, nb] = pair(c.SOCK_STREAM | c.SOCK_NONBLOCK);

if (mode === 'overhead') {
  const n = Number(x);
  getsockoptLoop(a, n / 10);
  wouldBlockLoop(nb, n / 10);
  let t0 = performance.now();
  getsockoptLoop(a, n);
  const get = (performance.now() - t0) / n;
  t0 = performance.now();
  wouldBlockLoop(nb, n);
  const block = (performance.now() - t0) / n;
  process.stdout.write(`${JSON.stringify({ getsockopt: get * 1e6, recvWouldBlock: block * 1e6 })}\n`);
} else if (mode === 'instructions') {
  const n1 = Number(x);
  const n2 = Number(y);
  const loops = [
    ['pairInto', (n) => pairIntoLoop(a, b, n), 1],
    ['getsockopt', (n) => getsockoptLoop(a, n), 1],
    ['eagain', (n) => wouldBlockLoop(nb, n), 1],
  ];
  // common.ts's instructionLoops: reading process.ppid calls getppid(3), the mark.
  const marks = [];
  for (const [, loop, divisor] of loops) loop(Math.floor(n1 / divisor / 2));
  for (const [name, loop, divisor] of loops) {
    const [s1, s2] = [Math.floor(n1 / divisor), Math.floor(n2 / divisor)];
    loop(Math.floor(s1 / 2));
    void process.ppid;
    marks.push(`${name} warm-up`);
    for (let r = 0; r < 3; r++) {
      loop(s1);
      void process.ppid;
      marks.push(`${name} ${s1}`);
      loop(s2);
      void process.ppid;
      marks.push(`${name} ${s2}`);
    }
  }
  process.stdout.write(`${JSON.stringify({ marks })}\n`);
} else {
  process.stderr.write('usage: node-ffi.mjs overhead <count> | instructions <n1> <n2>\n');
  process.exitCode = 2;
}
for (const fd of [a, b, na, nb]) libc.close(fd);
