// The Worker-termination scenario: `workers.ts <n>` starts n workers, 4 at a
// time, each of which leaves async calls pending on sockets it keeps open
// (acceptAsync, recvAsync, sendallAsync to a peer that never reads,
// recvfromAsync, connectAsync to a full AF_UNIX backlog, which waits on a
// timer, and to a full TCP backlog), and terminates each as soon as it says
// so, or while it runs a ping-pong. A missing env cleanup would abort the
// whole process (TOOLCHAIN pitfall 6), so stress/run.ts runs this in a
// child and counts a signal exit as a crash. Prints the socket fds left
// that were not there before (the workers' must all be closed by their
// envs' ends).
//
// The workers load the built package (dist/): a worker with tsx would
// spend its time compiling.

import path = require('node:path');
import { Worker } from 'node:worker_threads';

import { report, socketFdSet, socketFds } from './common';

const DIST = path.join(__dirname, '..', 'dist');

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const b = require(${JSON.stringify(DIST)});
const keep = [];
const pending = (p) => p.catch((err) => parentPort.postMessage({ failed: String(err) }));
const l = b.socket(); l.bind(['127.0.0.1', 0]); l.listen(4); keep.push(l);
const c = b.socket(); c.connect(l.getsockname()); const [conn] = l.accept(); keep.push(c, conn);
pending(l.acceptAsync()); pending(conn.recvAsync(1024));
const [w, silent] = b.socketpair(); keep.push(w, silent);
pending(w.sendallAsync(Buffer.alloc(1 << 20, 0x78)));
const u = b.socket(b.AF_INET, b.SOCK_DGRAM); u.bind(['127.0.0.1', 0]); keep.push(u);
pending(u.recvfromAsync(100));
const name = Buffer.from('\\0bsdsock-stress-' + process.pid + '-' + workerData.id);
const ul = b.socket(b.AF_UNIX); ul.bind(name); ul.listen(0); keep.push(ul);
for (let i = 0; i < 4; i++) { const f = b.socket(b.AF_UNIX); f.setblocking(false); keep.push(f); if (f.connectEx(name) !== 0) break; }
const uc = b.socket(b.AF_UNIX); keep.push(uc); pending(uc.connectAsync(name));
const tl = b.socket(); tl.bind(['127.0.0.1', 0]); tl.listen(0); keep.push(tl);
for (let i = 0; i < 2; i++) { const f = b.socket(); f.setblocking(false); keep.push(f); f.connectEx(tl.getsockname()); }
const tc = b.socket(); keep.push(tc); pending(tc.connectAsync(tl.getsockname()));
const ep = b.epoll(); ep.register(u, b.EPOLLIN);
if (workerData.busy) {
  const [x, y] = b.socketpair(); keep.push(x, y);
  // Each round waits for the loop, as a server's would: its calls complete
  // at once, and a chain of promises alone would never yield to it.
  const ping = async () => { for (;;) { await x.sendallAsync('p'); await y.recvAsync(1); await new Promise((r) => setImmediate(r)); } };
  ping().catch(() => {});
}
setImmediate(() => parentPort.postMessage({ pending: true }));
`;

async function one(id: number): Promise<string | null> {
  const busy = id % 2 === 1;
  const w = new Worker(WORKER, { eval: true, workerData: { id, busy } });
  const exited = new Promise<number>((resolve) => w.once('exit', resolve));
  let failure: string | null = null;
  await new Promise<void>((resolve, reject) => {
    w.on('message', (m: { pending?: boolean; failed?: string }) => {
      if (m.failed !== undefined) failure ??= `worker ${id}: a call did not stay pending: ${m.failed}`;
      if (m.pending) resolve();
    });
    w.once('error', reject);
  });
  // A busy worker is terminated in the middle of its ping-pong.
  if (busy) await new Promise((resolve) => setTimeout(resolve, 5));
  await w.terminate();
  await exited;
  return failure;
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 200);
  await new Promise<void>((resolve) => setImmediate(resolve));
  const baseline = socketFdSet();
  let terminated = 0;
  const failures: string[] = [];
  for (let i = 0; i < n; i += 4) {
    const batch = [];
    for (let k = i; k < Math.min(n, i + 4); k++) batch.push(one(k));
    for (const f of await Promise.all(batch)) {
      terminated++;
      if (f !== null && failures.length < 10) failures.push(f);
    }
  }
  // Every socket the workers made was closed by their envs' ends.
  report({ workers: n, terminated, failures, socketFdsLeft: socketFds(baseline) });
}

void main();
