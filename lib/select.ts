// Python's select module: select(), poll objects and, on Linux, epoll
// objects. These are blocking calls, as in Python: they block the JavaScript
// thread for up to their timeout (the async methods are the event-loop way).
// EINTR is retried in native with the time that is left.
//
// select() is built on poll(2) rather than select(2): the same results, and
// no FD_SETSIZE limit (CPython refuses fds >= 1024).

import { native } from './binding';
import {
  EPOLLIN,
  EPOLL_CLOEXEC,
  EPOLLOUT,
  EPOLLPRI,
  POLLERR,
  POLLHUP,
  POLLIN,
  POLLNVAL,
  POLLOUT,
  POLLPRI,
} from './constant-names';
import { E, SocketError, raise } from './errors';
import * as v from './validate';

/** Something select() and poll() accept: an fd, or an object with `fileno()` (a Socket). */
export type FileLike = number | { fileno(): number };

const INT_MAX = 2147483647;

/** The fd of `x`, as Python's PyObject_AsFileDescriptor. */
function fdOf(x: unknown, name: string): number {
  let fd: unknown = x;
  if (typeof x === 'object' && x !== null && typeof (x as { fileno?: unknown }).fileno === 'function') {
    fd = (x as { fileno(): unknown }).fileno();
  }
  if (typeof fd !== 'number' || !Number.isInteger(fd)) {
    throw v.invalidArgType(name, 'an integer fd or an object with a fileno() method', x);
  }
  if (fd < 0 || fd > INT_MAX) {
    throw v.outOfRange(name, 'a file descriptor >= 0 (a closed socket has fileno() -1)', fd);
  }
  return fd;
}

/** Seconds (or null: forever) as poll(2)'s milliseconds, rounded up as CPython does. */
function secondsToMs(timeout: unknown, name: string): number {
  if (timeout === null || timeout === undefined) return -1;
  if (typeof timeout !== 'number') throw v.invalidArgType(name, 'of type number or null', timeout);
  const ms = Math.ceil(timeout * 1000);
  // As CPython: NaN and negative are errors; so is a wait too long for
  // poll(2)'s int of milliseconds (Python's OverflowError), rather than a
  // shorter wait that would end like a timeout.
  if (!(timeout >= 0 && ms <= INT_MAX)) throw v.outOfRange(name, `a number >= 0 and <= ${INT_MAX / 1000} (seconds), or null`, timeout);
  return ms;
}

/**
 * Waits until some of the given objects are ready: Python's
 * `select.select(rlist, wlist, xlist, timeout)`. Each list is an array or
 * any other iterable (a Set, say) of fds or objects with `fileno()`
 * (Sockets); the result is three arrays of the same objects, in the order
 * given: readable (data, EOF, or an error to read),
 * writable, and exceptional (urgent data). `timeout` is in seconds; null or
 * omitted waits forever, 0 polls.
 *
 * This blocks the JavaScript thread. Implemented with poll(2), so fds above
 * 1023 work; a closed fd is EBADF, as select(2) says.
 */
export function select<R extends FileLike, W extends FileLike, X extends FileLike>(
  rlist: Iterable<R>,
  wlist: Iterable<W>,
  xlist: Iterable<X>,
  timeout?: number | null,
): [R[], W[], X[]] {
  // As CPython: the timeout first, then each list in turn, read and
  // converted before the next one is touched.
  const ms = secondsToMs(timeout, 'timeout');
  const wanted = [POLLIN, POLLOUT, POLLPRI];
  const index = new Map<number, number>();
  const fds: number[] = [];
  const events: number[] = [];
  const lists: Array<readonly FileLike[]> = [];
  const fdLists = ([rlist, wlist, xlist] as Array<Iterable<FileLike>>).map((given, i) => {
    const name = ['rlist', 'wlist', 'xlist'][i]!;
    const ats: number[] = [];
    const list = v.items(given, name, (x) => {
      const fd = fdOf(x, name);
      let at = index.get(fd);
      if (at === undefined) {
        at = fds.length;
        index.set(fd, at);
        fds.push(fd);
        events.push(0);
      }
      events[at]! |= wanted[i]!;
      ats.push(at);
      return x;
    });
    lists.push(list);
    return ats;
  });
  const revents = new Int32Array(fds.length);
  const r = native.poll(Int32Array.from(fds), Int32Array.from(events), revents, fds.length, ms);
  if (r < 0) raise(r, 'select');
  if (revents.some((re) => (re & POLLNVAL) !== 0)) raise(-E.EBADF, 'select');
  // What select(2) reports as ready for each set, in poll(2)'s terms.
  const ready = [POLLIN | POLLHUP | POLLERR, POLLOUT | POLLERR, POLLPRI];
  const out = lists.map((list, i) => list.filter((_, j) => (revents[fdLists[i]![j]!]! & ready[i]!) !== 0));
  return out as [R[], W[], X[]];
}

/**
 * A set of fds to poll(2), as Python's `select.poll()` object.
 */
export class Poll {
  readonly #events = new Map<number, number>();

  /** ERR_INVALID_THIS unless `self` is a Poll (see Socket's #brand). */
  static #brand(self: unknown): void {
    if (typeof self !== 'object' || self === null || !(#events in self)) throw v.invalidThis('Poll');
  }

  /**
   * Watches `fd` (or an object with `fileno()`) for `eventmask` (POLLIN,
   * POLLPRI, POLLOUT by default). Registering again updates the mask.
   */
  register(fd: FileLike, eventmask: number = POLLIN | POLLPRI | POLLOUT): void {
    Poll.#brand(this);
    this.#events.set(fdOf(fd, 'fd'), mask16(eventmask));
  }

  /** Changes the mask of a registered fd; ENOENT if it is not registered (as Python). */
  modify(fd: FileLike, eventmask: number): void {
    Poll.#brand(this);
    const n = fdOf(fd, 'fd');
    if (!this.#events.has(n)) raise(-E.ENOENT, 'modify');
    this.#events.set(n, mask16(eventmask));
  }

  /** Stops watching `fd`; a RangeError if it is not registered (Python: KeyError). */
  unregister(fd: FileLike): void {
    Poll.#brand(this);
    const n = fdOf(fd, 'fd');
    if (!this.#events.delete(n)) throw v.outOfRange('fd', 'a registered file descriptor', n);
  }

  /**
   * poll(2): waits up to `timeoutMs` milliseconds (null, omitted or negative:
   * forever) and returns `[fd, revents]` pairs for the ready fds. A closed fd
   * reports POLLNVAL. Blocks the JavaScript thread.
   */
  poll(timeoutMs?: number | null): [number, number][] {
    Poll.#brand(this);
    let ms = -1;
    if (timeoutMs !== undefined && timeoutMs !== null) {
      if (typeof timeoutMs !== 'number') throw v.invalidArgType('timeoutMs', 'of type number or null', timeoutMs);
      const n = Math.ceil(timeoutMs);
      if (!(n >= -INT_MAX - 1 && n <= INT_MAX)) throw v.outOfRange('timeoutMs', `a number <= ${INT_MAX}, or null`, timeoutMs);
      // Any negative waits forever, -0.5 included (CPython rounds it away
      // from zero; epoll.poll's seconds round up instead: see epollMs).
      ms = timeoutMs < 0 ? -1 : n;
    }
    const fds = Int32Array.from(this.#events.keys());
    const events = Int32Array.from(this.#events.values());
    const revents = new Int32Array(fds.length);
    const r = native.poll(fds, events, revents, fds.length, ms);
    if (r < 0) raise(r, 'poll');
    const out: [number, number][] = [];
    for (let i = 0; i < fds.length; i++) if (revents[i] !== 0) out.push([fds[i]!, revents[i]!]);
    return out;
  }
}

/** poll(2)'s `short events`: 0-65535, as CPython's unsigned short. */
function mask16(value: unknown): number {
  if (typeof value !== 'number') throw v.invalidArgType('eventmask', 'of type number', value);
  if (!Number.isInteger(value) || value < 0 || value > 0xffff) {
    throw v.outOfRange('eventmask', 'an integer >= 0 and <= 65535', value);
  }
  return value;
}

/** A new {@link Poll} object: Python's `select.poll()`. */
export function poll(): Poll {
  return new Poll();
}

// An epoll object collected while open closes its fd (Python's does too).
const epollFinalizer = new FinalizationRegistry<{ fd: number }>((h) => {
  if (h.fd >= 0) native.close(h.fd);
});

function epollCall(name: 'epollCreate' | 'epollCtl' | 'epollWait') {
  const f = native[name];
  if (f === undefined) throw new SocketError(E.ENOSYS, 'ENOSYS', name, undefined, 'epoll is only available on Linux');
  return f;
}

/**
 * An epoll instance (Linux): Python's `select.epoll`. The fd is
 * close-on-exec. Use with `using`, or close() it.
 */
export class Epoll {
  readonly #h: { fd: number };

  /** ERR_INVALID_THIS unless `self` is an Epoll (see Socket's #brand). */
  static #brand(self: unknown): void {
    if (typeof self !== 'object' || self === null || !(#h in self)) throw v.invalidThis('Epoll');
  }

  /**
   * epoll_create1(EPOLL_CLOEXEC). `sizehint` (-1 or > 0) and `flags` (0 or
   * EPOLL_CLOEXEC) are checked as Python does, and otherwise unused.
   */
  constructor(sizehint = -1, flags = 0) {
    if (v.int32(sizehint, 'sizehint') <= 0 && sizehint !== -1) throw v.outOfRange('sizehint', '-1 or a number > 0', sizehint);
    if (v.int32(flags, 'flags') !== 0 && flags !== EPOLL_CLOEXEC) raise(-E.EINVAL, 'epoll_create1');
    const fd = (epollCall('epollCreate') as () => number)();
    if (fd < 0) raise(fd, 'epoll_create1');
    this.#h = { fd };
    epollFinalizer.register(this, this.#h, this.#h);
    native.own(fd); // closed if this env (a worker) ends first
  }

  /** The epoll fd. Closed, a TypeError (Python's ValueError). */
  fileno(): number {
    Epoll.#brand(this);
    if (this.#h.fd < 0) throw closedEpoll();
    return this.#h.fd;
  }

  /** True once closed. */
  get closed(): boolean {
    Epoll.#brand(this);
    return this.#h.fd < 0;
  }

  /** Closes the epoll fd; idempotent. */
  close(): void {
    Epoll.#brand(this);
    const fd = this.#h.fd;
    if (fd < 0) return;
    this.#h.fd = -1;
    epollFinalizer.unregister(this.#h);
    const r = native.close(fd);
    if (r < 0) raise(r, 'close');
  }

  #ctl(op: number, fd: FileLike, eventmask: number, syscall: string): void {
    const h = this.#h;
    const n = fdOf(fd, 'fd'); // the arguments first, as Python
    if (h.fd < 0) throw closedEpoll();
    const r = (epollCall('epollCtl') as (a: number, b: number, c: number, d: number) => number)(h.fd, op, n, eventmask);
    if (r < 0) raise(r, syscall);
  }

  /**
   * epoll_ctl(EPOLL_CTL_ADD): watches `fd` for `eventmask` (EPOLLIN,
   * EPOLLPRI, EPOLLOUT by default; EPOLLET, EPOLLONESHOT... may be added).
   * EEXIST if it is already registered.
   */
  register(fd: FileLike, eventmask: number = EPOLLIN! | EPOLLPRI! | EPOLLOUT! /* defined where epoll is */): void {
    Epoll.#brand(this);
    this.#ctl(native.EPOLL_CTL_ADD!, fd, mask32(eventmask), 'epoll_ctl');
  }

  /** epoll_ctl(EPOLL_CTL_MOD). ENOENT if `fd` is not registered. */
  modify(fd: FileLike, eventmask: number): void {
    Epoll.#brand(this);
    this.#ctl(native.EPOLL_CTL_MOD!, fd, mask32(eventmask), 'epoll_ctl');
  }

  /** epoll_ctl(EPOLL_CTL_DEL). ENOENT if `fd` is not registered. */
  unregister(fd: FileLike): void {
    Epoll.#brand(this);
    this.#ctl(native.EPOLL_CTL_DEL!, fd, 0, 'epoll_ctl');
  }

  /**
   * epoll_wait(2): waits up to `timeout` seconds (null, omitted or negative:
   * forever) for at most `maxevents` events (-1: up to 1023, as CPython), and
   * returns `[fd, events]` pairs. Blocks the JavaScript thread.
   */
  poll(timeout?: number | null, maxevents = -1): [number, number][] {
    Epoll.#brand(this);
    const h = this.#h;
    const ms = epollMs(timeout);
    let max = v.int32(maxevents, 'maxevents');
    if (max === -1) max = 1023;
    else if (max <= 0) throw v.outOfRange('maxevents', '-1 or a number > 0', maxevents);
    if (h.fd < 0) throw closedEpoll();
    // epoll_wait may always return fewer events than asked; asking for at most
    // 64 Ki at a time keeps a huge maxevents from allocating gigabytes.
    if (max > MAX_EVENTS) max = MAX_EVENTS;
    const fds = new Int32Array(max);
    const events = new Uint32Array(max);
    const wait = epollCall('epollWait') as (a: number, b: Int32Array, c: Uint32Array, d: number, e: number) => number;
    const r = wait(h.fd, fds, events, max, ms);
    if (r < 0) raise(r, 'epoll_wait');
    const out: [number, number][] = [];
    for (let i = 0; i < r; i++) out.push([fds[i]!, events[i]!]);
    return out;
  }

  /** Closes the epoll fd at the end of a `using` block. */
  [Symbol.dispose](): void {
    Epoll.#brand(this);
    this.close();
  }
}

const MAX_EVENTS = 65536;

/** An event mask: a 32-bit integer; EPOLLET (1 << 31) may come as a negative int32. */
function mask32(value: unknown): number {
  if (typeof value !== 'number') throw v.invalidArgType('eventmask', 'of type number', value);
  if (!Number.isInteger(value) || value < -0x80000000 || value > 0xffffffff) {
    throw v.outOfRange('eventmask', 'a 32-bit integer mask', value);
  }
  return value >>> 0;
}

/** A new {@link Epoll}: Python's `select.epoll(sizehint, flags)`. Linux only. */
export function epoll(sizehint = -1, flags = 0): Epoll {
  return new Epoll(sizehint, flags);
}

function closedEpoll(): TypeError {
  return v.invalidArgValue('epoll', 'is closed (I/O operation on closed epoll object)', 'closed');
}

/**
 * epoll.poll's timeout in ms, as CPython: null waits forever; seconds are
 * rounded up to whole milliseconds, and a negative count of them waits
 * forever (-0.0005 s is 0 ms, -0.001 s forever); NaN, and what does not fit
 * an int of milliseconds, are RangeErrors (Python's OverflowError).
 */
function epollMs(timeout: unknown): number {
  if (timeout === null || timeout === undefined) return -1;
  if (typeof timeout !== 'number') throw v.invalidArgType('timeout', 'of type number or null', timeout);
  const ms = Math.ceil(timeout * 1000);
  if (!(ms >= -INT_MAX - 1 && ms <= INT_MAX)) throw v.outOfRange('timeout', 'seconds that fit an int of milliseconds, or null', timeout);
  return ms < 0 ? -1 : ms + 0; // + 0: no -0
}
