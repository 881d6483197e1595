// The async methods (DESIGN §6): readiness-based I/O on the event loop.
// Everything runs on loopback or AF_UNIX in a temp dir. Nothing here asserts
// timing: "the loop is not blocked" is a liveness count (a setInterval ticked
// while a call was pending), and every wait is bounded in count and time.

import assert = require('node:assert/strict');
import { execFileSync } from 'node:child_process';
import { getEventListeners, setMaxListeners } from 'node:events';
import fs = require('node:fs');
import path = require('node:path');
import { promiseHooks } from 'node:v8';

import {
  AF_INET,
  AF_UNIX,
  SHUT_WR,
  SOCK_DGRAM,
  SOCK_STREAM,
  SOL_SOCKET,
  SO_LINGER,
  SO_RCVBUF,
  SO_SNDBUF,
  Socket,
  SocketError,
  socket,
  socketpair,
  type Address,
} from '../lib';
import { native } from '../lib/binding';
import { O_NONBLOCK, errno, fdFlags, sockets, tempDirs, ticks, tsNode } from './helpers';

const errnos = errno as Readonly<Record<string, number>>;

// ---- small tools --------------------------------------------------------------

/** A promise whose state can be read synchronously. */
class Watched<T> {
  state: 'pending' | 'fulfilled' | 'rejected' = 'pending';
  value: T | undefined;
  reason: unknown;
  /** Settles (never rejects) when the watched promise does. */
  readonly done: Promise<void>;

  constructor(
    readonly promise: Promise<T>,
    order?: string[],
    label?: string,
  ) {
    this.done = promise.then(
      (value) => {
        this.state = 'fulfilled';
        this.value = value;
        if (order !== undefined && label !== undefined) order.push(label);
      },
      (reason: unknown) => {
        this.state = 'rejected';
        this.reason = reason;
        if (order !== undefined && label !== undefined) order.push(label);
      },
    );
  }

  /** The value; fails if the promise did not fulfil. */
  async get(): Promise<T> {
    await this.done;
    if (this.state === 'rejected') throw this.reason;
    return this.value as T;
  }

  /** The rejection reason; fails if the promise did not reject. */
  async error(): Promise<unknown> {
    await this.done;
    assert.equal(this.state, 'rejected', `expected a rejection, got ${String(this.value)}`);
    return this.reason;
  }
}

function watch<T>(p: Promise<T>, order?: string[], label?: string): Watched<T> {
  return new Watched(p, order, label);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits (bounded: `ms` at most) until `cond()` holds; fails otherwise. */
async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) assert.fail(`not within ${ms} ms: ${what}`);
    await sleep(2);
  }
}

/** Waits (bounded) for closed poll handles to go through the loop's close phase. */
async function pollersSettle(expected: number): Promise<number> {
  for (let i = 0; i < 100 && native.pollerCount() !== expected; i++) {
    await ticks(1);
    await sleep(1);
  }
  return native.pollerCount();
}

const TRANSIENT = /\/tsx-\d+(\/|$)/;

/** Open fds of this process, as test/hooks.ts counts them. */
function openFds(): number {
  let n = 0;
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    try {
      if (!TRANSIENT.test(fs.readlinkSync(`/proc/self/fd/${fd}`))) n++;
    } catch {
      // readdirSync's own fd, closed by now
    }
  }
  return n;
}

/** Checks a SocketError exactly. */
function isSocketError(err: unknown, code: string, syscall: string, extra: Record<string, unknown> = {}): true {
  assert.ok(err instanceof SocketError, `not a SocketError: ${String(err)}`);
  assert.equal(err.name, 'SocketError', err.message);
  assert.equal(err.code, code, err.message);
  assert.equal(err.errno, errnos[code], err.message);
  assert.equal(err.syscall, syscall, err.message);
  for (const [k, v] of Object.entries(extra)) {
    assert.deepEqual((err as unknown as Record<string, unknown>)[k], v, `${k} of ${err.message}`);
  }
  return true;
}

/** Checks the RangeError of a data call whose view is too short for its byte range (a detached view). */
function isOutsideBuffer(err: unknown): void {
  assert.ok(err instanceof RangeError, String(err));
  assert.equal(err.message, 'bsdsock: byte range outside the buffer');
  assert.equal((err as { code?: unknown }).code, 'ERR_BUFFER_OUT_OF_BOUNDS');
}

/** Detaches `ab` (transfers it away): every view on it becomes empty. */
function detach(ab: ArrayBuffer): void {
  structuredClone(ab, { transfer: [ab] });
}

async function rejectsWith(p: Promise<unknown>, code: string, syscall: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => isSocketError(err, code, syscall));
}

/** Calls a method by name with arbitrary (possibly wrong) arguments. */
function callMethod(s: Socket, name: string, args: readonly unknown[]): unknown {
  const m = (s as unknown as Record<string, unknown>)[name];
  assert.equal(typeof m, 'function', `Socket has no method ${name}`);
  return (m as (...a: unknown[]) => unknown).apply(s, [...args]);
}

/** A deterministic payload of `size` bytes, different for every `seed`. */
function payload(seed: number, size: number): Buffer {
  const b = Buffer.allocUnsafe(size);
  let x = (Math.imul(seed + 1, 0x9e3779b1) ^ 0x5bd1e995) >>> 0;
  for (let k = 0; k < size; k++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    b[k] = x >>> 24;
  }
  return b;
}

/** Sends from `s` (non-blocking, temporarily) until its buffer is full; returns the bytes sent. */
function fillSendBuffer(s: Socket): number {
  const chunk = Buffer.alloc(65536, 0x5a);
  const mode = s.gettimeout();
  s.setblocking(false);
  let total = 0;
  try {
    for (let i = 0; i < 10_000; i++) total += s.send(chunk);
    assert.fail('the send buffer never filled');
  } catch (err) {
    if (!(err instanceof SocketError) || err.code !== 'EAGAIN') throw err;
  } finally {
    s.settimeout(mode);
  }
  return total;
}

/** Reads from `s` with recvAsync until `n` bytes arrived (bounded by the signal). */
async function readExactly(s: Socket, n: number, signal: AbortSignal): Promise<Buffer> {
  const parts: Buffer[] = [];
  let got = 0;
  while (got < n) {
    const d = await s.recvAsync(Math.min(65536, n - got), { signal });
    assert.ok(d.length > 0, `EOF after ${got} of ${n} bytes`);
    parts.push(d);
    got += d.length;
  }
  return Buffer.concat(parts);
}

describe('70 async', function () {
  this.timeout(30_000);
  const track = sockets();
  const tmp = tempDirs();

  // setIntervals that count loop turns: stopped after every test, pass or fail.
  let intervals: NodeJS.Timeout[] = [];
  afterEach(() => {
    for (const t of intervals) clearInterval(t);
    intervals = [];
  });

  /** Counts setInterval ticks: the event loop is turning while they grow. */
  function ticker(): { readonly count: number; stop(): void } {
    let count = 0;
    const t = setInterval(() => {
      count++;
    }, 1);
    intervals.push(t);
    return {
      get count() {
        return count;
      },
      stop() {
        clearInterval(t);
      },
    };
  }

  function tcpListener(backlog?: number) {
    const l = track(socket());
    l.bind(['127.0.0.1', 0]);
    l.listen(backlog);
    return l;
  }

  function pair(type: number = SOCK_STREAM): [Socket, Socket] {
    const [a, b] = socketpair(AF_UNIX, type);
    return [track(a), track(b)];
  }

  // ---- 1. echo server ----------------------------------------------------------

  describe('an async echo server', () => {
    /** Accepts `n` connections and echoes each until EOF, then closes it. */
    async function serve(l: Socket, n: number, signal: AbortSignal): Promise<void> {
      const conns: Promise<void>[] = [];
      for (let i = 0; i < n; i++) {
        const [conn] = await l.acceptAsync({ signal });
        track(conn);
        conns.push(
          (async () => {
            for (let k = 0; ; k++) {
              assert.ok(k < 1_000_000, 'echo loop bound');
              const data = await conn.recvAsync(65536, { signal });
              if (data.length === 0) break;
              await conn.sendallAsync(data, { signal });
            }
            conn.close();
          })(),
        );
      }
      await Promise.all(conns);
    }

    interface ClientResult {
      echoed: Buffer;
      reads: number;
    }

    /** Connects, sends `data` while reading the echo, half-closes, reads to EOF. */
    async function client(family: number, address: Address, data: Buffer, signal: AbortSignal, bufsize?: number): Promise<ClientResult> {
      const c = track(socket(family, SOCK_STREAM));
      if (bufsize !== undefined) {
        c.setsockopt(SOL_SOCKET, SO_SNDBUF, bufsize);
        c.setsockopt(SOL_SOCKET, SO_RCVBUF, bufsize);
        // The kernel doubles the value; either way it is far below one message.
        assert.ok((c.getsockopt(SOL_SOCKET, SO_SNDBUF) as number) < data.length);
      }
      await c.connectAsync(address, { signal });
      const parts: Buffer[] = [];
      let reads = 0;
      // The read loop waits in the read queue while sendallAsync works in the write queue.
      const reading = (async () => {
        for (;;) {
          assert.ok(reads < 1_000_000, 'read loop bound');
          const d = await c.recvAsync(65536, { signal });
          reads++;
          if (d.length === 0) return;
          parts.push(d);
        }
      })();
      try {
        await c.sendallAsync(data, { signal });
        c.shutdown(SHUT_WR);
      } finally {
        await reading;
      }
      c.close();
      return { echoed: Buffer.concat(parts), reads };
    }

    async function run(family: number, n: number, size: (i: number) => number, bufsize?: number): Promise<ClientResult[]> {
      const signal = AbortSignal.timeout(25_000);
      setMaxListeners(0, signal); // one safety net shared by hundreds of pending calls
      const l = track(socket(family, SOCK_STREAM));
      let address: Address;
      if (family === AF_UNIX) {
        address = path.join(tmp(), 'echo.sock');
        l.bind(address);
      } else {
        l.bind(['127.0.0.1', 0]);
        address = l.getsockname();
      }
      // Room for every client at once: with a smaller backlog TCP SYNs are
      // dropped and retried a second later (slow), and AF_UNIX connects fail.
      l.listen(n + 16);
      const payloads = Array.from({ length: n }, (_, i) => payload(i, size(i)));
      const server = watch(serve(l, n, signal));
      const results = await Promise.all(payloads.map((p) => client(family, address, p, signal, bufsize)));
      await server.get();
      for (let i = 0; i < n; i++) {
        const { echoed } = results[i]!;
        assert.equal(echoed.length, payloads[i]!.length, `client ${i}: length`);
        assert.ok(echoed.equals(payloads[i]!), `client ${i}: the echo differs from what was sent`);
      }
      return results;
    }

    const small = (i: number) => 1024 + ((i * 97) % 4096);
    const big = () => 2 * 1024 * 1024;

    it('serves 200 concurrent clients over TCP, every byte checked', async () => {
      await run(AF_INET, 200, small);
    });

    it('serves 200 concurrent clients over AF_UNIX, every byte checked', async () => {
      await run(AF_UNIX, 200, small);
    });

    it('echoes 2 MiB messages to 12 concurrent TCP clients (partial sends and reads)', async () => {
      const results = await run(AF_INET, 12, big, 32768);
      for (const r of results) assert.ok(r.reads > 2, `only ${r.reads} reads for 2 MiB`);
    });

    it('echoes 2 MiB messages to 12 concurrent AF_UNIX clients (partial sends and reads)', async () => {
      const results = await run(AF_UNIX, 12, big, 32768);
      for (const r of results) assert.ok(r.reads > 2, `only ${r.reads} reads for 2 MiB`);
    });
  });

  // ---- 2. the loop keeps turning ----------------------------------------------

  describe('a pending call does not block the loop', () => {
    it('acceptAsync: a setInterval ticks while it waits; a connection then resolves it', async () => {
      const l = tcpListener();
      const p = watch(l.acceptAsync({ signal: AbortSignal.timeout(10_000) }));
      const t = ticker();
      await until(() => t.count >= 5 || p.state !== 'pending', 'ticks while acceptAsync waits');
      assert.equal(p.state, 'pending');
      assert.ok(t.count >= 5);
      const c = track(socket());
      await c.connectAsync(l.getsockname());
      const [conn, addr] = await p.get();
      track(conn);
      assert.deepEqual(addr, c.getsockname());
      assert.deepEqual(conn.getpeername(), c.getsockname());
      // The new socket has the default timeout (blocking), as with accept().
      assert.equal(conn.gettimeout(), null);
      assert.equal(fdFlags(conn.fileno()) & O_NONBLOCK, 0);
    });

    it('recvAsync: a setInterval ticks while it waits; data then resolves it', async () => {
      const [a, b] = pair();
      const p = watch(a.recvAsync(100, { signal: AbortSignal.timeout(10_000) }));
      const t = ticker();
      await until(() => t.count >= 5 || p.state !== 'pending', 'ticks while recvAsync waits');
      assert.equal(p.state, 'pending');
      b.sendall('wake up');
      assert.deepEqual(await p.get(), Buffer.from('wake up'));
    });

    it('connectAsync to a listener with a full backlog stays pending while the loop ticks; abort and close end it', async () => {
      const l = tcpListener(0);
      const addr = l.getsockname();
      // listen(0) queues one connection; fill the queue, so that Linux drops further SYNs.
      for (let i = 0; i < 4; i++) {
        const f = track(socket());
        f.setblocking(false);
        const r = f.connectEx(addr);
        assert.ok(r === 0 || r === errno.EINPROGRESS, `filler connect: ${r}`);
      }
      await sleep(20); // let the loopback handshakes of the fillers finish
      const aborted = track(socket());
      const closed = track(socket());
      const ac = new AbortController();
      const p1 = watch(aborted.connectAsync(addr, { signal: ac.signal }));
      const p2 = watch(closed.connectAsync(addr, { signal: AbortSignal.timeout(10_000) }));
      const t = ticker();
      await until(() => t.count >= 5 || p1.state !== 'pending' || p2.state !== 'pending', 'ticks while connectAsync waits');
      assert.equal(p1.state, 'pending', `connectAsync did not wait: ${String(p1.reason)}`);
      assert.equal(p2.state, 'pending', `connectAsync did not wait: ${String(p2.reason)}`);
      // Both blocking-mode sockets: the poller did not leave them O_NONBLOCK.
      assert.equal(fdFlags(aborted.fileno()) & O_NONBLOCK, 0);
      const reason = new Error('enough waiting');
      ac.abort(reason);
      assert.equal(await p1.error(), reason);
      closed.close();
      isSocketError(await p2.error(), 'EBADF', 'connect', { address: '127.0.0.1', port: (addr as [string, number])[1] });
    });
  });

  // ---- 3. close with pending calls ---------------------------------------------

  describe('close() with calls pending', () => {
    it('rejects pending recvAsync, recvfromAsync, acceptAsync and sendallAsync with EBADF', async () => {
      const base = native.pollerCount();
      const [a, b] = pair();
      const reads = [watch(a.recvAsync(10)), watch(a.recvIntoAsync(Buffer.alloc(10))), watch(a.recvfromAsync(10))];
      const filled = fillSendBuffer(a);
      assert.ok(filled > 0);
      const write = watch(a.sendallAsync(Buffer.alloc(100_000, 1)));
      const l = tcpListener();
      const accepts = [watch(l.acceptAsync()), watch(l.acceptAsync())];
      await ticks(2);
      for (const w of [...reads, write, ...accepts]) assert.equal(w.state, 'pending');
      assert.equal(native.pollerCount(), base + 2);

      a.close();
      l.close();
      isSocketError(await reads[0]!.error(), 'EBADF', 'recv');
      isSocketError(await reads[1]!.error(), 'EBADF', 'recv');
      isSocketError(await reads[2]!.error(), 'EBADF', 'recvfrom');
      isSocketError(await write.error(), 'EBADF', 'send');
      for (const w of accepts) isSocketError(await w.error(), 'EBADF', 'accept');
      for (const w of [...reads, write, ...accepts]) assert.equal((w.reason as SocketError).errno, 9);
      assert.equal(await pollersSettle(base), base);
      // The peer sees what was sent before the close, then EOF.
      b.settimeout(5);
      let got = 0;
      for (let i = 0; i < 10_000; i++) {
        const d = b.recv(65536);
        if (d.length === 0) break;
        got += d.length;
      }
      assert.ok(got >= filled, `${got} < ${filled}`);
    });

    it('a close in the same tick as the data that would have completed a read still rejects with EBADF', async () => {
      const [a, b] = pair();
      const p = watch(a.recvAsync(10));
      await ticks(1);
      b.sendall('too late');
      a.close();
      isSocketError(await p.error(), 'EBADF', 'recv');
    });
  });

  describe('promise hooks', () => {
    it('a call that waits, started by a promise hook while another call makes its promise: both get their data', async () => {
      // run() hands each waiting call's settle functions over through one
      // shared slot; a hook runs in between and must not take it over.
      const [x, y] = pair();
      const [x2, y2] = pair();
      const hooked: { inner?: Promise<Buffer> } = {};
      let armed = true;
      const stop = promiseHooks.onInit(() => {
        if (!armed) return;
        armed = false;
        hooked.inner = x2.recvAsync(10);
      });
      let outer: Promise<Buffer>;
      try {
        outer = x.recvAsync(10);
      } finally {
        stop();
      }
      assert.ok(hooked.inner !== undefined, 'the hook did not run');
      y.sendall('to-outer');
      y2.sendall('to-inner');
      assert.equal((await outer).toString(), 'to-outer');
      assert.equal((await hooked.inner).toString(), 'to-inner');
    });
  });

  // ---- 4. abort ------------------------------------------------------------------

  describe('abort', () => {
    it('aborting a pending recvAsync consumes nothing: a later recvAsync gets all the data', async () => {
      const [a, b] = pair();
      const ac = new AbortController();
      const p = watch(a.recvAsync(100, { signal: ac.signal }));
      await ticks(2);
      assert.equal(p.state, 'pending');
      const reason = new Error('stop');
      ac.abort(reason);
      assert.equal(await p.error(), reason);
      b.sendall('all of it');
      await ticks(2);
      assert.deepEqual(await a.recvAsync(100), Buffer.from('all of it'));
    });

    it('aborting a pending acceptAsync consumes no connection', async () => {
      const l = tcpListener();
      const ac = new AbortController();
      const p = watch(l.acceptAsync({ signal: ac.signal }));
      await ticks(2);
      ac.abort();
      const reason = await p.error();
      assert.ok(reason instanceof DOMException && reason.name === 'AbortError', String(reason));
      const c = track(socket());
      c.connect(l.getsockname());
      await ticks(2);
      const [conn, addr] = await l.acceptAsync({ signal: AbortSignal.timeout(5000) });
      track(conn);
      assert.deepEqual(addr, c.getsockname());
    });

    it('an already-aborted signal rejects at once with its reason and consumes nothing, even with data waiting', async () => {
      const [a, b] = pair();
      b.sendall('waiting');
      const reason = { why: 'pre-aborted' };
      const signal = AbortSignal.abort(reason);
      const target = Buffer.alloc(16, 0xee);
      const calls: Watched<unknown>[] = [
        watch(a.recvAsync(100, { signal })),
        watch(a.recvAsync(100, 0, { signal })),
        watch(a.recvIntoAsync(target, 0, 0, { signal })),
        watch(a.recvfromAsync(100, { signal })),
        watch(a.recvfromIntoAsync(target, 0, 0, { signal })),
        watch(a.sendAsync('x', { signal })),
        watch(a.sendallAsync('x', { signal })),
      ];
      const l = tcpListener();
      const c = track(socket());
      c.connect(l.getsockname());
      calls.push(watch(l.acceptAsync({ signal })));
      const unconnected = track(socket());
      calls.push(watch(unconnected.connectAsync(l.getsockname(), { signal })));
      const u = track(socket(AF_INET, SOCK_DGRAM));
      const r = track(socket(AF_INET, SOCK_DGRAM));
      r.bind(['127.0.0.1', 0]);
      calls.push(watch(u.sendtoAsync('x', r.getsockname(), { signal })));
      await ticks(1);
      for (const [i, w] of calls.entries()) {
        assert.equal(w.state, 'rejected', `call ${i}`);
        assert.equal(w.reason, reason, `call ${i}`);
      }
      // Nothing was consumed, sent or connected.
      assert.deepEqual(target, Buffer.alloc(16, 0xee));
      a.setblocking(false);
      assert.deepEqual(a.recv(100), Buffer.from('waiting'));
      b.setblocking(false);
      assert.throws(() => b.recv(100), (e: unknown) => isSocketError(e, 'EAGAIN', 'recv'));
      l.setblocking(false);
      const [conn, addr] = l.accept();
      track(conn);
      assert.deepEqual(addr, c.getsockname());
      assert.throws(() => l.accept(), (e: unknown) => isSocketError(e, 'EAGAIN', 'accept'));
      assert.throws(() => unconnected.getpeername(), (e: unknown) => isSocketError(e, 'ENOTCONN', 'getpeername'));
      r.setblocking(false);
      assert.throws(() => r.recv(100), (e: unknown) => isSocketError(e, 'EAGAIN', 'recv'));
    });

    it('a queued second read aborted while the first is pending: the remaining reads keep FIFO order', async () => {
      const [a, b] = pair(SOCK_DGRAM);
      const order: string[] = [];
      const ac = new AbortController();
      const r1 = watch(a.recvAsync(100), order, 'r1');
      const r2 = watch(a.recvAsync(100, { signal: ac.signal }), order, 'r2');
      const r3 = watch(a.recvAsync(100), order, 'r3');
      const r4 = watch(a.recvAsync(100), order, 'r4');
      await ticks(2);
      const reason = new Error('not this one');
      ac.abort(reason);
      assert.equal(await r2.error(), reason);
      b.send('one');
      b.send('two');
      b.send('three');
      assert.deepEqual(
        (await Promise.all([r1.get(), r3.get(), r4.get()])).map(String),
        ['one', 'two', 'three'],
      );
      assert.deepEqual(order, ['r2', 'r1', 'r3', 'r4']);
    });

    it('aborting the head of the queue passes its turn to the next read', async () => {
      const [a, b] = pair(SOCK_DGRAM);
      const order: string[] = [];
      const ac = new AbortController();
      const r1 = watch(a.recvAsync(100, { signal: ac.signal }), order, 'r1');
      const r2 = watch(a.recvAsync(100), order, 'r2');
      const r3 = watch(a.recvAsync(100), order, 'r3');
      await ticks(2);
      ac.abort();
      await r1.error();
      b.send('first');
      b.send('second');
      assert.deepEqual((await r2.get()).toString(), 'first');
      assert.deepEqual((await r3.get()).toString(), 'second');
      assert.deepEqual(order, ['r1', 'r2', 'r3']);
    });
  });

  describe('abort signals asked, not trusted', () => {
    it('an already-aborted signal with a host name to resolve rejects, and leaves no unhandled rejection behind', async () => {
      const u = track(socket(AF_INET, SOCK_DGRAM));
      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown) => unhandled.push(reason);
      process.on('unhandledRejection', onUnhandled);
      try {
        const ac = new AbortController();
        ac.abort(new Error('early'));
        await assert.rejects(u.sendtoAsync('x', ['localhost', 9], { signal: ac.signal }), /early/);
        await assert.rejects(u.sendmsgAsync(['x'], [], 0, ['localhost', 9], { signal: ac.signal }), /early/);
        await new Promise((resolve) => setTimeout(resolve, 100)); // the lookups finish meanwhile
      } finally {
        process.off('unhandledRejection', onUnhandled);
      }
      assert.deepEqual(unhandled, []);
    });

    it('an object that only claims to be an AbortSignal is ERR_INVALID_ARG_TYPE', async () => {
      const [a] = pair();
      const fake = Object.create(AbortSignal.prototype, { aborted: { value: false }, addEventListener: { value() {} } }) as AbortSignal;
      await assert.rejects(a.recvAsync(1, { signal: fake }), { code: 'ERR_INVALID_ARG_TYPE', message: /"options\.signal"/ });
      const u = track(socket(AF_INET, SOCK_DGRAM));
      await assert.rejects(u.sendtoAsync('x', ['localhost', 9], { signal: fake }), { code: 'ERR_INVALID_ARG_TYPE' });
    });

    it("a signal's own aborted/reason properties and listener methods are not used", async () => {
      const [a, b] = pair();
      const ac = new AbortController();
      for (const name of ['aborted', 'reason', 'addEventListener', 'removeEventListener']) {
        Object.defineProperty(ac.signal, name, {
          get() {
            throw new Error(`${name} read`);
          },
        });
      }
      const p = watch(a.recvAsync(100, { signal: ac.signal }));
      await ticks(2);
      const reason = new Error('the real reason');
      ac.abort(reason);
      assert.equal(await p.error(), reason);
      b.sendall('kept');
      assert.deepEqual(await a.recvAsync(100, { signal: ac.signal }).catch((e: unknown) => e), reason);
      assert.deepEqual(a.recv(100), Buffer.from('kept'));
    });
  });

  // ---- 5. FIFO -----------------------------------------------------------------

  describe('queues', () => {
    it('queued recvAsync calls resolve in order, with the data in order (datagrams)', async () => {
      const [a, b] = pair(SOCK_DGRAM);
      const order: string[] = [];
      const reads = Array.from({ length: 20 }, (_, i) => watch(a.recvAsync(100), order, String(i)));
      await ticks(2);
      for (let i = 0; i < 20; i++) b.send(`message ${i}`);
      const got = await Promise.all(reads.map((r) => r.get()));
      assert.deepEqual(
        got.map(String),
        Array.from({ length: 20 }, (_, i) => `message ${i}`),
      );
      assert.deepEqual(order, Array.from({ length: 20 }, (_, i) => String(i)));
    });

    it('queued reads of different kinds share one FIFO on a stream', async () => {
      const [a, b] = pair();
      const order: string[] = [];
      const into = Buffer.alloc(5, 0);
      const reads = [
        watch(a.recvAsync(5), order, 'recv'),
        watch(a.recvIntoAsync(into), order, 'recvInto'),
        watch(a.recvfromAsync(5), order, 'recvfrom'),
        watch(a.recvAsync(5), order, 'recv2'),
      ];
      await ticks(2);
      b.sendall('aaaaabbbbbcccccddddd');
      await Promise.all(reads.map((r) => r.done));
      assert.deepEqual(order, ['recv', 'recvInto', 'recvfrom', 'recv2']);
      assert.deepEqual(await reads[0]!.get(), Buffer.from('aaaaa'));
      assert.equal(await reads[1]!.get(), 5);
      assert.deepEqual(into, Buffer.from('bbbbb'));
      assert.deepEqual(await reads[2]!.get(), [Buffer.from('ccccc'), null]);
      assert.deepEqual(await reads[3]!.get(), Buffer.from('ddddd'));
    });

    it('a pending read does not hold up a write on the same socket', async () => {
      const [a, b] = pair();
      const read = watch(a.recvAsync(100));
      await ticks(2);
      assert.equal(await a.sendAsync('ping'), 4);
      await a.sendallAsync(' pong');
      assert.equal(read.state, 'pending');
      b.settimeout(5);
      assert.deepEqual(b.recv(100), Buffer.from('ping pong'));
      b.sendall('reply');
      assert.deepEqual(await read.get(), Buffer.from('reply'));
    });

    it('a pending write does not hold up a read on the same socket', async () => {
      const signal = AbortSignal.timeout(10_000);
      const [a, b] = pair();
      const filled = fillSendBuffer(a);
      const tail = payload(7, 300_000);
      const write = watch(a.sendallAsync(tail, { signal }));
      await ticks(2);
      assert.equal(write.state, 'pending');
      b.sendall('meanwhile');
      assert.deepEqual(await a.recvAsync(100, { signal }), Buffer.from('meanwhile'));
      assert.equal(write.state, 'pending');
      // Drain the peer: the write then completes, every byte in order.
      const got = await readExactly(b, filled + tail.length, signal);
      await write.get();
      assert.ok(got.subarray(0, filled).equals(Buffer.alloc(filled, 0x5a)));
      assert.ok(got.subarray(filled).equals(tail));
    });

    it('settled calls leave no abort listener on a shared signal', async () => {
      const ac = new AbortController();
      const { signal } = ac;
      setMaxListeners(0, signal);
      const [a, b] = pair(SOCK_DGRAM);
      // Resolved after waiting, rejected by close, resolved at once, aborted.
      const waited = Array.from({ length: 20 }, () => watch(a.recvAsync(10, { signal })));
      assert.equal(getEventListeners(signal, 'abort').length, 20);
      for (let i = 0; i < 20; i++) b.send(`m${i}`);
      await Promise.all(waited.map((w) => w.get()));
      assert.equal(getEventListeners(signal, 'abort').length, 0);
      b.send('ready');
      await ticks(1);
      assert.deepEqual(await a.recvAsync(10, { signal }), Buffer.from('ready'));
      const [c, d] = pair();
      const closing = [watch(c.recvAsync(10, { signal })), watch(c.recvAsync(10, { signal }))];
      assert.equal(getEventListeners(signal, 'abort').length, 2);
      c.close();
      for (const w of closing) isSocketError(await w.error(), 'EBADF', 'recv');
      assert.equal(getEventListeners(signal, 'abort').length, 0);
      d.close();
      const [e] = pair();
      const other = new AbortController();
      const aborted = watch(e.recvAsync(10, { signal: other.signal }));
      const kept = watch(e.recvAsync(10, { signal }));
      other.abort();
      await aborted.error();
      assert.equal(getEventListeners(other.signal, 'abort').length, 0);
      assert.equal(getEventListeners(signal, 'abort').length, 1);
      e.close();
      isSocketError(await kept.error(), 'EBADF', 'recv');
      assert.equal(getEventListeners(signal, 'abort').length, 0);
    });

    it('queued writes go out in order', async () => {
      const signal = AbortSignal.timeout(10_000);
      const [a, b] = pair();
      const filled = fillSendBuffer(a);
      const order: string[] = [];
      const parts = [payload(1, 100_000), payload(2, 3), payload(3, 200_000)];
      const writes = parts.map((p, i) => watch(a.sendallAsync(p, { signal }), order, String(i)));
      await ticks(2);
      const got = await readExactly(b, filled + 300_003, signal);
      await Promise.all(writes.map((w) => w.get()));
      assert.deepEqual(order, ['0', '1', '2']);
      assert.ok(got.subarray(filled).equals(Buffer.concat(parts)));
    });
  });

  // ---- 6. no leaks -----------------------------------------------------------------

  describe('leaks', () => {
    it('1,000 rounds of start-then-close leak no fd and no poller', async () => {
      const base = native.pollerCount();
      const fdsBefore = openFds();
      const big = Buffer.alloc(1 << 20, 7);
      const pending: Watched<unknown>[] = [];
      let aborted = 0;
      let peak = -1;
      for (let i = 0; i < 1000; i++) {
        switch (i % 5) {
          case 0: {
            const [a, b] = socketpair();
            pending.push(watch(a.recvAsync(16)));
            if (i === 0) peak = native.pollerCount();
            a.close();
            b.close();
            break;
          }
          case 1: {
            const l = socket();
            l.bind(['127.0.0.1', 0]);
            l.listen();
            pending.push(watch(l.acceptAsync()));
            l.close();
            break;
          }
          case 2: {
            const [a, b] = socketpair();
            pending.push(watch(a.sendallAsync(big)));
            a.close();
            b.close();
            break;
          }
          case 3: {
            const [a, b] = socketpair(AF_UNIX, SOCK_DGRAM);
            const ac = new AbortController();
            const aborting = watch(a.recvfromAsync(16, { signal: ac.signal }));
            pending.push(watch(a.recvfromAsync(16)));
            ac.abort();
            aborted++;
            void aborting.done;
            a.close();
            b.close();
            break;
          }
          default: {
            // Data arrives, but the socket closes before the loop sees it.
            const [a, b] = socketpair();
            pending.push(watch(a.recvAsync(16)));
            b.sendall('x');
            b.close();
            a.close();
          }
        }
        if (i % 100 === 99) await ticks(1); // let closed handles go through the close phase
      }
      assert.equal(peak, base + 1, 'the first pending call made a poller');
      assert.equal(aborted, 200);
      await Promise.all(pending.map((w) => w.done));
      const syscalls = ['recv', 'accept', 'send', 'recvfrom', 'recv'];
      for (const [i, w] of pending.entries()) {
        assert.equal(w.state, 'rejected', `round ${i}`);
        isSocketError(w.reason, 'EBADF', syscalls[i % 5]!);
      }
      assert.equal(await pollersSettle(base), base);
      assert.equal(openFds(), fdsBefore);
    });

    it('a socket with a call pending is not collected, even with no reference to it', async function () {
      const gc = (globalThis as { gc?: () => void }).gc;
      if (gc === undefined) this.skip();
      let weak!: WeakRef<Socket>;
      let first!: Watched<Buffer>;
      let second!: Watched<Buffer>;
      let peer!: Socket;
      (() => {
        const [a, b] = socketpair();
        peer = track(b);
        weak = new WeakRef(a);
        first = watch(a.recvAsync(1));
        second = watch(a.recvAsync(1));
      })();
      for (let i = 0; i < 3; i++) {
        gc();
        await ticks(1);
      }
      peer.sendall('y');
      assert.deepEqual(await first.get(), Buffer.from('y'));
      const a = weak.deref();
      assert.ok(a !== undefined, 'the socket was collected while a call was pending');
      assert.equal(second.state, 'pending');
      a.close();
      isSocketError(await second.error(), 'EBADF', 'recv');
    });
  });

  describe('detach and garbage collection', () => {
    it('detach() rejects pending calls with EBADF, closes the poller and hands out the open fd', async () => {
      const base = native.pollerCount();
      const [a, b] = pair();
      const p = watch(a.recvAsync(10));
      await ticks(1);
      assert.equal(native.pollerCount(), base + 1);
      const fd = a.detach();
      isSocketError(await p.error(), 'EBADF', 'recv');
      assert.equal(await pollersSettle(base), base);
      // The fd is still open, blocking, and works under a new owner.
      assert.equal(fdFlags(fd) & O_NONBLOCK, 0);
      const again = track(new Socket(AF_UNIX, SOCK_STREAM, 0, fd));
      b.sendall('still here');
      assert.deepEqual(await again.recvAsync(100, { signal: AbortSignal.timeout(5000) }), Buffer.from('still here'));
    });

    /**
     * A socket whose recvAsync waited and then got EOF or data is dropped
     * without close(), while another socket's pending call keeps the loop
     * busy: it must be collected, warn, and close its fd and its poller.
     * After data, read interest stays on (#arm), so the poller holds its
     * callback strongly: nothing reachable from that may hold the socket.
     */
    async function droppedAfterRecv(end: 'eof' | 'data'): Promise<void> {
      const gc = (globalThis as { gc?: () => void }).gc!;
      const base = native.pollerCount();
      const saved = process.listeners('warning');
      process.removeAllListeners('warning');
      const warnings: Error[] = [];
      process.on('warning', (w) => warnings.push(w));
      try {
        let fd = -1;
        let target = '';
        const [a, b] = pair();
        const peer = await (async () => {
          const [x, y] = socketpair();
          fd = x.fileno();
          target = fs.readlinkSync(`/proc/self/fd/${fd}`);
          const p = x.recvAsync(10); // waits: the poller is made
          await ticks(1);
          if (end === 'eof') y.close();
          else y.sendall('hi');
          assert.deepEqual(await p, end === 'eof' ? Buffer.alloc(0) : Buffer.from('hi'));
          void a.recvAsync(1).catch(() => {});
          return track(y);
        })();
        for (let i = 0; i < 50 && warnings.length === 0; i++) {
          gc();
          await ticks(2);
        }
        assert.equal(warnings.length, 1, 'no ResourceWarning: the idle socket was not collected');
        assert.equal(warnings[0]!.name, 'ResourceWarning');
        assert.match(warnings[0]!.message, new RegExp(`^unclosed <Socket fd=${fd} family=AF_UNIX type=SOCK_STREAM`));
        let now = '';
        try {
          now = fs.readlinkSync(`/proc/self/fd/${fd}`);
        } catch {
          // closed
        }
        assert.notEqual(now, target, `fd ${fd} still open`);
        // a's pending recv keeps one poller; x's is closed.
        assert.equal(await pollersSettle(base + 1), base + 1);
        a.close();
        b.close();
        peer.close();
        assert.equal(await pollersSettle(base), base);
      } finally {
        process.removeAllListeners('warning');
        for (const l of saved) process.on('warning', l);
      }
    }

    it('an idle socket that used async calls is collected: ResourceWarning, poller and fd closed', async function () {
      if ((globalThis as { gc?: unknown }).gc === undefined) this.skip();
      await droppedAfterRecv('eof');
    });

    it('so is one whose call completed with data, while its poller still watches for reads', async function () {
      if ((globalThis as { gc?: unknown }).gc === undefined) this.skip();
      await droppedAfterRecv('data');
    });
  });

  // ---- 7. ref / unref: child processes -------------------------------------------

  describe('keeping the process alive', () => {
    const FIXTURE = 'test/fixtures/async/keepalive.ts';

    it('a pending call keeps the process alive; after unref(), or once nothing is pending, it does not', async () => {
      const modes = ['ref', 'unref', 'unref-first', 'unref-ref', 'recv-unref'] as const;
      const children = modes.map((m) => tsNode(FIXTURE, [m]));
      // An open socket whose async call completed keeps nothing alive.
      const idleChild = tsNode(FIXTURE, ['idle']);
      const lines = await Promise.all(children.map((c) => c.line()));
      for (const [i, l] of lines.entries()) assert.equal(l, 'pending 1', modes[i]);
      const idle = await idleChild.exit();
      const exits = new Map<string, Awaited<ReturnType<(typeof children)[number]['exit']>>>();
      // The unref'd children exit by themselves.
      await Promise.all(
        children.map(async (c, i) => {
          if (!modes[i]!.includes('unref') || modes[i] === 'unref-ref') return;
          exits.set(modes[i]!, await c.exit());
        }),
      );
      for (const m of ['unref', 'unref-first', 'recv-unref']) {
        const e = exits.get(m)!;
        assert.deepEqual([e.code, e.signal, e.stdout, e.stderr], [0, null, 'pending 1\n', ''], m);
      }
      assert.deepEqual([idle.code, idle.signal, idle.stdout, idle.stderr], [0, null, 'idle 1 done\n', '']);
      // The ref'd ones are still running after a bounded wait (far longer
      // than the unref'd ones needed to exit), then killed by PID.
      await sleep(300);
      for (const i of [0, 3]) {
        const c = children[i]!;
        assert.equal(c.proc.exitCode, null, `${modes[i]} exited: ${c.proc.exitCode}`);
        assert.equal(c.proc.signalCode, null, modes[i]);
        process.kill(c.proc.pid!, 'SIGKILL');
        const e = await c.exit();
        assert.deepEqual([e.code, e.signal, e.stdout, e.stderr], [null, 'SIGKILL', 'pending 1\n', ''], modes[i]);
      }
    });

    it('so does a connectAsync waiting for room in a full AF_UNIX backlog, on its timer; unref() lets the process exit', async () => {
      const running = tsNode(FIXTURE, ['unix-full']);
      const unrefd = tsNode(FIXTURE, ['unix-full-unref']);
      // No poller: the wait is a timer.
      assert.equal(await running.line(), 'pending 0');
      const e = await unrefd.exit();
      assert.deepEqual([e.code, e.signal, e.stdout, e.stderr], [0, null, 'pending 0\n', '']);
      await sleep(300);
      assert.equal(running.proc.exitCode, null, `exited: ${running.proc.exitCode}`);
      process.kill(running.proc.pid!, 'SIGKILL');
      const x = await running.exit();
      assert.deepEqual([x.code, x.signal, x.stdout, x.stderr], [null, 'SIGKILL', 'pending 0\n', '']);
    });

    it('so does a call started by the code awaiting another, inside the poller callback', async () => {
      // lib/ defers ref/unref there and the poller applies it afterwards.
      const running = (['chain', 'chain-other'] as const).map((m) => ({ m, c: tsNode(FIXTURE, [m]) }));
      const unrefd = tsNode(FIXTURE, ['chain-unref']);
      assert.equal(await running[0]!.c.line(), 'chained 1 one');
      assert.equal(await running[1]!.c.line(), 'chained 2 two');
      const e = await unrefd.exit();
      assert.deepEqual([e.code, e.signal, e.stdout, e.stderr], [0, null, 'chained 1 one\n', '']);
      await sleep(300);
      for (const { m, c } of running) {
        assert.equal(c.proc.exitCode, null, `${m} exited: ${c.proc.exitCode}`);
        process.kill(c.proc.pid!, 'SIGKILL');
        const x = await c.exit();
        assert.deepEqual([x.code, x.signal, x.stderr], [null, 'SIGKILL', ''], m);
      }
    });
  });

  // ---- 8. blocking mode --------------------------------------------------------------

  describe('blocking-mode sockets', () => {
    it('a connection taken by the sync accept() leaves acceptAsync waiting without blocking the loop', async () => {
      const l = tcpListener();
      assert.equal(l.gettimeout(), null);
      const addr = l.getsockname();
      const p = watch(l.acceptAsync({ signal: AbortSignal.timeout(10_000) }));
      // The poller is armed (uv_poll_init set O_NONBLOCK) and the mode restored.
      assert.equal(fdFlags(l.fileno()) & O_NONBLOCK, 0);
      const c1 = track(socket());
      c1.connect(addr);
      const [taken, takenAddr] = l.accept();
      track(taken);
      assert.deepEqual(takenAddr, c1.getsockname());
      const t = ticker();
      await until(() => t.count >= 5 || p.state !== 'pending', 'ticks after the sync accept');
      assert.equal(p.state, 'pending');
      const c2 = track(socket());
      await c2.connectAsync(addr, { signal: AbortSignal.timeout(5000) });
      const [conn, connAddr] = await p.get();
      track(conn);
      assert.deepEqual(connAddr, c2.getsockname());
      assert.equal(fdFlags(l.fileno()) & O_NONBLOCK, 0);
    });

    it('a readiness report whose retry finds nothing (EAGAIN) keeps the call waiting without blocking the loop', async () => {
      // Two sockets on one listener (dup): one connection makes both readable
      // in the same poll; one accept takes it, the other's retry gets EAGAIN.
      const l = tcpListener();
      const l2 = track(l.dup());
      assert.equal(l2.gettimeout(), null);
      const addr = l.getsockname();
      const signal = AbortSignal.timeout(10_000);
      const p1 = watch(l.acceptAsync({ signal }));
      const p2 = watch(l2.acceptAsync({ signal }));
      await ticks(2); // both fds are in the loop's epoll set before anything arrives
      const c1 = track(socket());
      c1.connect(addr);
      await until(() => p1.state !== 'pending' || p2.state !== 'pending', 'the first connection is accepted');
      const t = ticker();
      await until(() => t.count >= 5, 'ticks while the other acceptAsync waits');
      const [done, waiting] = p1.state !== 'pending' ? [p1, p2] : [p2, p1];
      assert.equal(waiting.state, 'pending');
      const [conn1, addr1] = await done.get();
      track(conn1);
      assert.deepEqual(addr1, c1.getsockname());
      for (const s of [l, l2]) assert.equal(fdFlags(s.fileno()) & O_NONBLOCK, 0);
      const c2 = track(socket());
      c2.connect(addr);
      const [conn2, addr2] = await waiting.get();
      track(conn2);
      assert.deepEqual(addr2, c2.getsockname());
    });

    it("after async use a blocking socket's fd is not left O_NONBLOCK and its sync calls work as before", async () => {
      const [a, b] = pair();
      const p = watch(a.recvAsync(10));
      await ticks(2);
      assert.equal(fdFlags(a.fileno()) & O_NONBLOCK, 0);
      b.sendall('async');
      assert.deepEqual(await p.get(), Buffer.from('async'));
      await a.sendallAsync('back');
      assert.deepEqual(b.recv(10), Buffer.from('back'));
      assert.equal(a.gettimeout(), null);
      assert.equal(fdFlags(a.fileno()) & O_NONBLOCK, 0);
      // A blocking recv with the data there returns it (a non-blocking fd
      // would too, but the flag above says the fd is blocking).
      b.sendall('sync');
      assert.deepEqual(a.recv(10), Buffer.from('sync'));
      // A timeout-mode socket keeps its O_NONBLOCK after async use.
      a.settimeout(5);
      const q = watch(a.recvAsync(10));
      await ticks(2);
      b.sendall('t');
      assert.deepEqual(await q.get(), Buffer.from('t'));
      assert.equal(fdFlags(a.fileno()) & O_NONBLOCK, O_NONBLOCK);
      a.settimeout(null);
      assert.equal(fdFlags(a.fileno()) & O_NONBLOCK, 0);
    });
  });

  // ---- 9. name resolution -------------------------------------------------------------

  describe('host names', () => {
    /**
     * Occupies every thread of the libuv pool with an open(2) of a FIFO that
     * has no writer, so that a lookup queued now cannot run until release().
     */
    function blockThreadPool(dir: string): () => Promise<void> {
      const env = Number(process.env['UV_THREADPOOL_SIZE']);
      const size = Number.isInteger(env) && env > 0 ? env : 4;
      const fifos = Array.from({ length: size }, (_, i) => path.join(dir, `fifo${i}`));
      execFileSync('mkfifo', fifos);
      const readers = fifos.map(
        (f) => new Promise<number>((resolve, reject) => fs.open(f, 'r', (err, fd) => (err ? reject(err) : resolve(fd)))),
      );
      for (const r of readers) r.catch(() => {});
      let released = false;
      return async () => {
        if (released) return;
        released = true;
        const writers: number[] = [];
        try {
          for (const f of fifos) {
            for (let attempt = 0; ; attempt++) {
              try {
                writers.push(fs.openSync(f, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK));
                break;
              } catch (err) {
                // ENXIO: its reader is not in open(2) yet.
                if ((err as NodeJS.ErrnoException).code !== 'ENXIO' || attempt >= 1000) throw err;
                await sleep(2);
              }
            }
          }
          for (const fd of await Promise.all(readers)) fs.closeSync(fd);
        } finally {
          for (const fd of writers) fs.closeSync(fd);
        }
      };
    }

    /** A UDP receiver `r` on 127.0.0.1:`port` and a sender `u` bound to 127.0.0.1. */
    function udpPair(): { r: Socket; u: Socket; port: number } {
      const r = track(socket(AF_INET, SOCK_DGRAM));
      r.bind(['127.0.0.1', 0]);
      const u = track(socket(AF_INET, SOCK_DGRAM));
      u.bind(['127.0.0.1', 0]);
      return { r, u, port: (r.getsockname() as [string, number])[1] };
    }

    it("connectAsync(['localhost', port]) resolves the name off the loop", async () => {
      const l = tcpListener();
      const port = (l.getsockname() as [string, number])[1];
      const c = track(socket());
      const release = blockThreadPool(tmp());
      try {
        const p = watch(c.connectAsync(['localhost', port], { signal: AbortSignal.timeout(10_000) }));
        const t = ticker();
        await until(() => t.count >= 5 || p.state !== 'pending', 'ticks while the name is looked up');
        // The lookup cannot have run: the pool is busy. The loop turns meanwhile.
        assert.equal(p.state, 'pending', String(p.reason));
        await release();
        await p.get();
      } finally {
        await release();
      }
      assert.deepEqual(c.getpeername(), ['127.0.0.1', port]);
      const [conn, addr] = l.accept();
      track(conn);
      assert.deepEqual(addr, c.getsockname());
    });

    it("sendtoAsync(data, ['localhost', port]) resolves the name off the loop", async () => {
      const { r, u, port } = udpPair();
      const release = blockThreadPool(tmp());
      try {
        const p = watch(u.sendtoAsync('by name', ['localhost', port], { signal: AbortSignal.timeout(10_000) }));
        const t = ticker();
        await until(() => t.count >= 5 || p.state !== 'pending', 'ticks while the name is looked up');
        assert.equal(p.state, 'pending', String(p.reason));
        await release();
        assert.equal(await p.get(), 7);
      } finally {
        await release();
      }
      r.settimeout(5);
      assert.deepEqual(r.recvfrom(100), [Buffer.from('by name'), u.getsockname()]);
    });

    it('an abort during the lookup rejects with the reason and connects nothing', async () => {
      const l = tcpListener();
      const port = (l.getsockname() as [string, number])[1];
      const c = track(socket());
      const release = blockThreadPool(tmp());
      try {
        const ac = new AbortController();
        const p = watch(c.connectAsync(['localhost', port], { signal: ac.signal }));
        await ticks(2);
        assert.equal(p.state, 'pending');
        const reason = new Error('no more waiting for DNS');
        ac.abort(reason);
        assert.equal(await p.error(), reason);
      } finally {
        await release();
      }
      assert.throws(() => c.getpeername(), (e: unknown) => isSocketError(e, 'ENOTCONN', 'getpeername'));
    });

    it('writes made while a sendtoAsync name resolves wait behind it: FIFO holds across the lookup', async () => {
      const { r, u, port } = udpPair();
      const release = blockThreadPool(tmp());
      const ac = new AbortController();
      const reason = new Error('not this one');
      try {
        const first = watch(u.sendtoAsync('first', ['localhost', port]));
        const second = watch(u.sendtoAsync('second', ['127.0.0.1', port]));
        const dropped = watch(u.sendtoAsync('dropped', ['localhost', port], { signal: ac.signal }));
        const fourth = watch(u.sendAsync('fourth')); // not connected: EDESTADDRREQ, in its turn
        const fifth = watch(u.sendtoAsync('fifth', 0, ['127.0.0.1', port]));
        await ticks(3);
        // A literal address, yet it waits for the name before it.
        assert.equal(second.state, 'pending');
        ac.abort(reason);
        assert.equal(await dropped.error(), reason);
        assert.equal(fourth.state, 'pending');
        await release();
        assert.deepEqual([await first.get(), await second.get(), await fifth.get()], [5, 6, 5]);
        assert.ok(isSocketError(await fourth.error(), 'EDESTADDRREQ', 'send'));
      } finally {
        await release();
      }
      r.settimeout(5);
      for (const d of ['first', 'second', 'fifth']) assert.equal(r.recv(100).toString(), d);
      assert.equal(r.tryRecvInto(Buffer.alloc(100)), -1);
    });

    it('close() while a sendtoAsync name resolves rejects it and the writes behind it with EBADF, and sends nothing', async () => {
      const { r, u, port } = udpPair();
      const release = blockThreadPool(tmp());
      try {
        const byName = watch(u.sendtoAsync('by name', ['localhost', port]));
        const behind = watch(u.sendtoAsync('behind', ['127.0.0.1', port]));
        await ticks(2);
        u.close();
        await ticks(1);
        // Settled before the lookup could run (an await here would wait for it).
        assert.equal(byName.state, 'rejected');
        assert.equal(behind.state, 'rejected');
        assert.ok(isSocketError(await byName.error(), 'EBADF', 'sendto'));
        assert.ok(isSocketError(await behind.error(), 'EBADF', 'sendto'));
        await release();
        await sleep(100); // the lookup ends after the close: nothing may happen then
      } finally {
        await release();
      }
      assert.equal(r.tryRecvInto(Buffer.alloc(100)), -1);
    });

    it('with a free pool the lookups are correct and the loop keeps ticking', async () => {
      const l = tcpListener();
      const port = (l.getsockname() as [string, number])[1];
      const t = ticker();
      const c = track(socket());
      await c.connectAsync(['localhost', port], { signal: AbortSignal.timeout(10_000) });
      assert.deepEqual(c.getpeername(), ['127.0.0.1', port]);
      const [conn] = l.accept();
      track(conn);
      const r = track(socket(AF_INET, SOCK_DGRAM));
      r.bind(['127.0.0.1', 0]);
      const u = track(socket(AF_INET, SOCK_DGRAM));
      u.bind(['127.0.0.1', 0]);
      assert.equal(await u.sendtoAsync('hi', 0, ['localhost', (r.getsockname() as [string, number])[1]]), 2);
      r.settimeout(5);
      assert.deepEqual(r.recvfrom(10), [Buffer.from('hi'), u.getsockname()]);
      await until(() => t.count >= 1, 'a tick');
    });
  });

  // ---- 10. results and errors mirror the sync API --------------------------------------

  describe('results and errors', () => {
    it('recvAsync resolves an empty Buffer at EOF, and keeps doing so; recvAsync(0) is empty at once', async () => {
      const [a, b] = pair();
      assert.deepEqual(await a.recvAsync(0), Buffer.alloc(0));
      const p = watch(a.recvAsync(10));
      await ticks(2);
      assert.equal(p.state, 'pending');
      b.shutdown(SHUT_WR);
      const eof = await p.get();
      assert.ok(Buffer.isBuffer(eof));
      assert.equal(eof.length, 0);
      assert.deepEqual(await a.recvAsync(10), Buffer.alloc(0));
      b.close();
      assert.deepEqual(await a.recvAsync(10), Buffer.alloc(0));
      assert.deepEqual(a.recv(10), Buffer.alloc(0));
    });

    it('recvfromAsync on UDP resolves [data, exact sender address], waiting or not', async () => {
      const r = track(socket(AF_INET, SOCK_DGRAM));
      r.bind(['127.0.0.1', 0]);
      const s = track(socket(AF_INET, SOCK_DGRAM));
      s.bind(['127.0.0.1', 0]);
      const p = watch(r.recvfromAsync(100));
      await ticks(2);
      assert.equal(p.state, 'pending');
      assert.equal(await s.sendtoAsync('first', r.getsockname()), 5);
      assert.deepEqual(await p.get(), [Buffer.from('first'), s.getsockname()]);
      s.sendto('second', r.getsockname());
      assert.deepEqual(await r.recvfromAsync(100), [Buffer.from('second'), s.getsockname()]);
      // A datagram longer than bufsize is cut, as with recvfrom().
      s.sendto('truncated datagram', r.getsockname());
      assert.deepEqual(await r.recvfromAsync(9), [Buffer.from('truncated'), s.getsockname()]);
    });

    it('recvIntoAsync and recvfromIntoAsync fill the given buffer and resolve counts', async () => {
      const [a, b] = pair();
      const target = Buffer.alloc(16, 0xee);
      const p = watch(a.recvIntoAsync(target));
      await ticks(2);
      b.sendall('abcdef');
      assert.equal(await p.get(), 6);
      assert.deepEqual(target, Buffer.concat([Buffer.from('abcdef'), Buffer.alloc(10, 0xee)]));
      // nbytes limits the read; any TypedArray is a byte target.
      b.sendall('0123456789');
      const words = new Uint16Array(4);
      assert.equal(await a.recvIntoAsync(words, 3), 3);
      assert.deepEqual(Buffer.from(words.buffer), Buffer.from('012\0\0\0\0\0', 'latin1'));
      assert.equal(await a.recvIntoAsync(words, 0, 0, {}), 7);
      assert.deepEqual(Buffer.from(words.buffer, 0, 7), Buffer.from('3456789'));

      const r = track(socket(AF_INET, SOCK_DGRAM));
      r.bind(['127.0.0.1', 0]);
      const s = track(socket(AF_INET, SOCK_DGRAM));
      s.bind(['127.0.0.1', 0]);
      const into = Buffer.alloc(8, 0xee);
      const q = watch(r.recvfromIntoAsync(into));
      await ticks(2);
      s.sendto('dgram', r.getsockname());
      assert.deepEqual(await q.get(), [5, s.getsockname()]);
      assert.deepEqual(into, Buffer.from('dgram\xee\xee\xee', 'latin1'));
      s.sendto('xyz', r.getsockname());
      const view = new DataView(new ArrayBuffer(8), 2, 4);
      assert.deepEqual(await r.recvfromIntoAsync(view, 4), [3, s.getsockname()]);
      assert.deepEqual(Buffer.from(view.buffer), Buffer.from('\0\0xyz\0\0\0', 'latin1'));
    });

    it('options may follow any of the optional arguments (every overload of the signatures)', async () => {
      const [a, b] = pair();
      const options = { signal: AbortSignal.timeout(5000) };
      const cases: [string, unknown[], unknown][] = [
        ['recvAsync', [3, options], Buffer.from('abc')],
        ['recvAsync', [3, 0, options], Buffer.from('abc')],
        ['recvfromAsync', [3, options], [Buffer.from('abc'), null]],
        ['recvfromAsync', [3, 0, options], [Buffer.from('abc'), null]],
        ['recvIntoAsync', [Buffer.alloc(3), options], 3],
        ['recvIntoAsync', [Buffer.alloc(8), 3, options], 3],
        ['recvIntoAsync', [Buffer.alloc(8), 3, 0, options], 3],
        ['recvfromIntoAsync', [Buffer.alloc(3), options], [3, null]],
        ['recvfromIntoAsync', [Buffer.alloc(8), 3, options], [3, null]],
        ['recvfromIntoAsync', [Buffer.alloc(8), 3, 0, options], [3, null]],
      ];
      const problems: string[] = [];
      for (const [name, args, expected] of cases) {
        b.sendall('abc');
        await ticks(1);
        const label = `${name}(${args.map((x) => (x === options ? 'options' : Buffer.isBuffer(x) ? `Buffer(${x.length})` : String(x))).join(', ')})`;
        try {
          const got = await (callMethod(a, name, args) as Promise<unknown>);
          try {
            assert.deepEqual(got, expected);
          } catch {
            problems.push(`${label}: resolved ${String(got)}`);
          }
        } catch (err) {
          problems.push(`${label}: ${String(err)}`);
          // Keep the stream in step for the next case.
          a.setblocking(false);
          try {
            a.recv(100);
          } catch {
            // nothing waiting
          }
          a.setblocking(true);
        }
      }
      assert.equal(await a.sendAsync('x', options), 1);
      assert.equal(await a.sendAsync('x', 0, options), 1);
      await a.sendallAsync('x', options);
      await a.sendallAsync('x', 0, options);
      assert.deepEqual(b.recv(10), Buffer.from('xxxx'));
      assert.deepEqual(problems, []);
    });

    it('connectAsync to a port with no listener rejects with ECONNREFUSED, as connect() throws', async () => {
      const closed = track(socket());
      closed.bind(['127.0.0.1', 0]); // bound, not listening: SYNs get a RST
      const port = (closed.getsockname() as [string, number])[1];
      const c = track(socket());
      const err = await watch(c.connectAsync(['127.0.0.1', port])).error();
      isSocketError(err, 'ECONNREFUSED', 'connect', { address: '127.0.0.1', port });
      assert.equal((err as SocketError).errno, 111);
      assert.equal((err as SocketError).message, `connect ECONNREFUSED 127.0.0.1:${port}: Connection refused`);
      const d = track(socket());
      assert.throws(
        () => d.connect(['127.0.0.1', port]),
        (e: unknown) => isSocketError(e, 'ECONNREFUSED', 'connect', { address: '127.0.0.1', port, message: (err as Error).message }),
      );
    });

    it('a peer that goes away: pending sendallAsync rejects with EPIPE, pending recvAsync with ECONNRESET', async () => {
      const [a, b] = pair();
      fillSendBuffer(a);
      const write = watch(a.sendallAsync(Buffer.alloc(100_000, 3)));
      await ticks(2);
      assert.equal(write.state, 'pending');
      b.close();
      isSocketError(await write.error(), 'EPIPE', 'send');
      await rejectsWith(a.sendAsync('more'), 'EPIPE', 'send');

      const l = tcpListener();
      const c = track(socket());
      c.connect(l.getsockname());
      const [conn] = l.accept();
      track(conn);
      const read = watch(conn.recvAsync(10));
      await ticks(2);
      assert.equal(read.state, 'pending');
      const linger = Buffer.alloc(8);
      linger.writeInt32LE(1, 0);
      linger.writeInt32LE(0, 4);
      c.setsockopt(SOL_SOCKET, SO_LINGER, linger); // close sends RST
      c.close();
      isSocketError(await read.error(), 'ECONNRESET', 'recv');
    });

    it('after a socket error reported by the poller (POLLERR), later calls still wake up', async () => {
      // A UDP socket connected to a port nobody listens on: the ICMP error
      // arrives as POLLERR, and libuv stops the poll handle on its own.
      const gone = track(socket(AF_INET, SOCK_DGRAM));
      gone.bind(['127.0.0.1', 0]);
      const port = (gone.getsockname() as [string, number])[1];
      gone.close();
      const a = track(socket(AF_INET, SOCK_DGRAM));
      a.bind(['127.0.0.1', 0]);
      a.connect(['127.0.0.1', port]);
      const first = watch(a.recvAsync(100, { signal: AbortSignal.timeout(5000) }));
      await ticks(1);
      a.send('ping');
      isSocketError(await first.error(), 'ECONNREFUSED', 'recv');
      // Now the port has a sender, which a must still hear.
      const b = track(socket(AF_INET, SOCK_DGRAM));
      b.bind(['127.0.0.1', port]);
      const second = watch(a.recvAsync(100, { signal: AbortSignal.timeout(5000) }));
      await ticks(2);
      assert.equal(second.state, 'pending');
      b.sendto('hello', a.getsockname());
      assert.deepEqual(await second.get(), Buffer.from('hello'));
    });

    it('a buffer detached while its call waits rejects that call with a RangeError and consumes nothing', async () => {
      const [a, b] = pair();
      const ab = new ArrayBuffer(16);
      const read = watch(a.recvIntoAsync(new Uint8Array(ab)));
      await ticks(1);
      detach(ab);
      assert.equal(ab.byteLength, 0);
      b.sendall('kept');
      isOutsideBuffer(await read.error());
      // The data is still there for the next call.
      assert.deepEqual(await a.recvAsync(16, { signal: AbortSignal.timeout(5000) }), Buffer.from('kept'));
    });

    // An async call fixes its byte length when it is made, not at its first
    // attempt: a view detached before then is too short, not empty (a
    // zero-length read would look like EOF, a zero-length write like success).
    it('a buffer detached while its call waits behind another: reads and writes reject with a RangeError', async () => {
      const signal = AbortSignal.timeout(10_000);
      // Reads: the second waits behind the first.
      const [a, b] = pair();
      const first = watch(a.recvAsync(4, { signal }));
      const ab = new ArrayBuffer(16);
      const second = watch(a.recvIntoAsync(new Uint8Array(ab), { signal }));
      const abFrom = new ArrayBuffer(16);
      const third = watch(a.recvfromIntoAsync(new Uint8Array(abFrom), { signal }));
      detach(ab);
      detach(abFrom);
      b.sendall('one-two');
      assert.deepEqual(await first.get(), Buffer.from('one-'));
      isOutsideBuffer(await second.error());
      isOutsideBuffer(await third.error());
      assert.deepEqual(await a.recvAsync(16, { signal }), Buffer.from('two'));
      // Writes behind a pending sendallAsync: nothing of theirs goes out.
      const filled = fillSendBuffer(a);
      const tail = payload(9, 100_000);
      const head = watch(a.sendallAsync(tail, { signal }));
      const views = [new ArrayBuffer(10), new ArrayBuffer(20)];
      const behind = [watch(a.sendallAsync(new Uint8Array(views[0]!), { signal })), watch(a.sendAsync(new Uint8Array(views[1]!), { signal }))];
      const last = watch(a.sendallAsync('end', { signal }));
      views.forEach(detach);
      const got = await readExactly(b, filled + tail.length + 3, signal);
      await head.get();
      for (const w of behind) isOutsideBuffer(await w.error());
      await last.get();
      assert.ok(got.subarray(filled, filled + tail.length).equals(tail));
      assert.equal(got.subarray(filled + tail.length).toString(), 'end');
    });

    it('a buffer detached after a first attempt that would block: sendAsync, sendtoAsync, sendallAsync reject with a RangeError', async () => {
      const signal = AbortSignal.timeout(10_000);
      // sendAsync and sendallAsync on a full stream: the peer drains it, the retry finds the view empty.
      for (const method of ['sendAsync', 'sendallAsync'] as const) {
        const [a, b] = pair();
        const filled = fillSendBuffer(a);
        const ab = new ArrayBuffer(1000);
        const write = watch<unknown>(a[method](new Uint8Array(ab), { signal }));
        await ticks(1);
        assert.equal(write.state, 'pending', method);
        detach(ab);
        assert.equal((await readExactly(b, filled, signal)).length, filled);
        isOutsideBuffer(await write.error());
        b.setblocking(false);
        assert.equal(b.tryRecvInto(Buffer.alloc(16)), -1, method);
      }
      // sendtoAsync to an AF_UNIX datagram socket whose queue is full (the sender is connected to it, so it can wait for room).
      const where = path.join(tmp(), 'r.sock');
      const r = track(socket(AF_UNIX, SOCK_DGRAM));
      r.bind(where);
      const s = track(socket(AF_UNIX, SOCK_DGRAM));
      s.connect(where);
      s.setblocking(false);
      let queued = 0;
      for (; queued < 100_000 && s.trySend('q') === 1; queued++);
      const ab = new ArrayBuffer(8);
      const write = watch(s.sendtoAsync(new Uint8Array(ab), where, { signal }));
      await ticks(1);
      assert.equal(write.state, 'pending');
      detach(ab);
      r.setblocking(false);
      for (let i = 0; i < queued; i++) assert.deepEqual(r.recv(8), Buffer.from('q'));
      isOutsideBuffer(await write.error());
      assert.equal(r.tryRecvInto(Buffer.alloc(8)), -1);
    });

    it('connectAsync on AF_UNIX: ENOENT and ECONNREFUSED carry the path, as connect() does', async () => {
      const dir = tmp();
      const missing = path.join(dir, 'missing.sock');
      const stale = path.join(dir, 'stale.sock');
      const s = socket(AF_UNIX, SOCK_STREAM);
      s.bind(stale); // the file stays after close, with nothing listening
      s.close();
      for (const [file, code] of [
        [missing, 'ENOENT'],
        [stale, 'ECONNREFUSED'],
      ] as const) {
        const sync = track(socket(AF_UNIX, SOCK_STREAM));
        let expected: unknown;
        try {
          sync.connect(file);
        } catch (err) {
          expected = err;
        }
        isSocketError(expected, code, 'connect', { address: file });
        const c = track(socket(AF_UNIX, SOCK_STREAM));
        const err = await watch(c.connectAsync(file)).error();
        isSocketError(err, code, 'connect', { address: file, message: (expected as Error).message });
      }
    });

    it('bad arguments reject (never throw) with the same errors as the sync methods', async () => {
      const [a] = pair();
      const u = track(socket(AF_INET, SOCK_DGRAM));
      const t = track(socket());
      // Non-blocking, so that a sync call that wrongly passed validation could not hang.
      for (const s of [a, u, t]) s.setblocking(false);
      const four = Buffer.alloc(4);
      const cases: [Socket, string, unknown[]][] = [
        [a, 'recv', ['x']],
        [a, 'recv', [-1]],
        [a, 'recv', [1.5]],
        [a, 'recv', [10, 'x']],
        [a, 'recv', [10, 2 ** 40]],
        [a, 'recvInto', ['x']],
        [a, 'recvInto', [new ArrayBuffer(4)]],
        [a, 'recvInto', [four, 5]],
        [a, 'recvInto', [four, -1]],
        [a, 'recvInto', [four, 'x']],
        [a, 'recvInto', [four, 0, 'x']],
        [u, 'recvfrom', [-1]],
        [u, 'recvfrom', ['x']],
        [u, 'recvfrom', [10, 0.5]],
        [u, 'recvfromInto', [null]],
        [u, 'recvfromInto', [four, 5]],
        [a, 'send', [123]],
        [a, 'send', ['x', 'y']],
        [a, 'sendall', [{}]],
        [a, 'sendall', [null]],
        [a, 'sendall', ['x', 1.5]],
        [u, 'sendto', ['x', ['127.0.0.1', 70000]]],
        [u, 'sendto', ['x', ['127.0.0.1', -1]]],
        [u, 'sendto', [5, ['127.0.0.1', 9]]],
        [u, 'sendto', ['x', 1.5, ['127.0.0.1', 9]]],
        [u, 'sendto', ['x', 'not an address']],
        [u, 'sendto', ['x', [9, 9]]],
        [t, 'connect', [['127.0.0.1', -1]]],
        [t, 'connect', [['127.0.0.1', 65536]]],
        [t, 'connect', [123]],
        [t, 'connect', [['127.0.0.1']]],
        [t, 'connect', [[null, 80]]],
      ];
      for (const [s, name, args] of cases) {
        const label = `${name}(${args.map((x) => JSON.stringify(x) ?? String(x)).join(', ')})`;
        let syncErr: unknown = null;
        try {
          callMethod(s, name, args);
        } catch (err) {
          syncErr = err;
        }
        assert.ok(syncErr instanceof TypeError || syncErr instanceof RangeError, `${label}: sync gave ${String(syncErr)}`);
        const expected: Error = syncErr;
        let p: unknown;
        assert.doesNotThrow(() => {
          p = callMethod(s, `${name}Async`, args);
        }, `${label}Async threw synchronously`);
        assert.ok(p instanceof Promise, label);
        await assert.rejects(p, (err: unknown) => {
          assert.equal((err as Error).constructor, expected.constructor, `${label}Async: ${String(err)}`);
          assert.equal((err as { code?: unknown }).code, (expected as { code?: unknown }).code, `${label}Async: ${String(err)}`);
          assert.equal((err as Error).message, expected.message, label);
          return true;
        });
      }
    });

    it('a bad options argument rejects with ERR_INVALID_ARG_TYPE on every async method, before any syscall', async () => {
      const [a, b] = pair();
      const u = track(socket(AF_INET, SOCK_DGRAM));
      const l = tcpListener();
      const addr = l.getsockname();
      const t1 = track(socket());
      const t2 = track(socket());
      const c = track(socket());
      c.connect(addr); // a connection waiting in l's queue: acceptAsync could take it
      b.sendall('data'); // data waiting in a: recvAsync could take it
      const bad = { signal: 'not a signal' };
      const cases: [string, () => unknown][] = [
        ['recvAsync(1, { signal })', () => callMethod(a, 'recvAsync', [1, bad])],
        ['recvAsync(1, 0, "x")', () => callMethod(a, 'recvAsync', [1, 0, 'x'])],
        ['recvIntoAsync(buf, { signal })', () => callMethod(a, 'recvIntoAsync', [Buffer.alloc(4), bad])],
        ['recvfromAsync(1, { signal })', () => callMethod(a, 'recvfromAsync', [1, bad])],
        ['recvfromIntoAsync(buf, { signal })', () => callMethod(a, 'recvfromIntoAsync', [Buffer.alloc(4), bad])],
        ['sendAsync("x", { signal })', () => callMethod(a, 'sendAsync', ['x', bad])],
        ['sendallAsync("x", { signal })', () => callMethod(a, 'sendallAsync', ['x', bad])],
        ['sendtoAsync("x", addr, { signal })', () => callMethod(u, 'sendtoAsync', ['x', ['127.0.0.1', 9], bad])],
        ['acceptAsync({ signal })', () => callMethod(l, 'acceptAsync', [bad])],
        ['acceptAsync("x")', () => callMethod(l, 'acceptAsync', ['x'])],
        ['connectAsync(addr, { signal })', () => callMethod(t1, 'connectAsync', [addr, bad])],
        ['connectAsync(addr, "x")', () => callMethod(t2, 'connectAsync', [addr, 'x'])],
      ];
      const problems: string[] = [];
      const started: [string, Watched<unknown>][] = [];
      for (const [label, call] of cases) {
        let p: unknown;
        try {
          p = call();
        } catch (err) {
          problems.push(`${label}: threw synchronously: ${String(err)}`);
          continue;
        }
        if (!(p instanceof Promise)) {
          problems.push(`${label}: returned ${String(p)}`);
          continue;
        }
        started.push([label, watch(p)]);
      }
      // Bounded: a call that ignored its options may be left pending.
      await until(() => started.every(([, w]) => w.state !== 'pending'), 'all settled', 300).catch(() => {});
      for (const [, w] of started) {
        // A wrongly successful acceptAsync hands out a connection: close it.
        if (Array.isArray(w.value) && w.value[0] instanceof Socket) track(w.value[0]);
      }
      for (const [label, w] of started) {
        if (w.state !== 'rejected') {
          problems.push(`${label}: ${w.state} instead of rejected`);
          continue;
        }
        const e = w.reason as { code?: unknown; message?: unknown };
        if (!(w.reason instanceof TypeError) || e.code !== 'ERR_INVALID_ARG_TYPE') {
          problems.push(`${label}: rejected with ${String(w.reason)} (code ${String(e.code)})`);
        }
      }
      // Nothing was consumed or started.
      a.setblocking(false);
      try {
        const left = a.recv(100).toString();
        if (left !== 'data') problems.push(`the waiting data was consumed: left ${JSON.stringify(left)}`);
      } catch (err) {
        problems.push(`the waiting data was consumed: ${String(err)}`);
      }
      l.setblocking(false);
      const conns: Socket[] = [];
      for (let i = 0; i < 3; i++) {
        try {
          conns.push(track(l.accept()[0]));
        } catch {
          break;
        }
      }
      if (conns.length !== 1) problems.push(`${conns.length} connections in the queue instead of 1 (c's own)`);
      for (const [label, s] of [['connectAsync(addr, { signal })', t1], ['connectAsync(addr, "x")', t2]] as const) {
        try {
          s.getpeername();
          problems.push(`${label}: the socket connected despite the bad options`);
        } catch {
          // ENOTCONN: no connect was started
        }
      }
      assert.deepEqual(problems, []);
    });

    it('every async call on a closed socket rejects with EBADF, as its sync counterpart throws', async () => {
      const [a] = pair();
      const u = track(socket(AF_INET, SOCK_DGRAM));
      const l = tcpListener();
      const t = track(socket());
      for (const s of [a, u, l, t]) s.close();
      const cases: [Socket, string, unknown[], string][] = [
        [a, 'recv', [10], 'recv'],
        [a, 'recv', [0], 'recv'],
        [a, 'recvInto', [Buffer.alloc(4)], 'recv'],
        [a, 'recvfrom', [10], 'recvfrom'],
        [a, 'recvfromInto', [Buffer.alloc(4)], 'recvfrom'],
        [a, 'send', ['x'], 'send'],
        [a, 'sendall', ['x'], 'send'],
        [u, 'sendto', ['x', ['127.0.0.1', 9]], 'sendto'],
        [l, 'accept', [], 'accept'],
        [t, 'connect', [['127.0.0.1', 9]], 'connect'],
      ];
      for (const [s, name, args, syscall] of cases) {
        let syncErr: unknown = null;
        try {
          callMethod(s, name, args);
        } catch (err) {
          syncErr = err;
        }
        isSocketError(syncErr, 'EBADF', syscall);
        let p: unknown;
        assert.doesNotThrow(() => {
          p = callMethod(s, `${name}Async`, args);
        }, `${name}Async threw synchronously`);
        const err = await watch(p as Promise<unknown>).error();
        isSocketError(err, 'EBADF', syscall, {
          errno: 9,
          message: (syncErr as Error).message,
          address: (syncErr as SocketError).address,
          port: (syncErr as SocketError).port,
        });
      }
    });
  });

  // ---- AF_UNIX connect with a full backlog ----------------------------------------------

  describe('AF_UNIX connectAsync', () => {
    /** A listener whose backlog is full, and its path. */
    function fullListener(): [Socket, string] {
      const file = path.join(tmp(), 'full.sock');
      const l = track(socket(AF_UNIX, SOCK_STREAM));
      l.bind(file);
      l.listen(0);
      const fillers: number[] = [];
      for (let i = 0; i < 3; i++) {
        const f = track(socket(AF_UNIX, SOCK_STREAM));
        f.setblocking(false);
        fillers.push(f.connectEx(file));
      }
      // Linux: listen(0) queues one connection; then a non-blocking connect is EAGAIN.
      assert.deepEqual(fillers, [0, errno.EAGAIN, errno.EAGAIN]);
      return [l, file];
    }

    it('to a listener whose backlog is full waits for room as connect() does, then is really connected', async () => {
      const [l, file] = fullListener();
      const c = track(socket(AF_UNIX, SOCK_STREAM));
      const p = watch(c.connectAsync(file, { signal: AbortSignal.timeout(10_000) }));
      const t = ticker();
      await until(() => t.count >= 5 || p.state !== 'pending', 'ticks');
      // Node's net rejects with EAGAIN here; bsdsock waits, as TCP does.
      assert.equal(p.state, 'pending', `connectAsync did not wait: ${String(p.reason)}`);
      // A blocking socket stays blocking: no poller was made for the wait.
      assert.equal(fdFlags(c.fileno()) & O_NONBLOCK, 0);
      track(l.accept()[0]); // room
      await p.get();
      assert.equal(c.getpeername(), file);
      const [conn] = l.accept();
      track(conn);
      await c.sendallAsync('after the wait');
      assert.equal(conn.recv(100).toString(), 'after the wait');
    });

    it('waiting for room: an abort rejects with its reason, close() with EBADF, and the next call behind an aborted one still waits', async () => {
      const [l, file] = fullListener();
      const aborted = track(socket(AF_UNIX, SOCK_STREAM));
      const closed = track(socket(AF_UNIX, SOCK_STREAM));
      const ac = new AbortController();
      const p1 = watch(aborted.connectAsync(file, { signal: ac.signal }));
      const p2 = watch(closed.connectAsync(file, { signal: AbortSignal.timeout(10_000) }));
      await sleep(20);
      assert.deepEqual([p1.state, p2.state], ['pending', 'pending']);
      const reason = new Error('enough waiting');
      ac.abort(reason);
      assert.equal(await p1.error(), reason);
      closed.close();
      isSocketError(await p2.error(), 'EBADF', 'connect', { address: file });
      // Two calls on one socket: the second waits behind the first; once
      // the first is aborted it is tried on its own timer, and connects
      // when there is room.
      const s = track(socket(AF_UNIX, SOCK_STREAM));
      const ac2 = new AbortController();
      const first = watch(s.connectAsync(file, { signal: ac2.signal }));
      const second = watch(s.connectAsync(file, { signal: AbortSignal.timeout(10_000) }));
      await sleep(20);
      ac2.abort();
      await first.done;
      assert.equal(first.state, 'rejected');
      await sleep(20);
      assert.equal(second.state, 'pending');
      track(l.accept()[0]);
      await second.get();
      assert.equal(s.getpeername(), file);
    });

    it('a non-blocking connect to a full backlog is still EAGAIN at once, as in CPython', () => {
      const [, file] = fullListener();
      const c = track(socket(AF_UNIX, SOCK_STREAM));
      c.setblocking(false);
      assert.throws(() => c.connect(file), (e: unknown) => isSocketError(e, 'EAGAIN', 'connect', { address: file }));
    });
  });
});
