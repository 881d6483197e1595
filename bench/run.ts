// `npm run bench [-- --quick] [-- --rounds N]
//                [-- --only pingpong,bulk,dgram,echo,bulk-recv,dgram-recvfrom,
//                           batch64,batch1200,gso64,gso1200,micro,overhead]
//                [-- --ffi-node <path>] [-- --publish [--force]]`
// `npx tsx bench/run.ts --check-host | --table <json> | --replot <json> [--publish [--force]]`
//
// Runs every workload over every transport with every implementation — C
// (the reference), bsdsock sync, bsdsock async, Node's net/dgram, CPython's
// socket module, and the Node-API floor (impl/bsdsock-floor.ts: the least
// any event-loop code in Node can do, which tells what async targets are
// reachable at all) — each as a client and a server in two processes
// speaking the protocol of bench/c/bench.c. The echo, bulk-recv and
// dgram-recvfrom workloads are the Python-shaped ones: what users write
// when they port the classic exercises (recv(1024) and sendall of the
// upper-cased data, recv(65536) returning bytes, recvfrom(65536) returning
// the data and the address). Then two measures in one process: `micro`,
// recv(n) for n = 64, 1 KiB and 64 KiB with 64 bytes arriving (and
// recvfrom over UDP), and `overhead`, the cost of a binding call, with
// Node 26's node:ffi as a peer when a Node with it is found (--ffi-node
// <path> or BENCH_FFI_NODE). Instruction counts, which a noisy host does not
// change, are bench/instructions.ts's (`npm run bench:instructions`). Method:
//
//   * client and server are pinned to the same CPU with taskset when it is
//     there: on a small VM a wake-up across CPUs costs ~30 µs and would hide
//     every difference between implementations;
//   * one warm-up run per implementation and case, not counted (skipped by
//     --quick, one round, whose numbers are not for reading anyway);
//   * implementations interleaved (A B C A B C ...) for every round, so that
//     drift in the machine's speed hits all of them alike;
//   * medians with min-max, and every result as a ratio to C's median in the
//     same run;
//   * a check of the host: C's one-cycle loop (bench spin) on the benchmark
//     CPU before every round and at the end. A VM may get only part of a CPU,
//     or get it unevenly, with no steal time reported; then the ratios are
//     unreliable, and --publish leaves docs/ alone unless --force is given.
//
// Output: a table on stdout, bench/results/<timestamp>.json (every run) and
// latest.json, an SVG chart of the ratios (bench/results/latest.svg;
// `--publish` also copies chart and JSON to docs/ for the README), and the
// README's table of ratios in Markdown (bench/results/latest.md).

import { spawn, type ChildProcess } from 'node:child_process';
import fs = require('node:fs');
import os = require('node:os');
import path = require('node:path');
import readline = require('node:readline');

import { CC, ROOT, buildC, commitOf, commandLine, ffiNode, flag, has, option, usageIn, version } from './tools';

commandLine(['quick', 'publish', 'force', 'check-host'], ['rounds', 'only', 'ffi-node', 'table', 'replot'], usageIn(__filename, 5));

const QUICK = flag('quick');
// --quick makes one round of short runs: starting two processes per run
// (about 0.25 s for Node here, 0.55 s on a slow day) is most of its time.
const ROUNDS = Number(option('rounds') ?? (QUICK ? 1 : 5));
const MEASURES = ['pingpong', 'bulk', 'dgram', 'echo', 'bulk-recv', 'dgram-recvfrom', 'batch64', 'batch1200', 'gso64', 'gso1200', 'micro', 'overhead'];
const ONLY = (option('only') ?? MEASURES.join(',')).split(',');
for (const name of ONLY) if (!MEASURES.includes(name)) throw new Error(`--only: no ${name} (${MEASURES.join(', ')})`);

/**
 * The workloads (bench/c/bench.c). echo, bulk-recv and dgram-recvfrom are the
 * Python-shaped ones; bulk-recv and dgram-recvfrom are bulk and dgram on
 * the wire, with servers that receive into fresh bytes.
 */
type Workload = 'pingpong' | 'bulk' | 'dgram' | 'echo' | 'bulk-recv' | 'dgram-recvfrom' | BatchWorkload;
// Batched datagrams (issue 21; bench/c/bench.c describes them): 64 datagrams
// per syscall, of 64 or 1,200 bytes; gso64 and gso1200 send UDP GSO buffers
// to a receiver with UDP_GRO on, where the implementation has them.
type BatchWorkload = 'batch64' | 'batch1200' | 'gso64' | 'gso1200';
interface Case {
  workload: Workload;
  transport: 'tcp' | 'udp' | 'unix';
  count: number;
}

const PINGPONGS = QUICK ? 4_000 : 100_000;
const BULK_BYTES = QUICK ? 64 << 20 : 1 << 30;
const DATAGRAMS = QUICK ? 20_000 : 500_000;
const BATCH_DATAGRAMS = QUICK ? 20_000 : 1_000_000;
const CASES: Case[] = [
  { workload: 'pingpong', transport: 'tcp', count: PINGPONGS },
  { workload: 'pingpong', transport: 'unix', count: PINGPONGS },
  { workload: 'bulk', transport: 'tcp', count: BULK_BYTES },
  { workload: 'bulk', transport: 'unix', count: BULK_BYTES },
  { workload: 'dgram', transport: 'udp', count: DATAGRAMS },
  { workload: 'dgram', transport: 'unix', count: DATAGRAMS },
  { workload: 'echo', transport: 'tcp', count: PINGPONGS },
  { workload: 'echo', transport: 'unix', count: PINGPONGS },
  { workload: 'bulk-recv', transport: 'tcp', count: BULK_BYTES },
  { workload: 'bulk-recv', transport: 'unix', count: BULK_BYTES },
  { workload: 'dgram-recvfrom', transport: 'udp', count: DATAGRAMS },
  { workload: 'dgram-recvfrom', transport: 'unix', count: DATAGRAMS },
  { workload: 'batch64', transport: 'udp', count: BATCH_DATAGRAMS },
  { workload: 'batch64', transport: 'unix', count: BATCH_DATAGRAMS },
  { workload: 'batch1200', transport: 'udp', count: BATCH_DATAGRAMS },
  { workload: 'batch1200', transport: 'unix', count: BATCH_DATAGRAMS },
  { workload: 'gso64', transport: 'udp', count: BATCH_DATAGRAMS },
  { workload: 'gso1200', transport: 'udp', count: BATCH_DATAGRAMS },
].filter((c) => ONLY.includes(c.workload)) as Case[];

/** Round trips one at a time: their time per round trip is reported too. */
const isRoundTrips = (w: string) => w === 'pingpong' || w === 'echo';
const isBulk = (w: string) => w === 'bulk' || w === 'bulk-recv';

// ---- the machine -------------------------------------------------------------

const CPUS = os.cpus();
const PIN_CPU = CPUS.length - 1;
const PINNED = process.platform === 'linux' && has('taskset', ['-c', String(PIN_CPU), 'true']);
const PYTHON = has('python3') ? 'python3' : null;
// Bun, from the npm package `bun` (a devDependency), else from the PATH.
const BUN = [path.join(ROOT, 'node_modules', '.bin', 'bun'), 'bun'].find((b) => has(b)) ?? null;

interface Impl {
  name: string;
  label: string;
  cmd: string[];
}

function implementations(): Impl[] {
  const tsx = (file: string) => [process.execPath, '--require', 'tsx/cjs', path.join(ROOT, 'bench', 'impl', file)];
  const list: Impl[] = [];
  const c = buildC();
  if (c !== null) list.push({ name: 'c', label: 'C', cmd: [c] });
  list.push({ name: 'sync', label: 'bsdsock sync', cmd: tsx('bsdsock-sync.ts') });
  list.push({ name: 'async', label: 'bsdsock async', cmd: tsx('bsdsock-async.ts') });
  list.push({ name: 'node', label: 'Node net/dgram', cmd: tsx('node-net.ts') });
  list.push({ name: 'floor', label: 'Node-API floor', cmd: tsx('bsdsock-floor.ts') });
  // bulk-recv only (the others decline).
  list.push({ name: 'fresh', label: 'a new Buffer per read (no pool)', cmd: tsx('bsdsock-fresh.ts') });
  if (PYTHON !== null) list.push({ name: 'python', label: 'CPython socket', cmd: [PYTHON, path.join(ROOT, 'bench', 'impl', 'python.py')] });
  // The batch workloads only (the others decline them with an unsupported line).
  list.push({ name: 'single', label: 'bsdsock, one datagram per call', cmd: tsx('bsdsock-single.ts') });
  if (BUN !== null) list.push({ name: 'bun', label: 'Bun udpSocket.sendMany', cmd: [BUN, path.join(ROOT, 'bench', 'impl', 'bun-udp.ts')] });
  return list;
}

// ---- the host ------------------------------------------------------------------

const SPIN_COUNT = QUICK ? 100_000_000 : 300_000_000;

/**
 * The benchmark CPU's clock in MHz when it is fixed, as on a VM's vCPU; 0
 * (unknown) on Linux when the CPU scales its frequency (it has a cpufreq
 * directory: the clock /proc/cpuinfo shows is only the current one), and
 * off Linux. Only /proc/cpuinfo is read: libuv reports 0 MHz on such VMs.
 */
function fixedMhz(): number {
  if (process.platform !== 'linux' || fs.existsSync(`/sys/devices/system/cpu/cpu${PIN_CPU}/cpufreq`)) return 0;
  try {
    for (const block of fs.readFileSync('/proc/cpuinfo', 'utf8').split(/\n\s*\n/)) {
      if (Number(/^processor\s*:\s*(\d+)/m.exec(block)?.[1]) !== PIN_CPU) continue;
      const mhz = Number(/^cpu MHz\s*:\s*([\d.]+)/m.exec(block)?.[1]);
      return Number.isFinite(mhz) ? Math.round(mhz) : 0;
    }
  } catch {
    // no /proc/cpuinfo: unknown
  }
  return 0;
}
const MHZ = fixedMhz();

/** Seconds C's one-cycle loop took for SPIN_COUNT iterations on the benchmark CPU. */
async function spinOnce(cBin: string): Promise<number> {
  const child = start([cBin, 'spin', String(SPIN_COUNT)]);
  const line = await firstLine(child, 'C spin', 120_000);
  await succeeded(child, 'C spin');
  return (JSON.parse(line) as { seconds: number }).seconds;
}

interface HostCheck {
  spinCount: number;
  /** The pinned CPU's fixed clock, from /proc/cpuinfo (0: unknown or not fixed). */
  mhz: number;
  spinSeconds: number[];
}

/**
 * Cycles per iteration of the loop at the CPU's fixed clock: about 1 on a CPU
 * of one's own (less with a turbo clock), 3 when the VM gets a third of one.
 */
function cycles(host: HostCheck, seconds: number): number {
  return (seconds * host.mhz * 1e6) / host.spinCount;
}

/**
 * The checks that judge the host: not the first (cold caches, a clock
 * still rising) when at least two others remain, and with five or more
 * left, not the fastest and the slowest either, as one bad round does not
 * move a median of rounds. (--quick makes two checks: both count.)
 */
function judged(host: HostCheck): number[] {
  const xs = host.spinSeconds.length >= 3 ? host.spinSeconds.slice(1) : [...host.spinSeconds];
  return xs.length >= 5 ? [...xs].sort((a, b) => a - b).slice(1, -1) : xs;
}

/** Why the run's ratios are unreliable, or null when the CPU held steady. */
function unsteady(host: HostCheck): string | null {
  const xs = judged(host);
  if (xs.length === 0) return null;
  const why: string[] = [];
  const range = Math.max(...xs) / Math.min(...xs);
  if (range > 1.25) why.push(`the CPU's speed varied by a factor of ${range.toFixed(2)} during the run`);
  const c = host.mhz > 0 ? cycles(host, median(xs)) : 0;
  if (c > 1.5) why.push(`the benchmark CPU ran a one-cycle loop at ${c.toFixed(2)} cycles per iteration: the VM got about ${Math.round(100 / c)}% of it`);
  return why.length === 0 ? null : why.join('; ');
}

/** Prints the host check's line; returns what makes the host unsteady, or null. */
function reportHost(host: HostCheck): string | null {
  const judgedChecks = judged(host);
  if (judgedChecks.length > 0) {
    const s = spread(judgedChecks)!;
    const perIteration = host.mhz > 0 ? `; ${cycles(host, s.median).toFixed(2)} (${cycles(host, s.min).toFixed(2)}-${cycles(host, s.max).toFixed(2)}) cycles per iteration at the CPU's fixed ${host.mhz} MHz` : '';
    process.stdout.write(
      `\nhost check: C's one-cycle loop took ${(s.median * 1e3).toFixed(0)} ms (${(s.min * 1e3).toFixed(0)}-${(s.max * 1e3).toFixed(0)}), judged on ${judgedChecks.length} of ${host.spinSeconds.length} checks${perIteration}\n`,
    );
  }
  return unsteady(host);
}

/**
 * `--check-host`: only the host check, eight times over about a second at
 * full speed, before spending ten minutes on a run. Exits 0 when the host
 * is steady, 3 when it is not, 2 without a C compiler.
 */
async function checkHostOnly(): Promise<void> {
  const cBin = buildC();
  if (cBin === null) {
    process.stdout.write('no C compiler: no host check\n');
    process.exitCode = 2;
    return;
  }
  const host: HostCheck = { spinCount: SPIN_COUNT, mhz: MHZ, spinSeconds: [] };
  for (let i = 0; i < 8; i++) host.spinSeconds.push(await spinOnce(cBin));
  const problem = reportHost(host);
  process.stdout.write(problem === null ? 'host steady: fit for a published run\n' : `WARNING: ${problem}.\n`);
  process.exitCode = problem === null ? 0 : 3;
}

// ---- one run -------------------------------------------------------------------

interface Result {
  ops: number;
  bytes: number;
  seconds: number;
  lost: number;
}

function pin(cmd: string[]): string[] {
  return PINNED ? ['taskset', '-c', String(PIN_CPU), ...cmd] : cmd;
}

function start(cmd: string[]): ChildProcess {
  const [file, ...args] = pin(cmd);
  return spawn(file!, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: ROOT });
}

function firstLine(child: ChildProcess, what: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const rl = readline.createInterface({ input: child.stdout! });
    const timer = setTimeout(() => reject(new Error(`${what}: no output after ${timeoutMs} ms`)), timeoutMs);
    rl.once('line', (line) => {
      clearTimeout(timer);
      resolve(line);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code}) without output: ${stderr.trim()}`));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Waits for `child` to end and fails unless it ended well (exit code 0). */
async function succeeded(child: ChildProcess, what: string): Promise<void> {
  await exited(child);
  if (child.exitCode !== 0) throw new Error(`${what} ended with ${child.exitCode ?? child.signalCode}`);
}

async function runOnce(impl: Impl, c: Case): Promise<Result | 'unsupported'> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsdsock-bench-'));
  const sockPath = path.join(dir, 's');
  const server = start([...impl.cmd, 'server', c.workload, c.transport, sockPath]);
  const timeout = QUICK ? 60_000 : 180_000;
  let client: ChildProcess | null = null;
  try {
    const ready = await firstLine(server, `${impl.name} server`, 30_000);
    if (ready.startsWith('{')) return 'unsupported';
    const where = ready.replace(/^ready /, '');
    client = start([...impl.cmd, 'client', c.workload, c.transport, where, String(c.count)]);
    const line = await firstLine(client, `${impl.name} client`, timeout);
    const parsed = JSON.parse(line) as Result | { unsupported: string };
    if ('unsupported' in parsed) return 'unsupported';
    await Promise.all([succeeded(client, `${impl.name} client`), succeeded(server, `${impl.name} server`)]);
    return parsed;
  } finally {
    // End only what this run started, by PID.
    for (const p of [client, server]) if (p && p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    await Promise.all([client, server].map((p) => (p ? exited(p) : undefined)));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// ---- measures -------------------------------------------------------------------

/** The number a case is judged by: higher is better. */
function metric(c: Case, r: Result): number {
  return isBulk(c.workload) ? r.bytes / r.seconds / 1e9 : r.ops / r.seconds;
}

function unit(c: Case): string {
  return isBulk(c.workload) ? 'GB/s' : isRoundTrips(c.workload) ? 'round trips/s' : 'messages/s';
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function fmt(x: number): string {
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)}M`;
  if (x >= 1e4) return `${(x / 1e3).toFixed(1)}k`;
  if (x >= 100) return x.toFixed(0);
  return x.toFixed(x >= 10 ? 1 : 3);
}

interface Summary {
  case: string;
  unit: string;
  impl: string;
  median: number;
  min: number;
  max: number;
  ratioToC: number | null;
  usPerOp?: number;
  lost?: number;
}

// ---- overhead -----------------------------------------------------------------

interface Overhead {
  impl: string;
  getsockopt: number;
  recvWouldBlock: number;
  /** C only: the same loops with a second (idle) thread in the process, as Node always has. */
  getsockoptThreaded?: number;
  recvWouldBlockThreaded?: number;
}

/**
 * Node's node:ffi calling libc directly (impl/node-ffi.mjs), a peer in the
 * overhead comparison, when a Node with it is found; else null, and why is
 * printed.
 */
function ffiImpl(): Impl | null {
  const ffi = ffiNode(option('ffi-node'));
  if ('why' in ffi) {
    process.stdout.write(`node:ffi: skipped: ${ffi.why}\n`);
    return null;
  }
  return { name: 'ffi', label: `node:ffi (Node ${ffi.version})`, cmd: [...ffi.cmd, path.join(ROOT, 'bench', 'impl', 'node-ffi.mjs')] };
}

async function overheadRuns(impls: Impl[]): Promise<Overhead[]> {
  const n = QUICK ? 200_000 : 2_000_000;
  const out: Overhead[] = [];
  const which = impls.filter((i) => i.name === 'c' || i.name === 'sync' || i.name === 'floor' || i.name === 'ffi');
  for (let round = 0; round < ROUNDS + 1; round++) {
    for (const impl of which) {
      const child = start([...impl.cmd, 'overhead', String(n)]);
      const line = await firstLine(child, `${impl.name} overhead`, 60_000);
      await succeeded(child, `${impl.name} overhead`);
      if (round > 0) out.push({ impl: impl.name, ...(JSON.parse(line) as Omit<Overhead, 'impl'>) });
    }
  }
  return out;
}

interface Spread {
  median: number;
  min: number;
  max: number;
}

function spread(xs: number[]): Spread | null {
  return xs.length === 0 ? null : { median: median(xs), min: Math.min(...xs), max: Math.max(...xs) };
}

/**
 * One overhead loop over the rounds (null: not measured): C, C with a second
 * thread, bsdsock sync, the floor (the raw Node-API call the method makes)
 * and node:ffi calling libc.
 */
function overheadOf(
  runs: Overhead[],
  key: 'getsockopt' | 'recvWouldBlock',
): { c: Spread | null; cThreaded: Spread | null; sync: Spread | null; floor: Spread | null; ffi: Spread | null } {
  const c = runs.filter((o) => o.impl === 'c');
  return {
    c: spread(c.map((o) => o[key])),
    cThreaded: spread(c.flatMap((o) => o[`${key}Threaded`] ?? [])),
    sync: spread(runs.filter((o) => o.impl === 'sync').map((o) => o[key])),
    floor: spread(runs.filter((o) => o.impl === 'floor').map((o) => o[key])),
    ffi: spread(runs.filter((o) => o.impl === 'ffi').map((o) => o[key])),
  };
}

/** `457.0 (440.1-470.2)` */
function nsSpread(x: Spread): string {
  return `${x.median.toFixed(1)} (${x.min.toFixed(1)}-${x.max.toFixed(1)})`;
}

// ---- recv(n) in one process --------------------------------------------------------

/** One process's micro line (impl/*'s micro mode): ns per iteration of each loop. */
interface Micro {
  impl: string;
  ns: Record<string, number>;
}

/**
 * The microbenchmark's columns: which process's line, and the keys of its
 * receive calls. recvInto (the primitive) comes from the sync process.
 */
const MICRO_COLUMNS = [
  { label: 'C', impl: 'c', recv: 'recv', recvfrom: 'recvfrom' },
  { label: 'bsdsock recv', impl: 'sync', recv: 'recv', recvfrom: 'recvfrom' },
  { label: 'bsdsock await recvAsync', impl: 'async', recv: 'recv', recvfrom: 'recvfrom' },
  { label: 'bsdsock recvInto', impl: 'sync', recv: 'recvInto', recvfrom: 'recvfromInto' },
  { label: 'CPython recv', impl: 'python', recv: 'recv', recvfrom: 'recvfrom' },
] as const;
type MicroColumn = (typeof MICRO_COLUMNS)[number];

const MICRO_ROWS: Array<['recv' | 'recvfrom', number]> = [
  ['recv', 64],
  ['recv', 1024],
  ['recv', 65536],
  ['recvfrom', 64],
  ['recvfrom', 65536],
];

/**
 * `micro`: each implementation's micro mode, ROUNDS rounds interleaved
 * after one untimed round, as the overhead loops run.
 */
async function microRuns(impls: Impl[]): Promise<Micro[]> {
  const n = QUICK ? 10_000 : 100_000;
  const out: Micro[] = [];
  const which = impls.filter((i) => ['c', 'sync', 'async', 'python'].includes(i.name));
  process.stdout.write(QUICK ? 'micro: round' : 'micro: warm-up, round');
  for (let round = QUICK ? 1 : 0; round <= ROUNDS; round++) {
    for (const impl of which) {
      const child = start([...impl.cmd, 'micro', String(n)]);
      const line = await firstLine(child, `${impl.name} micro`, 120_000);
      await succeeded(child, `${impl.name} micro`);
      if (round > 0) out.push({ impl: impl.name, ns: JSON.parse(line) as Record<string, number> });
    }
    if (round > 0) process.stdout.write(` ${round}`);
  }
  process.stdout.write('\n');
  return out;
}

/** A column's ns per iteration for `call` (recv, recvfrom) of up to `n` bytes, over the rounds. */
function microOf(micro: Micro[], col: MicroColumn, call: 'recv' | 'recvfrom', n: number): Spread | null {
  return spread(micro.filter((m) => m.impl === col.impl).flatMap((m) => m.ns[`${col[call]}${n}`] ?? []));
}

/** recv(65536) / recv(64) (or recvfrom's) of a column's medians, null when not measured. */
function microRatio(micro: Micro[], col: MicroColumn, call: 'recv' | 'recvfrom'): number | null {
  const [small, large] = [microOf(micro, col, call, 64), microOf(micro, col, call, 65536)];
  return small === null || large === null ? null : large.median / small.median;
}

/** The microbenchmark as rows of cells: a header, one row per call and size, the two ratios. */
function microCells(micro: Micro[], cell: (x: Spread) => string): string[][] {
  const cols = MICRO_COLUMNS.filter((col) => micro.some((m) => m.impl === col.impl));
  const rows = [['ns per send + receive, 64 bytes arriving', ...cols.map((c) => c.label)]];
  for (const [call, n] of MICRO_ROWS) {
    rows.push([`${call}(${n})`, ...cols.map((col) => {
      const x = microOf(micro, col, call, n);
      return x === null ? '-' : cell(x);
    })]);
  }
  for (const call of ['recv', 'recvfrom'] as const) {
    rows.push([`${call}(65536) / ${call}(64)`, ...cols.map((col) => microRatio(micro, col, call)?.toFixed(2) ?? '-')]);
  }
  return rows;
}

/** The targets of the microbenchmark (issue 16): a large bufsize costs no more when 64 bytes arrive. */
function microVerdicts(micro: Micro[]): Verdict[] {
  const out: Verdict[] = [];
  for (const call of ['recv', 'recvfrom'] as const) {
    for (const col of MICRO_COLUMNS.filter((c) => c.impl === 'sync' || c.impl === 'async').filter((c) => c.recv === 'recv')) {
      const ratio = microRatio(micro, col, call);
      if (ratio === null) continue;
      out.push({ what: `${call}(65536) / ${call}(64) per iteration, 64 bytes arriving`, case: 'micro', impl: col.impl, against: 'itself', ratio, target: '<= 1.1', met: ratio <= 1.1 });
    }
  }
  return out;
}

/** The microbenchmark's Markdown table (in bench/results/latest.md, after the README's table). */
function microMarkdown(micro: Micro[]): string {
  const rows = microCells(micro, (x) => x.median.toFixed(0));
  const [head, ...body] = rows;
  return [`| ${head!.join(' | ')} |`, `|---|${head!.slice(1).map(() => '---:').join('|')}|`, ...body.map((r) => `| ${r.join(' | ')} |`)].join('\n') + '\n';
}

// ---- the chart ------------------------------------------------------------------

function escape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Breaks `text` at ' · ' separators into lines of at most `width` characters. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const part of text.split(' · ')) {
    const last = lines[lines.length - 1];
    if (last !== undefined && last.length + 3 + part.length <= width) lines[lines.length - 1] = `${last} · ${part}`;
    else lines.push(part);
  }
  return lines;
}

function chart(summaries: Summary[], caption: string): string {
  const cases = [...new Set(summaries.map((s) => s.case))];
  const impls = ['sync', 'async', 'node', 'floor', 'python'];
  const colors: Record<string, string> = { sync: '#1f77b4', async: '#2ca02c', node: '#ff7f0e', floor: '#aaaaaa', python: '#9467bd' };
  const labels: Record<string, string> = {
    sync: 'bsdsock sync',
    async: 'bsdsock async',
    node: 'Node net/dgram',
    floor: 'Node-API floor (bare callbacks)',
    python: 'CPython socket',
  };
  const barH = 14;
  const groupH = impls.length * barH + 18;
  const left = 150;
  const width = 760;
  const plotW = width - left - 70;
  const captionLines = wrap(caption, 95);
  const top = 58 + 15 * captionLines.length;
  const height = top + cases.length * groupH + 50;
  const maxRatio = Math.max(1.2, ...summaries.map((s) => s.ratioToC ?? 0));
  const x = (r: number) => left + (r / maxRatio) * plotW;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="20" font-size="15" font-weight="bold">bsdsock benchmarks: throughput as a ratio to C (higher is better)</text>`,
    ...captionLines.map((line, i) => `<text x="10" y="${40 + 15 * i}" fill="#555">${escape(line)}</text>`),
  ];
  for (let t = 0; t <= maxRatio + 1e-9; t += 0.25) {
    parts.push(`<line x1="${x(t)}" y1="${top - 6}" x2="${x(t)}" y2="${height - 40}" stroke="${t === 1 ? '#000' : '#ddd'}"/>`);
    parts.push(`<text x="${x(t)}" y="${height - 26}" text-anchor="middle" fill="#555">${t.toFixed(2)}</text>`);
  }
  parts.push(`<text x="${x(1)}" y="${top - 10}" text-anchor="middle">C = 1</text>`);
  cases.forEach((name, ci) => {
    const y0 = top + ci * groupH;
    parts.push(`<text x="${left - 8}" y="${y0 + (impls.length * barH) / 2 + 4}" text-anchor="end">${escape(name)}</text>`);
    impls.forEach((impl, ii) => {
      const s = summaries.find((q) => q.case === name && q.impl === impl);
      const y = y0 + ii * barH;
      if (!s || s.ratioToC === null) {
        if (impl !== 'floor') parts.push(`<text x="${left + 4}" y="${y + barH - 3}" fill="#999">${labels[impl]}: n/a</text>`);
        return;
      }
      parts.push(`<rect x="${left}" y="${y}" width="${x(s.ratioToC) - left}" height="${barH - 2}" fill="${colors[impl]}"/>`);
      parts.push(`<text x="${x(s.ratioToC) + 4}" y="${y + barH - 3}">${s.ratioToC.toFixed(2)}</text>`);
    });
  });
  const ly = height - 10;
  let lx = 10;
  for (const impl of impls) {
    parts.push(`<rect x="${lx}" y="${ly - 10}" width="12" height="10" fill="${colors[impl]}"/>`);
    parts.push(`<text x="${lx + 16}" y="${ly}">${labels[impl]}</text>`);
    lx += 16 + 7 * labels[impl]!.length + 14;
  }
  parts.push('</svg>');
  return parts.join('\n');
}

// ---- targets ---------------------------------------------------------------------

interface Target {
  what: string;
  impl: string;
  cases: string[];
  against: 'c' | 'node' | 'python' | 'bun' | 'single';
  /** The case `against` is measured in, when not the same one. */
  againstCase?: string;
  min: number;
  /** Another implementation whose ratio is printed beside, with no target of its own. */
  beside?: string;
  /**
   * The implementation that bounds what `impl` could reach, printed beside
   * a miss: the Node-API floor for the async targets (the default), a new
   * Buffer per read for those of `recv(65536)`.
   */
  bound?: string;
}

const TARGETS: Target[] = [
  { what: 'sync ping-pong', impl: 'sync', cases: ['pingpong tcp', 'pingpong unix'], against: 'c', min: 0.9 },
  { what: 'sync bulk', impl: 'sync', cases: ['bulk tcp', 'bulk unix'], against: 'c', min: 0.95 },
  { what: 'sync datagram rate', impl: 'sync', cases: ['dgram udp', 'dgram unix'], against: 'c', min: 0.9 },
  { what: 'async ping-pong', impl: 'async', cases: ['pingpong tcp', 'pingpong unix'], against: 'node', min: 1.5 },
  { what: 'async bulk', impl: 'async', cases: ['bulk tcp', 'bulk unix'], against: 'node', min: 2 },
  { what: 'async datagram rate', impl: 'async', cases: ['dgram udp'], against: 'node', min: 2 },
  // Issue 16: the Python-shaped workloads against the same programs in CPython.
  { what: 'Python-shaped echo', impl: 'sync', cases: ['echo tcp', 'echo unix'], against: 'python', min: 1.15, beside: 'async' },
  { what: 'Python-shaped bulk, recv(65536)', impl: 'sync', cases: ['bulk-recv tcp', 'bulk-recv unix'], against: 'python', min: 1.0, beside: 'async', bound: 'fresh' },
  { what: 'Python-shaped bulk, recv(65536)', impl: 'sync', cases: ['bulk-recv tcp', 'bulk-recv unix'], against: 'c', min: 0.9, beside: 'async', bound: 'fresh' },
  { what: 'UDP recvfrom(65536) rate', impl: 'sync', cases: ['dgram-recvfrom udp'], against: 'python', min: 1.15, beside: 'async' },
  // Batched datagrams (issue 21).
  { what: 'async batched datagram rate, 64 B', impl: 'async', cases: ['batch64 udp'], against: 'node', min: 2 },
  { what: 'async batched datagram rate, 64 B', impl: 'async', cases: ['batch64 udp'], against: 'bun', min: 1 },
  { what: 'async batched datagram rate, 64 B, with GSO', impl: 'async', cases: ['gso64 udp'], against: 'node', againstCase: 'batch64 udp', min: 2 },
  { what: 'async batched datagram rate, 64 B, with GSO', impl: 'async', cases: ['gso64 udp'], against: 'bun', againstCase: 'batch64 udp', min: 1 },
  { what: 'sync batched datagram rate', impl: 'sync', cases: ['batch64 udp', 'batch64 unix', 'batch1200 udp', 'batch1200 unix'], against: 'c', min: 0.9 },
  { what: 'GSO send of 1,200-byte segments', impl: 'sync', cases: ['gso1200 udp'], against: 'single', min: 2 },
  { what: 'GSO send of 1,200-byte segments (async)', impl: 'async', cases: ['gso1200 udp'], against: 'single', min: 2 },
];

const BOUND: Record<string, string> = { floor: 'the Node-API floor', fresh: 'a new Buffer per read (no pool)' };

const AGAINST: Record<Target['against'], string> = { c: 'C', node: 'Node', python: 'CPython', bun: 'Bun sendMany', single: 'one datagram per call' };

/** A target's verdict in one case, as printed and kept in the JSON. */
interface Verdict {
  what: string;
  case: string;
  impl: string;
  against: string;
  ratio: number;
  target: string;
  met: boolean;
}

// ---- the README table --------------------------------------------------------------

/**
 * The README's table of ratios, in Markdown, from a run's summaries and
 * overhead loops: what `--publish` needs pasted, so that no cell is copied
 * by hand. Written to bench/results/latest.md after every run;
 * `--table <json>` prints it for an earlier run.
 */
function readmeTable(summaries: Summary[], overhead: Overhead[]): string {
  const rows: Array<[string, string]> = [
    ['pingpong tcp', 'ping-pong, TCP (64 B, round trips/s)'],
    ['pingpong unix', 'ping-pong, AF_UNIX'],
    ['bulk tcp', 'bulk, TCP (1 GiB in 64 KiB chunks)'],
    ['bulk unix', 'bulk, AF_UNIX'],
    ['dgram udp', 'datagrams, UDP (64 B, messages/s)'],
    ['dgram unix', 'datagrams, AF_UNIX'],
    ['echo tcp', 'echo as in Python, TCP: `recv(1024)`, `sendall` upper-cased (round trips/s)'],
    ['echo unix', 'echo as in Python, AF_UNIX'],
    ['bulk-recv tcp', 'bulk with `recv(65536)` returning bytes, TCP'],
    ['bulk-recv unix', 'bulk with `recv(65536)` returning bytes, AF_UNIX'],
    ['dgram-recvfrom udp', 'datagrams with `recvfrom(65536)` returning `[data, address]`, UDP'],
    ['dgram-recvfrom unix', 'datagrams with `recvfrom(65536)`, AF_UNIX'],
  ];
  const impls = ['sync', 'async', 'node', 'floor', 'python'];
  const perSecond = (x: number) => `${x >= 1e5 ? (x / 1e3).toFixed(0) : (x / 1e3).toFixed(1)}k/s`;
  const lines = [
    '| workload | bsdsock sync | bsdsock async | Node `net`/`dgram` | Node-API floor | CPython `socket` | C |',
    '|---|---|---|---|---|---|---|',
  ];
  lines.push(
    ...ratioRows(
      summaries,
      rows,
      impls,
      (c) => {
        const workload = c.case.split(' ')[0]!;
        return isBulk(workload) ? `${c.median.toFixed(1)} GB/s` : isRoundTrips(workload) ? `${perSecond(c.median)} (${c.usPerOp!.toFixed(1)} µs)` : perSecond(c.median);
      },
      // bulk-recv's bound: the floor receives into one buffer only.
      { floor: ['fresh', 'a new Buffer per read'] },
    ),
  );
  for (const [key, label] of [
    ['getsockopt', '`getsockopt(SO_TYPE)`, ns per call'],
    ['recvWouldBlock', 'would-block receive (`tryRecvInto`), ns per call'],
  ] as const) {
    const { c, cThreaded, sync, floor, ffi } = overheadOf(overhead, key);
    if (sync === null || c === null) continue;
    const ns = (x: number) => x.toFixed(0);
    const signed = (x: number) => `${x >= 0 ? '+' : '−'}${ns(Math.abs(x))}`;
    const over = `${signed(sync.median - c.median)}${cThreaded === null ? '' : `; ${signed(sync.median - cThreaded.median)} over C with a second thread`}`;
    const floorCell = floor === null ? '' : `${ns(floor.median)} (the raw call)`;
    // node:ffi calling libc is Node's own way, so it goes in Node's column.
    const ffiCell = ffi === null ? '' : `${ns(ffi.median)} (\`node:ffi\`)`;
    const cCell = `${ns(c.median)}${cThreaded === null ? '' : ` (${ns(cThreaded.median)} with a second thread)`}`;
    lines.push(`| ${[label, `${ns(sync.median)} (${over})`, '', ffiCell, floorCell, '', cCell].join(' | ')} |`.replace(/ \| (?= \|)/g, ' |'));
  }
  const batch = batchTable(summaries);
  return `${lines.join('\n')}\n${batch === '' ? '' : `\n${batch}`}`;
}

/**
 * The batched datagrams' table (issue 21), after the main one: ratios to
 * C's batched rate (C with GSO on the gso rows), with Bun's `sendMany` and
 * bsdsock's one-datagram-per-call loop beside them. Empty when the run had
 * no batch workload.
 */
function batchTable(summaries: Summary[]): string {
  const rows: Array<[string, string]> = [
    ['batch64 udp', 'batched datagrams, UDP (64 B, 64 per syscall, messages/s)'],
    ['batch64 unix', 'batched datagrams, AF_UNIX (64 B)'],
    ['batch1200 udp', 'batched datagrams, UDP (1,200 B)'],
    ['batch1200 unix', 'batched datagrams, AF_UNIX (1,200 B)'],
    ['gso64 udp', 'UDP GSO + GRO (64 B segments, 32 per buffer)'],
    ['gso1200 udp', 'UDP GSO + GRO (1,200 B segments)'],
  ];
  const impls = ['sync', 'async', 'node', 'bun', 'single'];
  const lines = [
    '| batched workload | bsdsock sync | bsdsock async | Node `dgram` | Bun `sendMany` | bsdsock, one datagram per call | C |',
    '|---|---|---|---|---|---|---|',
  ];
  lines.push(...ratioRows(summaries, rows, impls, (c) => (c.median >= 1e6 ? `${(c.median / 1e6).toFixed(2)}M/s` : `${(c.median / 1e3).toFixed(0)}k/s`)));
  return lines.length === 2 ? '' : `${lines.join('\n')}\n`;
}

/**
 * A README table's rows: per `[case, label]` that C ran, each of `impls`'s
 * ratio to C (bsdsock sync's in bold, '—' where it did not run) and, last,
 * C's own figure as `absolute` writes it.
 */
/**
 * Table rows of ratios to C, a column per implementation of `impls`; where
 * one has no figure, `stand` may name another to show in its place, with a
 * note.
 */
function ratioRows(
  summaries: Summary[],
  rows: Array<[string, string]>,
  impls: string[],
  absolute: (c: Summary) => string,
  stand: Record<string, [impl: string, note: string]> = {},
): string[] {
  const lines: string[] = [];
  const ratio = (name: string, impl: string) => summaries.find((q) => q.case === name && q.impl === impl)?.ratioToC ?? null;
  for (const [name, label] of rows) {
    const c = summaries.find((q) => q.case === name && q.impl === 'c');
    if (c === undefined) continue;
    const cells = impls.map((impl) => {
      const r = ratio(name, impl);
      if (r === null) {
        const other = stand[impl];
        const s = other === undefined ? null : ratio(name, other[0]);
        return s === null || other === undefined ? '—' : `${s.toFixed(2)} (${other[1]})`;
      }
      return impl === 'sync' ? `**${r.toFixed(2)}**` : r.toFixed(2);
    });
    lines.push(`| ${label} | ${cells.join(' | ')} | ${absolute(c)} |`);
  }
  return lines;
}

// ---- main -------------------------------------------------------------------------

/** `--replot <results.json>`: redraws the chart of an earlier run. */
function replot(file: string): void {
  const run = JSON.parse(fs.readFileSync(file, 'utf8')) as {
    summaries: Summary[];
    caption?: string;
    date: string;
    machine: Record<string, string>;
    pinned: boolean;
    rounds: number;
    quick: boolean;
    host?: HostCheck;
  };
  const svg = chart(run.summaries.filter((s) => s.impl !== 'c'), run.caption ?? captionOf(new Date(run.date), run.machine, run.pinned, run.rounds, run.quick, run.host));
  const problem = run.host === undefined ? null : unsteady(run.host);
  if (flag('publish') && problem !== null && !flag('force')) {
    throw new Error(`not publishing ${file}: ${problem} (--force publishes anyway)`);
  }
  const out = flag('publish') ? path.join(ROOT, 'docs', 'benchmarks.svg') : path.join(ROOT, 'bench', 'results', 'latest.svg');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, svg);
  process.stdout.write(`wrote ${path.relative(ROOT, out)}\n`);
}

function captionOf(date: Date, machine: Record<string, string | number>, pinned: boolean, rounds: number, quick: boolean, host?: HostCheck): string {
  const spins = host !== undefined && host.mhz > 0 ? judged(host).map((x) => cycles(host, x)) : [];
  return [
    date.toISOString().slice(0, 10),
    `${machine.cpu}, ${machine.cpus} CPUs`,
    String(machine.kernel),
    `Node ${machine.node}`,
    String(machine.python),
    machine.commit === undefined ? `bsdsock ${machine.bsdsock}` : `bsdsock ${machine.bsdsock} (${machine.commit})`,
    machine.cc === undefined ? '' : machine.cc === 'absent' ? 'no C compiler' : String(machine.cc),
    pinned ? 'client and server pinned to one CPU' : 'not pinned',
    rounds === 1 ? `one round${quick ? ' (quick)' : ''}` : `medians of ${rounds} rounds${quick ? ' (quick)' : ''}`,
    spins.length === 0 ? '' : `CPU check: ${Math.min(...spins).toFixed(2)}-${Math.max(...spins).toFixed(2)} cycles per one-cycle iteration`,
  ].filter((part) => part !== '').join(' · ');
}

async function main(): Promise<void> {
  const replotFile = option('replot');
  if (replotFile !== undefined) return replot(replotFile);
  if (flag('check-host')) return checkHostOnly();
  const tableFile = option('table');
  if (tableFile !== undefined) {
    const run = JSON.parse(fs.readFileSync(tableFile, 'utf8')) as { summaries: Summary[]; overhead: Overhead[] };
    process.stdout.write(readmeTable(run.summaries, run.overhead));
    return;
  }
  const impls = implementations();
  const started = new Date();
  const machine = {
    cpu: CPUS[0]?.model ?? 'unknown',
    cpus: CPUS.length,
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    python: PYTHON ? version(PYTHON, ['--version']) : 'absent',
    cc: CC ? version(CC, ['--version']) : 'absent',
    bsdsock: (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version,
    commit: commitOf(),
  };
  process.stdout.write(
    `bsdsock benchmarks, ${started.toISOString()}\n${machine.cpu}, ${machine.cpus} CPUs, ${machine.kernel}, Node ${machine.node}, ${machine.python}\n` +
      `${PINNED ? `client and server pinned to CPU ${PIN_CPU} (taskset)` : 'NOT pinned (no taskset): cross-CPU wake-ups inflate latencies'}; ` +
      `${ROUNDS === 1 ? 'one round' : `${ROUNDS} rounds`}, implementations interleaved${CC ? '' : '; no C compiler: no C reference, no ratios'}\n\n`,
  );
  const runs: Array<{ case: string; impl: string; round: number; result: Result }> = [];
  const unsupported = new Set<string>();
  const cBin = impls.find((i) => i.name === 'c')?.cmd[0];
  const host: HostCheck = { spinCount: SPIN_COUNT, mhz: MHZ, spinSeconds: [] };
  const checkHost = async (): Promise<void> => {
    if (cBin !== undefined) host.spinSeconds.push(await spinOnce(cBin));
  };
  for (const c of CASES) {
    const name = `${c.workload} ${c.transport}`;
    process.stdout.write(QUICK ? `${name}: round` : `${name}: warm-up`);
    for (let round = QUICK ? 1 : 0; round <= ROUNDS; round++) {
      // --quick checks at the start and the end only: it has a minute.
      if (!QUICK || c === CASES[0]) await checkHost();
      for (const impl of impls) {
        if (unsupported.has(`${name}/${impl.name}`)) continue;
        const r = await runOnce(impl, round === 0 ? { ...c, count: Math.max(1, Math.floor(c.count / 10)) } : c);
        if (r === 'unsupported') unsupported.add(`${name}/${impl.name}`);
        else if (round > 0) runs.push({ case: name, impl: impl.name, round, result: r });
      }
      process.stdout.write(round === 0 ? ', round' : ` ${round}`);
    }
    process.stdout.write('\n');
  }

  const summaries: Summary[] = [];
  for (const c of CASES) {
    const name = `${c.workload} ${c.transport}`;
    const cMedian = (() => {
      const xs = runs.filter((r) => r.case === name && r.impl === 'c').map((r) => metric(c, r.result));
      return xs.length ? median(xs) : null;
    })();
    for (const impl of impls) {
      const mine = runs.filter((r) => r.case === name && r.impl === impl.name);
      if (mine.length === 0) continue;
      const xs = mine.map((r) => metric(c, r.result));
      const m = median(xs);
      const s: Summary = {
        case: name,
        unit: unit(c),
        impl: impl.name,
        median: m,
        min: Math.min(...xs),
        max: Math.max(...xs),
        ratioToC: cMedian ? m / cMedian : null,
      };
      if (isRoundTrips(c.workload)) s.usPerOp = 1e6 / m;
      if (!isRoundTrips(c.workload) && !isBulk(c.workload)) s.lost = median(mine.map((r) => r.result.lost));
      summaries.push(s);
    }
  }

  const micro = ONLY.includes('micro') ? await microRuns(impls) : [];
  let overhead: Overhead[] = [];
  if (ONLY.includes('overhead')) {
    const ffi = ffiImpl();
    overhead = await overheadRuns(ffi === null ? impls : [...impls, ffi]);
  }
  await checkHost();

  // ---- the table
  const label = (n: string) => impls.find((i) => i.name === n)?.label ?? n;
  const rows: string[][] = [['case', 'implementation', 'median', 'min-max', 'unit', 'x C', 'notes']];
  for (const s of summaries) {
    const notes = [s.usPerOp !== undefined ? `${s.usPerOp.toFixed(2)} µs/round trip` : '', s.lost ? `${s.lost} lost` : '']
      .filter(Boolean)
      .join(', ');
    rows.push([s.case, label(s.impl), fmt(s.median), `${fmt(s.min)}-${fmt(s.max)}`, s.unit, s.ratioToC === null ? '-' : s.ratioToC.toFixed(2), notes]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  process.stdout.write(`\n${rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ')).join('\n')}\n`);

  if (micro.length) {
    const cells = microCells(micro, (x) => `${x.median.toFixed(0)} (${x.min.toFixed(0)}-${x.max.toFixed(0)})`);
    const w = cells[0]!.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
    process.stdout.write(`\nrecv(n) in one process (median (min-max)):\n${cells.map((r) => `  ${r.map((cell, i) => cell.padEnd(w[i]!)).join('  ')}`).join('\n')}\n`);
  }

  if (overhead.length) {
    process.stdout.write('\nbinding overhead (ns per call, median (min-max)):\n');
    for (const key of ['getsockopt', 'recvWouldBlock'] as const) {
      const { c, cThreaded, sync, floor, ffi } = overheadOf(overhead, key);
      if (sync === null) continue;
      const lines = [`  ${key}: bsdsock ${nsSpread(sync)}`];
      const versus = (name: string, x: Spread | null): void => {
        if (x !== null) {
          lines.push(`    ${name} ${nsSpread(x)}: bsdsock ${(sync.median - x.median).toFixed(1)} ns more (x ${(sync.median / x.median).toFixed(2)})`);
        }
      };
      versus('C', c);
      versus('C with a 2nd thread', cThreaded);
      versus('the raw Node-API call (floor)', floor);
      if (ffi !== null) lines.push(`    node:ffi calling libc ${nsSpread(ffi)}: ${(ffi.median / sync.median).toFixed(2)} x bsdsock's time`);
      process.stdout.write(`${lines.join('\n')}\n`);
    }
  }

  const problem = reportHost(host);
  if (problem !== null) {
    process.stdout.write(`WARNING: ${problem}. Ratios to C are unreliable on such a host${flag('publish') && !flag('force') ? '; docs/ is left as it was (--force publishes anyway)' : ''}.\n`);
  }

  process.stdout.write('\ntargets:\n');
  const verdicts: Verdict[] = [];
  for (const t of TARGETS) {
    for (const name of t.cases) {
      const s = summaries.find((q) => q.case === name && q.impl === t.impl);
      const base = summaries.find((q) => q.case === (t.againstCase ?? name) && q.impl === t.against);
      if (!s || !base) continue;
      const ratio = s.median / base.median;
      const ok = ratio >= t.min;
      // A target is only reachable if its bound (for an async one, the
      // Node-API floor) reaches it.
      const boundName = t.bound ?? (t.impl === 'async' ? 'floor' : undefined);
      const bound = boundName === undefined ? undefined : summaries.find((q) => q.case === name && q.impl === boundName);
      const reach = bound === undefined ? 0 : bound.median / base.median;
      const why =
        bound === undefined || ok ? '' : `; ${BOUND[bound.impl]} reaches ${reach.toFixed(2)} x ${AGAINST[t.against]}${reach < t.min ? ': out of reach for any Node code here' : ''}`;
      const against = `${AGAINST[t.against]}${t.againstCase === undefined ? '' : ` (${t.againstCase})`}`;
      const other = t.beside === undefined ? undefined : summaries.find((q) => q.case === name && q.impl === t.beside);
      const beside = other === undefined ? '' : `; ${t.beside} ${(other.median / base.median).toFixed(2)} x ${against}`;
      process.stdout.write(`  ${ok ? 'met   ' : 'MISSED'} ${t.what} (${name}): ${ratio.toFixed(2)} x ${against} (target >= ${t.min})${why}${beside}\n`);
      verdicts.push({ what: t.what, case: name, impl: t.impl, against: t.against, ratio, target: `>= ${t.min}`, met: ok });
    }
  }
  for (const v of microVerdicts(micro)) {
    process.stdout.write(`  ${v.met ? 'met   ' : 'MISSED'} ${v.what} (${v.impl}): ${v.ratio.toFixed(2)} (target ${v.target})\n`);
    verdicts.push(v);
  }
  const o = overheadOf(overhead, 'getsockopt');
  if (o.sync !== null && o.c !== null && o.cThreaded !== null) {
    const over = o.sync.median - o.c.median;
    const overThreaded = o.sync.median - o.cThreaded.median;
    const verdict = (ns: number) => (ns <= 60 ? 'met   ' : 'MISSED');
    process.stdout.write(`  ${verdict(over)} binding overhead (getsockopt): ${over.toFixed(1)} ns over single-threaded C (target <= 60)\n`);
    process.stdout.write(`  ${verdict(overThreaded)} binding overhead (getsockopt): ${overThreaded.toFixed(1)} ns over C with a second thread, as in Node (target <= 60)\n`);
  }

  // ---- files
  const caption = captionOf(started, machine, PINNED, ROUNDS, QUICK, host);
  const outDir = path.join(ROOT, 'bench', 'results');
  fs.mkdirSync(outDir, { recursive: true });
  const json = JSON.stringify(
    { date: started.toISOString(), machine, pinned: PINNED, quick: QUICK, rounds: ROUNDS, host, cases: CASES, runs, summaries, overhead, micro, targets: verdicts },
    null,
    2,
  );
  const stamp = started.toISOString().replace(/[:.]/g, '-');
  fs.writeFileSync(path.join(outDir, `${stamp}.json`), json);
  fs.writeFileSync(path.join(outDir, 'latest.json'), json);
  const svg = chart(summaries.filter((s) => s.impl !== 'c'), caption);
  fs.writeFileSync(path.join(outDir, 'latest.svg'), svg);
  fs.writeFileSync(path.join(outDir, 'latest.md'), readmeTable(summaries, overhead) + (micro.length ? `\n${microMarkdown(micro)}` : ''));
  const publish = flag('publish') && (problem === null || flag('force'));
  if (publish) {
    fs.mkdirSync(path.join(ROOT, 'docs'), { recursive: true });
    fs.writeFileSync(path.join(ROOT, 'docs', 'benchmarks.svg'), svg);
    fs.writeFileSync(path.join(ROOT, 'docs', 'benchmarks.json'), json);
  }
  process.stdout.write(`\nwrote bench/results/${stamp}.json, latest.json, latest.svg, latest.md (the README table)${publish ? ', docs/benchmarks.svg/.json' : ''}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
