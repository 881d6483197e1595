// The machinery behind the async methods: readiness-based I/O on the event
// loop, like asyncio's loop.sock_recv and serialport's unix-read.
//
// Each operation is an `attempt`, one non-blocking syscall returning a result
// (>= 0), -EAGAIN (not yet), or another -errno (failure). An operation is tried
// at once when nothing is queued ahead of it; if it would block, it joins its
// socket's read or write queue and the socket's single poller (a uv_poll_t on
// the env's own loop) watches for readiness. On readiness the queue's head is
// tried again: a false readiness report just gives -EAGAIN again. No thread
// per call, no timer, no busy loop.
//
// One exception, run() with `paced`: a connect to an AF_UNIX listener whose
// backlog is full has no readiness to wait for (the unconnected socket is
// writable at once, and nothing tells when room appears), so it is retried
// on a timer instead, after 1 ms, then twice as long each time up to 100 ms.
//
// Reads and writes queue independently, each in FIFO order. close() rejects
// everything pending with EBADF; an abort rejects with signal.reason. An
// operation is only ever attempted from the head of its queue, all at once,
// so an aborted one has consumed no data. While something is pending the
// socket is kept alive (and, unless unref()'d, so is the process).

import { markAsUntransferable } from 'node:worker_threads';

import { native, type NativePoller } from './binding';
import { E, errnoName, SocketError, type ErrorAddress } from './errors';
import * as v from './validate';

const { EAGAIN, EBADF } = E;
const { UV_READABLE, UV_WRITABLE } = native;

// EventTarget's own methods, called on the signal: an AbortSignal whose
// methods were overridden then runs none of the caller's code (and cannot
// throw) in the middle of settling a call.
const { addEventListener, removeEventListener } = EventTarget.prototype;

/** Calls `onAbort` once when `signal` aborts. */
export function listenAbort(signal: AbortSignal, listener: () => void): void {
  addEventListener.call(signal, 'abort', listener, { once: true });
}

/** Undoes {@link listenAbort}. */
export function offAbort(signal: AbortSignal, listener: () => void): void {
  removeEventListener.call(signal, 'abort', listener);
}

// AbortSignal's own getters, asked of the signal: its own properties (or an
// object that only claims to be one) decide nothing.
const signalGetter = (name: string) => Object.getOwnPropertyDescriptor(AbortSignal.prototype, name)!.get!;
const abortedGetter = signalGetter('aborted');
const reasonGetter = signalGetter('reason');

/** Whether `signal` has aborted. */
export function isAborted(signal: AbortSignal | undefined): signal is AbortSignal {
  return signal !== undefined && (abortedGetter.call(signal) as boolean);
}

/** What `signal` aborted with. */
export function abortReason(signal: AbortSignal): unknown {
  return reasonGetter.call(signal);
}

/** Options of every async method. */
export interface AsyncOptions {
  /** Aborting rejects the call with `signal.reason`, if it has not completed yet. */
  signal?: AbortSignal | undefined;
}

/** Whether an argument is the options object (an object that is not data). */
export function isOptions(x: unknown): x is AsyncOptions {
  return typeof x === 'object' && x !== null && !ArrayBuffer.isView(x);
}

/**
 * Checks `{ signal }`: an AbortSignal or nothing. Returns a fresh object
 * holding the signal read once (a getter cannot give another one later).
 */
export function asyncOptions(options: unknown): AsyncOptions | undefined {
  if (options === undefined) return undefined;
  if (!isOptions(options)) throw v.invalidArgType('options', 'of type object', options);
  const signal: unknown = (options as AsyncOptions).signal;
  if (signal === undefined) return {};
  try {
    abortedGetter.call(signal); // a real AbortSignal, not only one by its prototype
  } catch {
    throw v.invalidArgType('options.signal', 'an instance of AbortSignal', signal);
  }
  return { signal: signal as AbortSignal };
}

/**
 * The optional arguments of an async call (sendmsgAsync, sendfileAsync...),
 * `count` of them then the
 * options: the options object may come early, after any of them (it is the
 * first object that is neither an array, a view nor iterable), and nothing
 * may follow it. Returns the arguments, `undefined` for those not given,
 * then the checked options.
 */
export function withOptions(args: unknown[], count: number): unknown[] {
  const out: unknown[] = args.slice(0, count);
  const at = out.findIndex(isOptionsObject);
  if (at >= 0) {
    if (args.length > at + 1) throw v.invalidArgType('options', 'the last argument', args[at + 1]);
    out[count] = asyncOptions(out[at]);
    out.fill(undefined, at, count);
  } else {
    if (args.length > count + 1) throw v.invalidArgType('options', 'the last argument', args[count + 1]);
    out[count] = asyncOptions(args[count]);
  }
  out.length = count + 1;
  return out;
}

/** An options object where a list could stand too: not an array, nor any iterable. */
function isOptionsObject(x: unknown): boolean {
  return isOptions(x) && !Array.isArray(x) && typeof (x as { [Symbol.iterator]?: unknown })[Symbol.iterator] !== 'function';
}

/**
 * The fd and identity of a socket, and its poller: everything the socket's
 * finalizer needs (it must close the poller before the fd), and nothing that
 * leads back to the Socket, so that the finalization registry holding it does
 * not keep the socket alive.
 */
export interface Handle {
  fd: number;
  family: number;
  type: number;
  proto: number;
  poller: NativePoller | null;
}

/** Which queue an operation waits in. */
export const READ = 0;
export const WRITE = 1;

// The poller's shared state (native/poller.cc): what this side wants (1: keep
// the loop alive), whether the handle is ref'd, whether its callback runs.
const WANT = 0;
const REFED = 1;
const IN_CALLBACK = 2;

/** The retry timer of a paced operation (run() with `paced`) and its next delay. */
interface Pace {
  delay: number;
  timer: ReturnType<typeof setTimeout> | null;
}

const PACE_FIRST_MS = 1;
const PACE_MAX_MS = 100;

interface Op<T> {
  attempt: () => number;
  /** Turns the syscall's result into the promised value (runs right after it). */
  finish: (r: number) => T;
  resolve: (value: T) => void;
  reject: (err: unknown) => void;
  syscall: string;
  where: ErrorAddress | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | null;
  /** Set for an operation retried on a timer rather than on readiness. */
  pace: Pace | null;
}

// The executor of every promise run() makes for a call that waits: it hands
// the promise's settle functions to the operation being queued. One function
// for all, since a closure per call costs an allocation and, at its first
// call, a lazy-compile step. run() restores the previous value afterwards: a
// promise hook (async_hooks, v8.promiseHooks) runs before the executor and
// may itself start a call that waits.
let queuing: Op<unknown> | null = null;
function takeSettlers(resolve: (value: never) => void, reject: (err: unknown) => void): void {
  queuing!.resolve = resolve as (value: unknown) => void;
  queuing!.reject = reject;
}
function unset(): void {}

/** The `finish` of a call whose value is the syscall's result (a count). */
export function identity(r: number): number {
  return r;
}

// The attempt of an operation that holds its place in a queue before its
// syscall can be made (see runWhen): it stalls the queue, and #arm does not
// watch the socket for it.
function held(): number {
  return -EAGAIN;
}

/** Whether the poller watches the socket for `head`, the first operation of a queue. */
function watched(head: Op<unknown> | undefined): boolean {
  return head !== undefined && head.attempt !== held && head.pace === null;
}

function stopPace(op: Op<unknown>): void {
  if (op.pace?.timer != null) {
    clearTimeout(op.pace.timer);
    op.pace.timer = null;
  }
}

function failure(r: number, syscall: string, where: ErrorAddress | undefined): SocketError {
  return new SocketError(-r, errnoName(-r), syscall, where);
}

/**
 * The native side's RangeError for a byte range outside a view (a buffer
 * detached while its call waited), with Node's code for it, as every
 * RangeError bsdsock throws has one.
 */
function outOfBounds(err: unknown): unknown {
  if (err instanceof RangeError && (err as { code?: unknown }).code === undefined) {
    Object.defineProperty(err, 'code', { value: 'ERR_BUFFER_OUT_OF_BOUNDS', enumerable: true, writable: true, configurable: true });
  }
  return err;
}

/** The async state of one socket: its poller and its two queues. */
export class AsyncIo {
  readonly #h: Handle;
  readonly #queues: [Op<unknown>[], Op<unknown>[]] = [[], []];
  /** What the poller watches: what the queues wait for, plus sticky interest (see #arm). */
  #events = 0;
  /** Whether the user wants a pending call to keep the process alive (ref()/unref()). */
  #refed = true;
  /** The poller's shared state, once there is a poller. */
  #shared: Int32Array | null = null;
  /** Called after the poller is made, to restore the socket's blocking mode. */
  readonly #restoreMode: (owner: object) => void;
  /**
   * The socket, held only while something is pending, so that it is not
   * collected (and closed by its finalizer) while a caller awaits it. This
   * object is itself held then: something pending means a watching poller
   * (#arm), and a watching poller holds #onPoll strongly; a call queued by
   * runWhen() is held by the promise it waits for. Otherwise nothing
   * here leads back to the socket: a poller still watching an idle socket
   * must not keep it alive. run() gets the socket from its caller; a WeakRef
   * to it would cost more per wait (each deref() is a runtime call that adds
   * the socket to a set V8 makes anew for every job).
   */
  #pin: object | null = null;
  readonly #onPoll = (status: number, events: number): void => this.#ready(status, events);

  /**
   * `restoreMode(owner)` runs once the poller exists. It gets the socket as an
   * argument so that it need not hold it: a closure over the socket would
   * keep every socket that ever waited alive for as long as its poller
   * watches.
   */
  constructor(handle: Handle, restoreMode: (owner: object) => void) {
    this.#h = handle;
    this.#restoreMode = restoreMode;
  }

  /**
   * Runs `attempt` as an async operation in `queue` of `owner` (the socket,
   * kept alive while the operation waits). Resolves with `finish(result)`;
   * rejects with a SocketError for a -errno result.
   *
   * `paced` is for a call whose would-block state no readiness event ends:
   * a connect to an AF_UNIX listener whose backlog is full. While `attempt`
   * gives -EAGAIN it is tried again on a timer (1 ms, doubling up to 100 ms,
   * each delay between half and all of that), in its place in `queue`; the
   * poller is not armed for it. Abort, close() and unref() apply as to any
   * call.
   */
  run<T>(
    owner: object,
    queue: typeof READ | typeof WRITE,
    syscall: string,
    attempt: () => number,
    finish: (r: number) => T,
    options: AsyncOptions | undefined,
    where?: ErrorAddress,
    paced = false,
  ): Promise<T> {
    const signal = options?.signal;
    if (isAborted(signal)) return Promise.reject(abortReason(signal));
    const q = this.#queues[queue];
    if (q.length === 0) {
      // Nothing ahead of it: try now. Most calls end here, without a poller.
      const r = attempt();
      if (r !== -EAGAIN) {
        if (r < 0) return Promise.reject(failure(r, syscall, where));
        return Promise.resolve(finish(r));
      }
    }
    const pace: Pace | null = paced ? { delay: PACE_FIRST_MS, timer: null } : null;
    const op: Op<unknown> = { attempt, finish, resolve: unset, reject: unset, syscall, where, signal, onAbort: null, pace };
    const promise = this.#enqueue<T>(owner, queue, op);
    if (paced && q[0] === op) this.#schedule(q, op);
    return promise;
  }

  /** Tries `op`, a paced operation at the head of `q`, again after its delay. */
  #schedule(q: Op<unknown>[], op: Op<unknown>): void {
    const pace = op.pace!;
    if (pace.timer !== null) return;
    // Jittered, so that clients that found the backlog full together do not
    // all come back at the same moment.
    const delay = pace.delay * (0.5 + Math.random() / 2);
    pace.delay = Math.min(pace.delay * 2, PACE_MAX_MS);
    pace.timer = setTimeout(() => {
      pace.timer = null;
      if (q[0] !== op) return;
      this.#drain(q);
      this.#arm();
    }, delay);
    if (!this.#refed) pace.timer.unref();
  }

  /**
   * As run() with the syscall's result as the value, for a call whose
   * syscall cannot be made yet: a sendto whose host name is being resolved.
   * The call takes its place in `queue` now, so that the calls made after it
   * stay behind it (FIFO holds across the lookup), and is tried once `ready`
   * gives its attempt. If `ready` rejects, the call fails with that error and
   * the calls behind it go on.
   */
  runWhen(owner: object, queue: typeof READ | typeof WRITE, syscall: string, ready: Promise<() => number>, options?: AsyncOptions, where?: ErrorAddress): Promise<number> {
    const signal = options?.signal;
    if (isAborted(signal)) {
      ready.catch(unset); // its outcome no longer matters, and must not go unhandled
      return Promise.reject(abortReason(signal));
    }
    const op: Op<unknown> = { attempt: held, finish: identity, resolve: unset, reject: unset, syscall, where, signal, onAbort: null, pace: null };
    const q = this.#queues[queue];
    // Handled before anything else can throw; the handlers run after the
    // call has joined the queue (a promise's reactions are never synchronous).
    ready.then(
      (attempt) => {
        if (!q.includes(op)) return; // aborted or closed meanwhile
        op.attempt = attempt;
        if (q[0] === op) this.#drain(q);
        this.#arm();
      },
      (err: unknown) => {
        const i = q.indexOf(op);
        if (i < 0) return;
        q.splice(i, 1);
        this.#fail(op, err);
        if (i === 0) this.#drain(q);
        this.#arm();
      },
    );
    return this.#enqueue<number>(owner, queue, op);
  }

  /** Queues `op` (the settle functions of the promise it returns), pinning `owner`, and arms the poller. */
  #enqueue<T>(owner: object, queue: typeof READ | typeof WRITE, op: Op<unknown>): Promise<T> {
    const outer = queuing;
    queuing = op;
    let promise: Promise<T>;
    try {
      promise = new Promise<T>(takeSettlers);
    } finally {
      queuing = outer;
    }
    const signal = op.signal;
    if (signal !== undefined) {
      op.onAbort = () => this.#abort(queue, op);
      listenAbort(signal, op.onAbort);
    }
    this.#queues[queue].push(op);
    this.#pin = owner;
    this.#arm();
    return promise;
  }

  /** Keeps the event loop alive while something is pending (the default). */
  ref(): void {
    this.#refed = true;
    this.#updateRef();
    for (const q of this.#queues) q[0]?.pace?.timer?.ref();
  }

  /** Lets the process exit even while something is pending. */
  unref(): void {
    this.#refed = false;
    this.#updateRef();
    for (const q of this.#queues) q[0]?.pace?.timer?.unref();
  }

  /**
   * The handle keeps the loop alive exactly while something is pending and
   * the user wants it. Inside the poller's own callback (and the microtasks
   * it runs) the wish is only written down: the poller applies it when the
   * callback returns, so that a read completed there and the next one queued
   * by whoever awaited it do not cost an unref() and a ref().
   */
  #updateRef(): void {
    const poller = this.#h.poller;
    const shared = this.#shared;
    if (poller === null || shared === null) return;
    const want = this.#refed && this.pending > 0 ? 1 : 0;
    shared[WANT] = want;
    if (shared[IN_CALLBACK] !== 0 || shared[REFED] === want) return;
    if (want !== 0) poller.ref();
    else poller.unref();
  }

  /** Rejects everything pending with EBADF and closes the poller. Call before the fd is closed. */
  close(): void {
    const pending = [...this.#queues[READ], ...this.#queues[WRITE]];
    this.#queues[READ].length = 0;
    this.#queues[WRITE].length = 0;
    this.#h.poller?.close();
    this.#h.poller = null;
    this.#shared = null;
    this.#events = 0;
    this.#pin = null;
    for (const op of pending) this.#settle(op, -EBADF);
  }

  /** The number of operations waiting, for tests and inspection. */
  get pending(): number {
    return this.#queues[READ].length + this.#queues[WRITE].length;
  }

  #fail(op: Op<unknown>, err: unknown): void {
    stopPace(op);
    if (op.onAbort !== null) offAbort(op.signal!, op.onAbort);
    op.reject(err);
  }

  #settle(op: Op<unknown>, r: number): void {
    // The result first: finish() may read what the attempt left in shared
    // buffers (recvfrom's address).
    let value: unknown;
    let failed = r < 0;
    let err: unknown = failed ? failure(r, op.syscall, op.where) : undefined;
    if (!failed) {
      try {
        value = op.finish(r);
      } catch (e) {
        failed = true;
        err = e;
      }
    }
    stopPace(op);
    if (op.onAbort !== null) offAbort(op.signal!, op.onAbort);
    if (failed) op.reject(err);
    else op.resolve(value);
  }

  #abort(queue: number, op: Op<unknown>): void {
    const q = this.#queues[queue as 0 | 1];
    const i = q.indexOf(op);
    if (i < 0) return; // already settled
    q.splice(i, 1);
    stopPace(op);
    op.reject(abortReason(op.signal!));
    // A paced call behind it may now be the head: the poller will not try it.
    const head = q[0];
    if (i === 0 && head?.pace != null) this.#schedule(q, head);
    this.#arm();
  }

  /** Tries the heads of the ready queues until they would block again. */
  #ready(status: number, events: number): void {
    // An error from the poller (status < 0, POLLERR: a pending socket error):
    // let the syscalls report it. libuv has stopped the handle, so #arm must
    // start it again for whatever still waits.
    if (status < 0) {
      events = UV_READABLE | UV_WRITABLE;
      this.#events = 0;
    }
    // A direction that fired with nobody waiting is dropped from the sticky
    // interest: readiness is level-triggered and would fire again and again.
    const reads = this.#queues[READ];
    const writes = this.#queues[WRITE];
    let idle = 0;
    if (events & UV_READABLE) {
      if (reads.length === 0) idle |= UV_READABLE;
      else this.#drain(reads);
    }
    if (events & UV_WRITABLE) {
      if (writes.length === 0) idle |= UV_WRITABLE;
      else this.#drain(writes);
    }
    this.#arm(idle);
  }

  #drain(q: Op<unknown>[]): void {
    while (q.length > 0) {
      const op = q[0]!;
      let r: number;
      try {
        r = op.attempt();
      } catch (err) {
        // A buffer detached while the call waited: the native call throws
        // before any syscall. The call fails; the ones behind it go on.
        q.shift();
        this.#fail(op, outOfBounds(err));
        continue;
      }
      if (r === -EAGAIN) {
        if (op.pace !== null) this.#schedule(q, op);
        return;
      }
      q.shift();
      this.#settle(op, r);
    }
  }

  /**
   * Points the poller at what the queues wait for, creating it on first use.
   * Interest is sticky: a direction stays watched after its queue empties, so
   * that a socket read (or written) over and over — a request loop, a
   * ping-pong — does not pay an epoll_ctl to stop and one to restart per
   * call. It is dropped (`idle`) once it fires with nobody waiting.
   */
  #arm(idle = 0): void {
    const reads = this.#queues[READ];
    const writes = this.#queues[WRITE];
    if (reads.length === 0 && writes.length === 0) this.#pin = null;
    const want = (watched(reads[0]) ? UV_READABLE : 0) | (watched(writes[0]) ? UV_WRITABLE : 0);
    // Nor, sticky or not, a direction whose head waits on its timer: the
    // level-triggered readiness would wake the loop on every turn meanwhile.
    const timed = (reads[0]?.pace != null ? UV_READABLE : 0) | (writes[0]?.pace != null ? UV_WRITABLE : 0);
    const events = want | (this.#events & ~idle & ~timed);
    let poller = this.#h.poller;
    if (events !== this.#events) {
      if (poller === null) {
        poller = new native.Poller(this.#h.fd, this.#onPoll);
        const status = poller.status();
        if (status < 0) {
          this.#failAll(status);
          return;
        }
        this.#h.poller = poller;
        // Native code writes this memory for the poller's whole life: a
        // transfer list must not detach it (see lib/fast.ts).
        const shared = poller.shared()!; // exists when status() is 0
        markAsUntransferable(shared);
        this.#shared = new Int32Array(shared);
        // uv_poll_init made the fd O_NONBLOCK; the sync calls want their mode
        // back. A new poller only comes from run(), which has just pinned the
        // socket.
        if (this.#pin !== null) this.#restoreMode(this.#pin);
      }
      const r = poller!.start(events);
      if (r < 0) {
        this.#failAll(r);
        return;
      }
      this.#events = events;
    }
    this.#updateRef();
  }

  #failAll(r: number): void {
    const pending = [...this.#queues[READ], ...this.#queues[WRITE]];
    this.#queues[READ].length = 0;
    this.#queues[WRITE].length = 0;
    this.#pin = null;
    this.#updateRef();
    for (const op of pending) this.#settle(op, r);
  }
}
