// The fuzz child: makes seeded random calls into bsdsock and records what
// went wrong. fuzz/run.ts starts it (in a network namespace of its own when
// it can) and watches its heartbeat; a crash or a hang is seen from there.
//
//   child.ts <dir> <seed> <calls> <batch> <netns 0|1>
//
// <dir> is the run's temp dir and the child's cwd: it writes the heartbeat
// to <dir>/progress (the index and the whole call, rewritten before every
// call), each new finding to <dir>/findings.jsonl as it happens, and the
// summary to <dir>/report.json at the end.
//
// What is called is found at run time, so that functions added later are
// fuzzed without editing this file: every function and class that lib/
// exports, every method and accessor of those classes' prototypes, and of
// the files makefile() returns. Each call gets a receiver (a pool object of
// the right class, or, one time in six, a foreign one) and 0 to 7 random
// arguments (fuzz/values.ts). A call that returns a promise may have its
// views detached or resized right after it starts.
//
// A finding is one of:
//   non-error      something thrown (or a rejection) that is not an Error
//   uncoded        a TypeError or RangeError without a Node-style code
//                  (ERR_*); `foreignThis` says when the receiver was foreign
//   unknown-code   a SocketError whose code is UNKNOWN
//   other-error    an Error that is none of SocketError, TypeError,
//                  RangeError, nor a Node error with an ERR_* code
//   malformed      a SocketError without a string code and syscall and a
//                  numeric errno
//   fd-leak        a socket or epoll fd that a call made and nothing owns
//                  (checked after each call; an async call's, once all
//                  settled at the end of its batch of calls)
//   fd-closed      a call closed an fd that was not its socket's
//   dropped        a ResourceWarning: a socket made inside bsdsock was
//                  dropped open
//   hung-promise   a promise still pending 5 s after every socket closed
//   uncaught       an uncaught exception or unhandled rejection
// An error thrown by a hostile value itself (HostileError), or an abort
// signal's reason, is the caller's own and not a finding.
//
// Nothing here waits long: pool sockets are put back into non-blocking or
// 5 ms timeout mode before every call, listeners are drained, and
// fuzz/fence.ts caps poll(2) and keeps everything on loopback.

import fs = require('node:fs');
import net = require('node:net');
import path = require('node:path');
import { inspect } from 'node:util';

import { installFence, resolverBusy } from './fence';
import { HostileError, Rng, hintGens, mutateView, paramNames, pickWeighted, setNested, valueGens, type CallCtx, type Drawn, type Gen } from './values';

const [dir, seedArg, callsArg, batchArg, netnsArg] = process.argv.slice(2);
if (dir === undefined) throw new Error('usage: child.ts <dir> <seed> <calls> <batch> <netns>');
const SEED = Number(seedArg) >>> 0;
const CALLS = Number(callsArg);
const BATCH = Number(batchArg);
const NETNS = netnsArg === '1';
process.chdir(dir);

// The fence goes in before lib/ is loaded and called.
installFence(NETNS);
// eslint-disable-next-line @typescript-eslint/no-require-imports
const bsdsock = require('../lib') as typeof import('../lib');
const { Socket, SocketError, Epoll, socket, socketpair, epoll, poll, setdefaulttimeout, constants } = bsdsock;
type Sock = InstanceType<typeof Socket>;

// ---- findings ------------------------------------------------------------------------

interface Finding {
  category: string;
  key: string;
  count: number;
  first: { index: number; call: string; detail: string };
  /** The functions it was seen in (a foreign receiver's error is one finding per class). */
  targets: string[];
}
const findings = new Map<string, Finding>();
const counts: Record<string, number> = {};
const findingsFd = fs.openSync(path.join(dir, 'findings.jsonl'), 'a');

/** The message with numbers, fds and paths taken out, so that one cause is one finding. */
function shape(message: string): string {
  return message
    .replace(/\/[^\s'"]*/g, '<path>')
    .replace(/\b\d+(\.\d+)?\b/g, 'N')
    .slice(0, 200);
}

/**
 * Counts a finding. One cause is one finding: the same category, function
 * and message shape; for an error about a foreign receiver, the same class
 * and message shape (`group`), whatever the method.
 */
function record(category: string, target: string, detail: string, index: number, call: string, group?: string): void {
  counts[category] = (counts[category] ?? 0) + 1;
  const key = `${category} | ${group ?? target} | ${shape(detail)}`;
  const f = findings.get(key);
  if (f !== undefined) {
    f.count++;
    if (!f.targets.includes(target) && f.targets.length < 100) f.targets.push(target);
    return;
  }
  const finding: Finding = { category, key, count: 1, first: { index, call: call.slice(0, 2000), detail: detail.slice(0, 2000) }, targets: [target] };
  findings.set(key, finding);
  fs.writeSync(findingsFd, `${JSON.stringify(finding)}\n`);
}

/** Reasons the fuzzer's own abort signals carry. */
function isAbortReason(err: unknown): boolean {
  if (err === 'not an Error') return true;
  if (err instanceof Error && err.message === 'fuzz abort') return true;
  return err instanceof DOMException && (err.name === 'AbortError' || err.name === 'TimeoutError');
}

/** Null if `err` is an acceptable failure, else [category, detail]. */
function judge(err: unknown): [string, string] | null {
  if (err instanceof HostileError || isAbortReason(err)) return null;
  if (!(err instanceof Error)) return ['non-error', `threw ${inspect(err, { depth: 1 }).slice(0, 300)}`];
  if (err instanceof SocketError) {
    const e = err as InstanceType<typeof SocketError>;
    if (typeof e.code !== 'string' || typeof e.errno !== 'number' || typeof e.syscall !== 'string') {
      return ['malformed', `${e.name}: ${e.message} (code ${inspect(e.code)}, errno ${inspect(e.errno)}, syscall ${inspect(e.syscall)})`];
    }
    if (e.code === 'UNKNOWN') return ['unknown-code', `${e.syscall} errno ${e.errno}: ${e.message}`];
    return null;
  }
  if (err instanceof AggregateError) {
    for (const e of err.errors as unknown[]) {
      const bad = judge(e);
      if (bad !== null) return [bad[0], `in an AggregateError: ${bad[1]}`];
    }
    return null;
  }
  const code = (err as { code?: unknown }).code;
  const coded = typeof code === 'string' && /^ERR_[A-Z0-9_]+$/.test(code);
  if (err instanceof TypeError || err instanceof RangeError) {
    return coded ? null : ['uncoded', `${err.name}: ${err.message}`];
  }
  return coded ? null : ['other-error', `${err.name}: ${err.message}`];
}

process.on('warning', (w) => {
  if (w.name === 'ResourceWarning') record('dropped', '(garbage collector)', w.message, current.index, current.call);
});
process.on('uncaughtException', (err) => record('uncaught', current.target, inspect(err).slice(0, 500), current.index, current.call));
process.on('unhandledRejection', (err) => record('uncaught', current.target, `unhandled rejection: ${inspect(err).slice(0, 500)}`, current.index, current.call));

// ---- fds -------------------------------------------------------------------------------

// Only sockets, epoll fds and files in the run's dir count: the resolver
// (on the thread pool too) and tsx open and close files of their own.
function fdTarget(fd: string): string | null {
  try {
    const t = fs.readlinkSync(`/proc/self/fd/${fd}`);
    if (t.startsWith('socket:') || t === 'anon_inode:[eventpoll]' || t.startsWith(dir!)) return t;
  } catch {
    // gone meanwhile
  }
  return null;
}

/** The open fds, without the one readdir itself used (the lowest free one, found first). */
function fdNames(): Set<string> {
  const probe = fs.openSync('/dev/null', 'r');
  fs.closeSync(probe);
  const names = new Set(fs.readdirSync('/proc/self/fd'));
  names.delete(String(probe));
  return names;
}

/** Fds (name -> target) that count, among `names`. */
function counted(names: Iterable<string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const n of names) {
    const t = fdTarget(n);
    if (t !== null) out.set(n, t);
  }
  return out;
}

// ---- the pool ----------------------------------------------------------------------------

interface Entry {
  label: string;
  value: object;
  /** The fd it had when made (sockets, epoll): closing it is its own business. */
  fd?: number;
  address?: unknown;
  /** The timeout it is put back to before each call. */
  timeout?: number;
  listener?: boolean;
}

let pool: Entry[] = [];
const poolValues = new Set<unknown>();
/** Fds that pool objects and handed-out objects had: a call may close those. */
const ownFds = new Set<string>();
/** Fds already reported as leaked (not reported again). */
const leakedFds = new Set<string>();

function add(e: Entry): void {
  pool.push(e);
  poolValues.add(e.value);
  if (e.fd !== undefined && e.fd >= 0) ownFds.add(String(e.fd));
}

function sock<S extends Sock>(label: string, s: S, extra: Partial<Entry> = {}): S {
  const timeout = extra.timeout ?? 0;
  s.settimeout(timeout);
  add({ label, value: s, fd: s.fileno(), timeout, ...extra });
  return s;
}

/** The same pool every batch: made by recipe, not by chance. */
function makePool(batch: number): void {
  setdefaulttimeout(null);
  const tag = `${process.pid}-${batch}`;
  const t5 = 0.005;
  const l4 = sock('tcp4 listener', socket(), { listener: true });
  l4.bind(['127.0.0.1', 0]);
  l4.listen(64);
  pool[pool.length - 1]!.address = l4.getsockname();
  const c4 = socket();
  c4.connect(l4.getsockname());
  sock('tcp4 client', c4, { timeout: t5 });
  sock('tcp4 server end', l4.accept()[0]);
  const u4 = sock('udp4 bound', socket(bsdsock.AF_INET, bsdsock.SOCK_DGRAM), { timeout: t5 });
  u4.bind(['127.0.0.1', 0]);
  pool[pool.length - 1]!.address = u4.getsockname();
  sock('tcp4 unconnected', socket());
  try {
    const l6 = socket(bsdsock.AF_INET6);
    l6.bind(['::1', 0]);
    l6.listen(64);
    sock('tcp6 listener', l6, { listener: true, address: l6.getsockname() });
    const u6 = socket(bsdsock.AF_INET6, bsdsock.SOCK_DGRAM);
    u6.bind(['::1', 0]);
    sock('udp6 bound', u6, { address: u6.getsockname() });
  } catch {
    // no IPv6 here
  }
  const lu = socket(bsdsock.AF_UNIX);
  lu.bind(path.join(dir!, `l${tag}`));
  lu.listen(64);
  sock('unix stream listener', lu, { listener: true, address: lu.getsockname() });
  const [ua, ub] = socketpair();
  sock('unix stream pair end a', ua, { timeout: t5 });
  sock('unix stream pair end b', ub);
  const du = socket(bsdsock.AF_UNIX, bsdsock.SOCK_DGRAM);
  du.bind(path.join(dir!, `d${tag}`));
  sock('unix dgram bound', du, { address: du.getsockname() });
  const da = socket(bsdsock.AF_UNIX, bsdsock.SOCK_DGRAM);
  da.bind('');
  sock('unix dgram autobound', da, { address: da.getsockname(), timeout: t5 });
  const [qa, qb] = socketpair(bsdsock.AF_UNIX, bsdsock.SOCK_SEQPACKET);
  sock('seqpacket pair end a', qa);
  sock('seqpacket pair end b', qb, { timeout: t5 });
  let nl: Sock | null = null;
  try {
    nl = socket(bsdsock.AF_NETLINK ?? -1, bsdsock.SOCK_RAW, bsdsock.NETLINK_USERSOCK ?? -1);
    nl.bind([0, 0]); // AF_NETLINK's [pid, groups]: the kernel picks the port id
    sock('netlink usersock', nl, { address: nl.getsockname() });
  } catch {
    nl?.close(); // no netlink here
  }
  const closed = socket();
  add({ label: 'closed tcp4 socket', value: closed, fd: closed.fileno() });
  closed.close();
  const detached = socket(bsdsock.AF_INET, bsdsock.SOCK_DGRAM);
  add({ label: 'detached udp4 socket', value: detached, fd: detached.fileno() });
  fs.closeSync(detached.detach());
  // Files over a pair whose other end has sent two lines.
  const [fa, fb] = socketpair();
  sock('file socket', fa, { timeout: t5 });
  sock('file peer', fb);
  fb.sendall('one\ntwo\n');
  add({ label: "makefile('rwb')", value: fa.makefile('rwb') });
  add({ label: "makefile('rw')", value: fa.makefile('rw') });
  const closedFile = fa.makefile('r');
  closedFile.close();
  add({ label: 'closed file', value: closedFile });
  const p = poll();
  p.register(ua, bsdsock.POLLIN | bsdsock.POLLOUT);
  p.register(u4, bsdsock.POLLIN);
  add({ label: 'Poll (2 sockets)', value: p });
  const e = epoll();
  e.register(ub, (bsdsock.EPOLLIN ?? 0) | (bsdsock.EPOLLOUT ?? 0));
  add({ label: 'Epoll (1 socket)', value: e, fd: e.fileno() });
  const ce = epoll();
  add({ label: 'closed Epoll', value: ce, fd: ce.fileno() });
  ce.close();
  // Errors, as receivers of the error classes' members.
  for (const make of [() => closed.recv(1), () => u4.recv(1), () => bsdsock.getaddrinfo('no such name', null, 0, 0, 0, bsdsock.AI_NUMERICHOST)]) {
    try {
      make();
    } catch (err) {
      add({ label: `a ${(err as Error).name}`, value: err as Error });
    }
  }
}

function closePool(): void {
  for (const e of pool) {
    const v = e.value as { close?: () => void };
    try {
      if (v instanceof Socket || v instanceof Epoll) v.close();
      else if (typeof v.close === 'function' && !(v instanceof Error)) v.close();
    } catch {
      // a file whose flush fails: its socket closes anyway below
    }
  }
  for (const e of pool) if (e.value instanceof Socket) e.value.close();
  pool = [];
  poolValues.clear();
}

/** Back to short waits before each call: a call may have made a pool socket blocking. */
function normalize(rng: Rng): void {
  for (const e of pool) {
    const s = e.value;
    if (!(s instanceof Socket) || s.closed || e.timeout === undefined) continue;
    if (s.gettimeout() !== e.timeout) {
      try {
        s.settimeout(e.timeout);
      } catch {
        // closed behind its back (a foreign fd closed): it fails on its own
      }
    }
    if (e.listener === true) {
      // Drained, so that no connect (a createConnection's) meets a full backlog.
      for (let i = 0; i < 64; i++) {
        try {
          s.accept()[0].close();
        } catch {
          break;
        }
      }
    }
  }
  setdefaulttimeout(rng.pick([null, 0, 0.005]));
}

// ---- what to call ---------------------------------------------------------------------

interface Target {
  label: string;
  kind: 'call' | 'construct' | 'method' | 'get' | 'set';
  fn: (...args: never[]) => unknown;
  /** The class whose instances are proper receivers (methods, accessors). */
  cls?: abstract new (...args: never[]) => unknown;
  arity: number;
  /** Its parameter names, read from its source: they pick plausible values (fuzz/values.ts hintGens). */
  params: string[];
}

function isClass(f: unknown): f is new (...args: never[]) => unknown {
  return typeof f === 'function' && /^class\b/.test(Function.prototype.toString.call(f));
}

function members(label: string, proto: object, cls: Target['cls']): Target[] {
  const out: Target[] = [];
  for (const key of Reflect.ownKeys(proto)) {
    if (key === 'constructor') continue;
    const d = Object.getOwnPropertyDescriptor(proto, key)!;
    const name = `${label}.${String(key)}`;
    if (typeof d.value === 'function') {
      out.push({ label: name, kind: 'method', fn: d.value as Target['fn'], cls, arity: (d.value as () => void).length, params: paramNames(d.value, false) });
    }
    if (d.get !== undefined) out.push({ label: `get ${name}`, kind: 'get', fn: d.get as Target['fn'], cls, arity: 0, params: [] });
    if (d.set !== undefined) out.push({ label: `set ${name}`, kind: 'set', fn: d.set as Target['fn'], cls, arity: 1, params: paramNames(d.set, false) });
  }
  return out;
}

function targets(): Target[] {
  const out: Target[] = [];
  for (const [name, v] of Object.entries(bsdsock)) {
    if (typeof v !== 'function') continue;
    if (isClass(v)) {
      out.push({ label: `new ${name}`, kind: 'construct', fn: v as unknown as Target['fn'], arity: v.length, params: paramNames(v, true) });
      out.push(...members(name, v.prototype as object, v));
    } else {
      out.push({ label: name, kind: 'call', fn: v as Target['fn'], arity: v.length, params: paramNames(v, false) });
    }
  }
  // The module-level fd functions act on any fd of the process, the
  // fuzzer's own included: dup()'s new fd is closed at once, and close() of
  // an fd that may be open here (0-1023) closes a fresh one on /dev/null
  // instead, so that the real close(2) still runs. Outside that range fds
  // pass as given (EBADF, or a bad-argument error).
  for (const t of out) {
    if (t.kind !== 'call') continue;
    if (t.label === 'dup') {
      const dup = t.fn;
      t.fn = function (this: unknown, ...args: unknown[]) {
        const r = dup.apply(this, args as never);
        if (typeof r === 'number' && r >= 0) bsdsock.close(r);
        return r;
      } as Target['fn'];
    } else if (t.label === 'close') {
      const close = t.fn;
      t.fn = function (this: unknown, ...args: unknown[]) {
        const fd = args[0];
        if (typeof fd === 'number' && Number.isInteger(fd) && fd >= 0 && fd < 1024) args[0] = fs.openSync('/dev/null', 'r');
        return close.apply(this, args as never);
      } as Target['fn'];
    }
  }
  // makefile()'s files: their class is not exported, only their type.
  const [a, b] = socketpair();
  const f = a.makefile('rb');
  const proto = Object.getPrototypeOf(f) as { constructor: Target['cls'] };
  out.push(...members('SocketFile', proto, proto.constructor));
  f.close();
  a.close();
  b.close();
  return out;
}

// ---- injected faults ------------------------------------------------------------------

// BSDSOCK_FUZZ_INJECT=kind,kind,... replaces calls 5, 6, ... with faults of
// those kinds, so that test/42 can check that each is reported.
const INJECT = (process.env.BSDSOCK_FUZZ_INJECT ?? '').split(',').filter((k) => k !== '');
const injected: Record<string, () => unknown> = {
  crash: () => process.kill(process.pid, 'SIGSEGV'),
  hang: () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0),
  'non-error': () => {
    throw 'a string'; // eslint-disable-line @typescript-eslint/only-throw-error
  },
  uncoded: () => {
    throw new TypeError('no code');
  },
  'unknown-code': () => {
    throw new SocketError(94, 'UNKNOWN', 'socket');
  },
  'fd-leak': () => bsdsock.socket().detach(),
  dropped: () => {
    socket();
  },
  'hung-promise': () => new Promise(() => {}),
};

// ---- one call -----------------------------------------------------------------------

const current = { index: -1, target: '(none)', call: '(none)' };
/** A hash of every call made, in order: the same seed must give the same one. */
let callsHash = 0x811c9dc5;

function fnv(h: number, text: string): number {
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
const pending: Array<{ promise: Promise<void>; settled: boolean; index: number; target: string; call: string }> = [];
const closing: Array<Promise<void>> = [];
let progressFd = -1;

/** Writes the heartbeat: the call about to be made, in full (fuzz/run.ts reads it). */
function heartbeat(index: number, call: string): void {
  const line = Buffer.from(`${index}\t${call.slice(0, 8000)}\n`);
  fs.writeSync(progressFd, line, 0, line.length, 0);
  fs.ftruncateSync(progressFd, line.length);
}

/** Releases what a call gave back (never a pool object): sockets, fds, files, Node handles. */
function release(value: unknown, target: string, depth = 0): void {
  if (depth > 3 || poolValues.has(value)) return;
  if (value instanceof Socket) {
    value.close();
  } else if (value instanceof Epoll) {
    value.close();
  } else if (value instanceof net.Socket) {
    // Its errors are the caller's to handle (an aborted signal in its
    // options makes Node emit one): this caller ignores them.
    value.on('error', () => {});
    closing.push(new Promise<void>((resolve) => value.once('close', () => resolve())));
    value.destroy();
  } else if (value instanceof net.Server) {
    value.on('error', () => {});
    closing.push(new Promise<void>((resolve) => value.close(() => resolve())));
  } else if (Array.isArray(value)) {
    for (const v of value as unknown[]) release(v, target, depth + 1);
    if (target.endsWith('recvFds') && Array.isArray(value[1])) closeFds(value[1] as unknown[]);
    if (/recvmsg/.test(target) && Array.isArray(value[1])) {
      for (const item of value[1] as unknown[]) {
        const [level, type, data] = item as [number, number, Buffer];
        if (level === bsdsock.SOL_SOCKET && type === bsdsock.SCM_RIGHTS && Buffer.isBuffer(data)) {
          const fds: number[] = [];
          for (let i = 0; i + 4 <= data.length; i += 4) fds.push(data.readInt32LE(i));
          closeFds(fds);
        }
      }
    }
  } else if (value !== null && typeof value === 'object' && !(value instanceof Error)) {
    const close = (value as { close?: unknown }).close;
    if (typeof close === 'function') {
      try {
        (close as () => void).call(value);
      } catch {
        // a file that cannot flush
      }
    }
  } else if (typeof value === 'number' && target.endsWith('.detach') && value >= 0) {
    // EBADF when the fd was already closed behind the socket's back (an
    // earlier call wrapped the same fd in a second Socket and closed that).
    closeFds([value]);
  }
}

function closeFds(fds: unknown[]): void {
  for (const fd of fds) {
    if (typeof fd === 'number' && fd > 2 && fd !== progressFd && fd !== findingsFd) {
      try {
        fs.closeSync(fd);
      } catch {
        // not open
      }
    }
  }
}

/** The group of a call's finding when its receiver was foreign: its class. */
function foreignGroup(t: Target): string {
  return `${t.label.replace(/^(get|set) /, '').split('.')[0]!} members with a foreign this`;
}

function describeCall(t: Target, self: Drawn, args: Drawn[]): string {
  const list = args.map((a) => a[0]).join(', ');
  if (t.kind === 'construct' || t.kind === 'call') return `${t.label}(${list})`;
  if (t.kind === 'get') return `${t.label} with this = ${self[0]}`;
  return `${t.label}(${list}) with this = ${self[0]}`;
}

async function main(): Promise<void> {
  // tsx's loader opens a socket at start-up and closes it once the loop turns.
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
  progressFd = fs.openSync(path.join(dir!, 'progress'), 'w');
  const rng = new Rng(SEED);
  const all = targets();
  const started = Date.now();
  let thisToClose: Sock | null = null;
  let views: ArrayBufferView[] = [];
  let mutateRng = new Rng(0);

  const fileFd = fs.openSync(path.join(dir!, 'file'), 'w+');
  fs.writeSync(fileFd, 'file data\n'.repeat(100));
  let batchStart = counted(fdNames());
  const hints = new Map<string, Gen[]>();
  const hinted = (name: string): Gen[] => {
    let h = hints.get(name);
    if (h === undefined) hints.set(name, (h = hintGens(name, constants)));
    return h;
  };
  const ctx: CallCtx = {
    dir: dir!,
    fileFd,
    tag: String(process.pid),
    netns: NETNS,
    get views() {
      return views;
    },
    mutateViews() {
      for (const v of views) mutateView(v, mutateRng);
    },
    closeThis() {
      thisToClose?.close();
    },
    poolObject(r) {
      const e = r.pick(pool);
      return [`pool ${e.label}`, e.value];
    },
    poolAddress(r) {
      const withAddress = pool.filter((e) => e.address !== undefined);
      const e = r.pick(withAddress);
      return [`the address of pool ${e.label}`, structuredClone(e.address)];
    },
    poolFd(r) {
      const withFd = pool.filter((e) => e.fd !== undefined);
      const e = r.pick(withFd);
      return [`the fd of pool ${e.label}`, e.fd];
    },
  };

  let gens: Array<[number, Gen]> = [];
  let total = 0;
  let index = 0;
  for (let batch = 0; index < CALLS; batch++) {
    const batchFirst = index;
    makePool(batch);
    gens = valueGens(ctx, constants);
    total = gens.reduce((s, [w]) => s + w, 0);
    const nestedList = gens.map(([, g]) => g);
    for (let k = 0; k < BATCH && index < CALLS; k++, index++) {
      normalize(rng);
      const t = rng.pick(all);
      views = [];
      mutateRng = new Rng(rng.u32());
      setNested(rng.u32(), nestedList);
      // The receiver: a pool object of the class, or one time in six a foreign one.
      let self: Drawn = ['undefined', undefined];
      let foreign = false;
      if (t.cls !== undefined) {
        const proper = pool.filter((e) => e.value instanceof (t.cls as new () => unknown));
        if (proper.length > 0 && !rng.chance(1 / 6)) {
          const e = rng.pick(proper);
          self = [`pool ${e.label}`, e.value];
        } else {
          // Foreign: not an instance, or a Proxy of one (its private fields are not there).
          foreign = true;
          const className = t.label.replace(/^(get|set) /, '').split('.')[0]!;
          self = rng.pick<() => Drawn>([
            () => ['undefined', undefined],
            () => ['null', null],
            () => ['{}', {}],
            () => ['42', 42],
            () => [`Object.create(${className}.prototype)`, Object.create((t.cls as { prototype: object }).prototype) as object],
            () => {
              const others = pool.filter((e) => !(e.value instanceof (t.cls as new () => unknown)));
              const e = rng.pick(others.length > 0 ? others : pool);
              return [`pool ${e.label}`, e.value];
            },
            () => {
              const e = rng.pick(pool);
              return [`Proxy(pool ${e.label})`, new Proxy(e.value, {})];
            },
          ])();
        }
      }
      thisToClose = self[1] instanceof Socket ? (self[1] as Sock) : null;
      const n = t.kind === 'get' ? 0 : t.kind === 'set' ? 1 : rng.int(Math.min(8, Math.max(t.params.length, t.arity, 2) + 2));
      const args: Drawn[] = [];
      for (let i = 0; i < n; i++) {
        // A value that suits the parameter's name, often enough to get past
        // the first checks; otherwise anything.
        const h = hinted(t.params[i] ?? '');
        args.push((h.length > 0 && rng.chance(0.6) ? rng.pick(h) : pickWeighted(rng, gens, total)).draw(ctx));
      }
      const mutateAfter = rng.chance(0.3);
      const inject = INJECT[index - 5];
      const label = inject !== undefined ? `inject:${inject}` : t.label;
      if (inject !== undefined) foreign = false;
      const call = inject !== undefined ? `inject:${inject}()` : describeCall(t, self, args);
      current.index = index;
      current.target = label;
      current.call = call;
      callsHash = fnv(callsHash, call);
      heartbeat(index, call);

      const busy = resolverBusy();
      const before = fdNames();
      let result: unknown;
      let threw = false;
      try {
        const values = args.map((a) => a[1]) as never[];
        if (inject !== undefined) result = injected[inject]!();
        else if (t.kind === 'construct') result = Reflect.construct(t.fn, values);
        else if (t.kind === 'call') result = (t.fn as (...a: unknown[]) => unknown)(...values);
        else result = Reflect.apply(t.fn, self[1], values);
      } catch (err) {
        threw = true;
        const bad = judge(err);
        if (bad !== null) record(bad[0], label, bad[1], index, call, foreign ? foreignGroup(t) : undefined);
      }
      if (!threw) {
        if (result instanceof Promise) {
          if (mutateAfter) ctx.mutateViews();
          const i = index;
          const entry = { index: i, target: label, call, settled: false, promise: Promise.resolve() };
          entry.promise = result.then(
            (v: unknown) => {
              entry.settled = true;
              release(v, label);
            },
            (err: unknown) => {
              entry.settled = true;
              const bad = judge(err);
              if (bad !== null) record(bad[0], label, bad[1], i, call, foreign ? foreignGroup(t) : undefined);
            },
          );
          pending.push(entry);
        } else {
          try {
            release(result, label);
          } catch (err) {
            record('other-error', label, `releasing its result threw: ${inspect(err).slice(0, 300)}`, index, call);
          }
        }
      }
      // Fds: a new socket or epoll fd now is one that nothing owns (an async
      // call's are checked at the batch's end, once everything settled).
      const after = fdNames();
      // Not while a lookup runs on the thread pool: its fds come and go.
      if (!(result instanceof Promise) && !busy && !resolverBusy()) {
        for (const [fd, target] of counted([...after].filter((f) => !before.has(f)))) {
          if (leakedFds.has(`${fd} ${target}`)) continue;
          leakedFds.add(`${fd} ${target}`);
          record('fd-leak', label, `fd ${fd} -> ${target.replace(/\d+/g, 'N')} left open`, index, call);
        }
      }
      for (const fd of before) {
        if (after.has(fd) || ownFds.has(fd)) continue;
        const gone = batchStart.get(fd);
        if (gone !== undefined && !gone.startsWith('socket:') && gone !== 'anon_inode:[eventpoll]') {
          record('fd-closed', label, `closed fd ${fd} -> ${gone}`, index, call);
        }
      }
      // Handed-out sockets got fds of their own: closing those later is fine.
      for (const fd of after) if (!before.has(fd)) ownFds.add(fd);
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    await endBatch(index);
    const now = counted(fdNames());
    for (const [fd, target] of now) {
      if (batchStart.get(fd) === target || leakedFds.has(`${fd} ${target}`)) continue;
      leakedFds.add(`${fd} ${target}`);
      record('fd-leak', '(batch)', `fd ${fd} -> ${target.replace(/\d+/g, 'N')} open after the batch closed everything`, index, `calls ${batchFirst}..${index - 1} of seed ${SEED}`);
    }
    batchStart = now;
    ownFds.clear();
  }
  fs.closeSync(progressFd);
  fs.closeSync(fileFd);
  const report = {
    seed: SEED,
    calls: index,
    netns: NETNS,
    uid: process.getuid?.() ?? -1,
    ms: Date.now() - started,
    callsHash: callsHash.toString(16),
    targets: all.map((t) => t.label),
    counts,
    findings: [...findings.values()],
  };
  fs.writeFileSync(path.join(dir!, 'report.json'), JSON.stringify(report));
  fs.closeSync(findingsFd);
}

/** Closes the pool, then waits (5 s at most) for every promise and Node handle. */
async function endBatch(index: number): Promise<void> {
  closePool();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, 5000);
  });
  const calls = pending.splice(0);
  const closes = closing.splice(0);
  const handles = closes.map((c) => {
    const h = { closed: false };
    void c.then(() => (h.closed = true));
    return h;
  });
  await Promise.race([Promise.all([...calls.map((p) => p.promise), ...closes]), deadline]);
  clearTimeout(timer);
  for (const p of calls) {
    if (!p.settled) record('hung-promise', p.target, 'still pending 5 s after every socket was closed', p.index, p.call);
  }
  if (handles.some((h) => !h.closed)) record('hung-promise', '(Node handle)', "a net handle never emitted 'close'", index, '');
  // Dropped sockets: their finalizers run (and warn) now.
  global.gc?.();
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

void main().catch((err: unknown) => {
  process.stderr.write(`fuzz child: ${inspect(err)}\n`);
  process.exitCode = 70;
});
