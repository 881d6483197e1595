// The addon in worker_threads: it is context-aware (several envs at once, each
// with its own pollers on its own loop), a terminated worker with pending
// async calls and open sockets does not take the process down (the poller's
// async env cleanup hook, TOOLCHAIN pitfall 6), and blocking sync calls in a
// worker block only that worker.
//
// The workers are .ts files under test/fixtures/workers/ run with tsx, so
// that they test lib/ (not dist/). Terminations run in a child process: a
// missing cleanup hook is a SIGABRT of the whole process, not an exception.
// Every worker started here ends with every socket it opened closed (the root
// hook checks the fds); in the child, the workers end with sockets and an
// epoll fd open, and the env's cleanup must close them all.

import assert = require('node:assert/strict');
import fs = require('node:fs');
import path = require('node:path');
import { Worker } from 'node:worker_threads';

import { SHUT_WR, socket, type Socket } from '../lib';
import { native } from '../lib/binding';
import { payload, upper, type EchoData, type EchoReport } from './fixtures/workers/common';
import { ROOT, tempDirs, tsNode } from './helpers';

const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'workers');
const EXEC_ARGV = ['--require', 'tsx/cjs'];

interface Started {
  worker: Worker;
  /** Resolves with the exit code; rejects on an 'error' event. */
  exited: Promise<number>;
  /** Messages in arrival order. */
  next(): Promise<unknown>;
}

/** Starts a fixture worker; its messages can be awaited one by one. */
function startWorker(file: string, workerData: unknown): Started {
  const worker = new Worker(path.join(FIXTURES, file), { execArgv: EXEC_ARGV, workerData });
  const queue: unknown[] = [];
  const waiting: Array<(m: unknown) => void> = [];
  worker.on('message', (m: unknown) => {
    const w = waiting.shift();
    if (w) w(m);
    else queue.push(m);
  });
  let error: unknown = null;
  worker.on('error', (err) => {
    error = err;
  });
  const exited = new Promise<number>((resolve, reject) =>
    worker.once('exit', (code) => (error === null ? resolve(code) : reject(error))),
  );
  return {
    worker,
    exited,
    next() {
      if (queue.length > 0) return Promise.resolve(queue.shift());
      return Promise.race([
        new Promise<unknown>((resolve) => waiting.push(resolve)),
        exited.then((code) => {
          throw new Error(`worker exited (${code}) without a message`);
        }),
      ]);
    },
  };
}

/** Resolves after `n` firings of a 5 ms interval, calling `each` at every firing. */
function ticks(n: number, each: () => void = () => {}): Promise<void> {
  return new Promise((resolve) => {
    let count = 0;
    const t = setInterval(() => {
      each();
      if (++count === n) {
        clearInterval(t);
        resolve();
      }
    }, 5);
  });
}

/** Resolves once `cond()` holds, checking it on a 5 ms interval (the test's timeout bounds it). */
function until(cond: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const t = setInterval(() => {
      if (cond()) {
        clearInterval(t);
        resolve();
      }
    }, 5);
  });
}

describe('71 workers', function () {
  this.timeout(20000);
  const tempDir = tempDirs();

  /** Runs terminate.ts; asserts a clean exit and exactly the lines `perRound` gives, then `survived`. */
  async function terminations(rounds: number, modes: string, perRound: (r: number) => string[]): Promise<void> {
    const child = tsNode('test/fixtures/workers/terminate.ts', [String(rounds), modes]);
    const { code, signal, stdout, stderr } = await child.exit();
    // The whole process must survive: no SIGABRT, no std::terminate.
    assert.equal(signal, null, `signal ${signal}; stderr:\n${stderr}`);
    assert.equal(code, 0, stderr);
    const expected: string[] = [];
    for (let r = 1; r <= rounds; r++) expected.push(...perRound(r));
    expected.push('survived');
    assert.equal(stdout, `${expected.join('\n')}\n`);
    assert.equal(stderr, '');
  }

  it('runs an async and a sync echo exchange in two workers at once, over TCP and AF_UNIX', async () => {
    const pollersBefore = native.pollerCount();
    const clients = 3;
    const size = 200_000;
    const data: EchoData[] = [
      { id: 1, family: 'inet', dir: '', clients, size },
      { id: 2, family: 'unix', dir: tempDir(), clients, size },
    ];
    const started = data.map((d) => startWorker('echo-worker.ts', d));
    const reports = (await Promise.all(started.map((s) => s.next()))) as EchoReport[];
    const codes = await Promise.all(started.map((s) => s.exited));
    assert.deepEqual(codes, [0, 0]);
    for (const [k, report] of reports.entries()) {
      const id = data[k]!.id;
      assert.equal(report.id, id);
      assert.equal(report.echoed.length, clients);
      for (let i = 0; i < clients; i++) {
        assert.ok(
          Buffer.from(report.echoed[i]!).equals(upper(payload(id, i, size))),
          `worker ${id} client ${i}: ${report.echoed[i]!.length} bytes back`,
        );
      }
      assert.deepEqual(report.eof, [0, 0, 0]);
      assert.deepEqual(report.served, [size, size, size]);
      assert.equal(report.syncServed, `sync from worker ${id}`);
      assert.equal(report.syncEchoed, `SYNC FROM WORKER ${id}`);
      // Each env counts its own pollers: none at the start, some while the
      // async calls waited, none once every socket was closed.
      assert.equal(report.pollersBefore, 0);
      assert.ok(report.pollersDuring > 0, `pollers during: ${report.pollersDuring}`);
      assert.equal(report.pollersAfter, 0);
    }
    assert.equal(native.pollerCount(), pollersBefore);
  });

  it('survives terminating a worker with pending async calls and open sockets (child process)', async () => {
    // 4 pollers: acceptAsync, recvAsync, sendallAsync, recvfromAsync; none
    // of them settled; a terminated worker exits with code 1.
    await terminations(1, 'idle', (r) => [`${r} idle pollers=4 failures=0 exit=1 leaked=0`]);
  });

  it('survives 5 rounds of terminations, self-exits and unref exits in one process (child process)', async () => {
    await terminations(5, 'idle,busy,spinning,exit,unref,pair', (r) => [
      `${r} idle pollers=4 failures=0 exit=1 leaked=0`,
      // + the two ping-pong sockets
      `${r} busy pollers=6 failures=0 exit=1 leaked=0`,
      `${r} spinning pollers=6 failures=0 exit=1 leaked=0`,
      `${r} exit pollers=4 failures=0 exit=3 leaked=0`,
      `${r} unref pollers=4 failures=0 exit=0 leaked=0`,
      `${r} pair pollers=4 failures=0 exit=1 leaked=0`,
      `${r} pair pollers=4 failures=0 exit=1 leaked=0`,
    ]);
  });

  // The race that the rounds above only catch sometimes: the termination
  // arrives while JS driven by poll callbacks is calling Poller.start().
  it('survives 20 terminations of a worker whose poll callbacks are running (child process)', async () => {
    await terminations(20, 'busy', (r) => [`${r} busy pollers=6 failures=0 exit=1 leaked=0`]);
  });

  // A termination that lands while a poller is being made: Node-API then
  // refuses to create its shared state, which must fail the call, not crash.
  it('survives 40 terminations of a worker that is making pollers (child process)', async function () {
    this.timeout(90_000); // 40 workers, each starting tsx: about 6-13 s
    await terminations(40, 'creating', (r) => [`${r} creating pollers=4 failures=0 exit=1 leaked=0`]);
  });

  it('blocks only the worker in sync blocking calls: the main thread keeps ticking', async () => {
    // 0 starting, 1 in accept(), 2 in recv(), 3 done (set by the worker).
    const state = new Int32Array(new SharedArrayBuffer(4));
    const w = startWorker('blocking-worker.ts', { state });
    let c: Socket | null = null;
    let port = 0;
    let done = false;
    try {
      ({ port } = (await w.next()) as { port: number });
      assert.equal(Atomics.load(state, 0), 1);
      // The worker cannot leave accept() before we connect: every tick of
      // the main thread's timer sees it there.
      let inAccept = 0;
      await ticks(5, () => {
        if (Atomics.load(state, 0) === 1) inAccept++;
      });
      assert.equal(inAccept, 5);

      c = socket();
      await c.connectAsync(['127.0.0.1', port]);
      await until(() => Atomics.load(state, 0) === 2);
      // Now in recv(), which cannot return before we send.
      let inRecv = 0;
      await ticks(5, () => {
        if (Atomics.load(state, 0) === 2) inRecv++;
      });
      assert.equal(inRecv, 5);

      await c.sendallAsync('ping');
      assert.deepEqual(await c.recvAsync(1024), Buffer.from('PING'));
      c.shutdown(SHUT_WR);
      const result = await w.next();
      assert.deepEqual(result, { address: c.getsockname(), data: 'ping', eof: 0, timeout: null, blocking: true });
      assert.equal(Atomics.load(state, 0), 3);
      assert.equal(await w.exited, 0);
      done = true;
    } finally {
      // On failure, unblock the worker wherever it waits (terminate() cannot
      // interrupt a syscall): closing our end gives its recv() EOF; a
      // connection that closes at once ends its accept().
      c?.close();
      if (!done) {
        if (port !== 0 && Atomics.load(state, 0) <= 1) {
          const u = socket();
          u.settimeout(10);
          u.connectEx(['127.0.0.1', port]);
          u.close();
        }
        await w.worker.terminate();
      }
    }
  });

  it('an fd detached in a worker stays open when the worker ends: it is no longer the env\'s to close', async () => {
    const code = `
      const { parentPort } = require('node:worker_threads');
      const { socket, socketpair } = require(${JSON.stringify(path.join(ROOT, 'lib'))});
      const kept = socket();       // left open: the worker's end closes it
      const [a, b] = socketpair(); // a is detached, b left open
      const fs = require('node:fs');
      const ino = (fd) => fs.fstatSync(fd).ino;
      parentPort.postMessage({ kept: [kept.fileno(), ino(kept.fileno())], other: [b.fileno(), ino(b.fileno())], detached: [a.fileno(), ino(a.fileno())], fd: a.detach() });
    `;
    const worker = new Worker(code, { eval: true, execArgv: EXEC_ARGV });
    const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
    const m = (await new Promise((resolve) => worker.once('message', resolve))) as Record<string, [number, number]> & { fd: number };
    assert.equal(await exited, 0);
    const sameFile = ([fd, ino]: [number, number]): boolean => {
      try {
        return fs.fstatSync(fd).ino === ino;
      } catch {
        return false;
      }
    };
    try {
      assert.equal(m.fd, m['detached']![0]);
      assert.deepEqual([sameFile(m['kept']!), sameFile(m['other']!), sameFile(m['detached']!)], [false, false, true]);
    } finally {
      if (sameFile(m['detached']!)) fs.closeSync(m.fd);
    }
  });
});
