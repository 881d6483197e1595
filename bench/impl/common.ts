// Shared by the TypeScript implementations of the benchmark protocol
// (bench/c/bench.c describes it): argument parsing and the result line.

// The implementations run under tsx, which compiles to CommonJS the way
// esbuild does: every use of an imported binding reads a getter on the
// module's exports, a call and a megamorphic load each time (about 5% of
// the sync bulk rate, profiled). Hot loops use local copies of these.
export const MSG = 64;
export const CHUNK = 65536;
/** What a read of the echo server takes at most: the seeds' `conn.recv(1024)`. */
export const ECHO_READ = 1024;
/** The echo workload's message, 64 bytes of lowercase ASCII (bench/c/bench.c's ECHO_MSG). */
export const ECHO_MSG = 'the quick brown fox jumps over the lazy dog: echo it back, loud!';

/**
 * The workloads (bench/c/bench.c describes them). `bulk-recv` and
 * `dgram-recvfrom` are `bulk` and `dgram` on the wire: only the servers
 * differ, receiving with calls that return fresh bytes. The batch and gso
 * workloads are `dgram` with datagrams moved in batches (see BatchWorkload).
 */
export const WORKLOADS = ['pingpong', 'bulk', 'dgram', 'echo', 'bulk-recv', 'dgram-recvfrom', 'batch64', 'batch1200', 'gso64', 'gso1200'] as const;
export type Workload = (typeof WORKLOADS)[number];
export type Transport = 'tcp' | 'udp' | 'unix';

export interface Args {
  role: 'server' | 'client' | 'overhead' | 'micro' | 'instructions';
  workload: Workload;
  transport: Transport;
  /** server: the AF_UNIX path; client: the port or path to reach. */
  where: string;
  /** client: round trips, bytes or datagrams; overhead, micro: calls; instructions: n1. */
  count: number;
  /** instructions: n2. */
  count2: number;
}

const USAGE =
  'usage: <impl> server <workload> <transport> [path] | client <workload> <transport> <port|path> <count>\n' +
  '     | overhead <count> | micro <count> | instructions <n1> <n2>\n';

export function parseArgs(argv: string[]): Args {
  const [role, a, b, c, d] = argv;
  if (role === 'overhead' || role === 'micro' || role === 'instructions') {
    return { role, workload: 'pingpong', transport: 'tcp', where: '', count: Number(a), count2: Number(b ?? 0) };
  }
  if ((role !== 'server' && role !== 'client') || !a || !b || !(WORKLOADS as readonly string[]).includes(a)) {
    process.stderr.write(USAGE);
    process.exit(2);
  }
  return { role, workload: a as Workload, transport: b as Transport, where: c ?? '', count: Number(d ?? 0), count2: 0 };
}

/** Whether a workload is a datagram one (dgram, dgram-recvfrom). */
export function isDatagram(workload: Workload): boolean {
  return workload === 'dgram' || workload === 'dgram-recvfrom';
}

/** The one JSON line a client prints. */
export function report(ops: number, bytes: number, seconds: number, lost = 0): void {
  process.stdout.write(`${JSON.stringify({ ops, bytes, seconds, lost })}\n`);
}

/**
 * The result line of a datagram client: `sent` datagrams went out (`count`
 * of them timed, over `seconds`); `reply` is the server's count of those it
 * received, null when it never answered.
 */
export function reportDatagrams(reply: Buffer | null, sent: number, count: number, seconds: number): void {
  if (reply === null) throw new Error('no answer');
  const lost = sent - getU64(reply);
  report(count - lost, (count - lost) * MSG, seconds, lost);
}

export function ready(where: string | number): void {
  process.stdout.write(`ready ${where}\n`);
}

export function unsupported(why: string): never {
  process.stdout.write(`${JSON.stringify({ unsupported: why })}\n`);
  process.exit(0);
}

export function putU64(value: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(value));
  return b;
}

export function getU64(b: Buffer): number {
  return Number(b.readBigUInt64LE(0));
}

export const now = (): number => performance.now() / 1000;

/**
 * The overhead mode's line: ns per call of `getsockopt` and of `wouldBlock`,
 * `n` calls each, after a tenth of each untimed so that the timed loops run
 * compiled code, as C's do.
 */
export function reportOverhead(n: number, getsockopt: () => void, wouldBlock: () => void): void {
  for (let i = 0; i < n / 10; i++) getsockopt();
  for (let i = 0; i < n / 10; i++) wouldBlock();
  let t0 = now();
  for (let i = 0; i < n; i++) getsockopt();
  const get = (now() - t0) / n;
  t0 = now();
  for (let i = 0; i < n; i++) wouldBlock();
  const block = (now() - t0) / n;
  process.stdout.write(`${JSON.stringify({ getsockopt: get * 1e9, recvWouldBlock: block * 1e9 })}\n`);
}

/** Untimed work first, on the same connection (see bench/c/bench.c). */
export function warmBytes(count: number): number {
  return Math.min(Math.floor(count / 8), 64 << 20);
}

export function warmDatagrams(count: number): number {
  return Math.floor(count / 10);
}

/**
 * The micro mode's line: ns per iteration of each loop, `n` iterations after
 * a tenth of every loop untimed (all of them first, so that the first loop
 * timed does not pay for compiling what the others share). Each loop is a
 * function that runs `n` iterations, so that its call sites see one shape.
 */
export function reportMicro(n: number, loops: Array<[string, (n: number) => void]>): void {
  const out: Record<string, number> = {};
  for (const [, loop] of loops) loop(Math.max(1, Math.floor(n / 10)));
  for (const [name, loop] of loops) {
    const t0 = now();
    loop(n);
    out[name] = ((now() - t0) / n) * 1e9;
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

/** {@link reportMicro} for loops that await. */
export async function reportMicroAsync(n: number, loops: Array<[string, (n: number) => Promise<void>]>): Promise<void> {
  const out: Record<string, number> = {};
  for (const [, loop] of loops) await loop(Math.max(1, Math.floor(n / 10)));
  for (const [name, loop] of loops) {
    const t0 = now();
    await loop(n);
    out[name] = ((now() - t0) / n) * 1e9;
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

/**
 * A mark for bench/instructions.ts, which runs this process under callgrind
 * with --dump-before=getppid: reading process.ppid calls getppid(3) every
 * time, so every mark writes out the instructions counted since the last.
 */
function mark(marks: string[], label: string): void {
  void process.ppid;
  marks.push(label);
}

/** How many times each loop runs its n1 and n2 segments (bench/c/bench.c's REPEATS). */
const REPEATS = 3;

/**
 * The instructions mode (bench/c/bench.c's instructions()): every loop
 * `n1 / 2` times, so that V8 has compiled what they share before any is
 * counted; then each loop `n1 / 2` times as its own warm-up, then `n1` and
 * `n2` times, three times over, with a mark after each; then the marks'
 * labels, one JSON line. A loop given a `divisor` runs that fraction of the
 * iterations (10 where one iteration costs tens of thousands of
 * instructions: the loops stay minutes long under callgrind).
 */
export function instructionLoops(n1: number, n2: number, loops: Array<[string, (n: number) => void, number?]>): void {
  const marks: string[] = [];
  for (const [, loop, divisor = 1] of loops) loop(Math.floor(n1 / divisor / 2));
  for (const [name, loop, divisor = 1] of loops) {
    const [a, b] = [Math.floor(n1 / divisor), Math.floor(n2 / divisor)];
    loop(Math.floor(a / 2));
    mark(marks, `${name} warm-up`);
    for (let r = 0; r < REPEATS; r++) {
      loop(a);
      mark(marks, `${name} ${a}`);
      loop(b);
      mark(marks, `${name} ${b}`);
    }
  }
  process.stdout.write(`${JSON.stringify({ marks })}\n`);
}

/** {@link instructionLoops} for loops that await. */
export async function instructionLoopsAsync(n1: number, n2: number, loops: Array<[string, (n: number) => Promise<void>]>): Promise<void> {
  const marks: string[] = [];
  for (const [, loop] of loops) await loop(Math.floor(n1 / 2));
  for (const [name, loop] of loops) {
    await loop(Math.floor(n1 / 2));
    mark(marks, `${name} warm-up`);
    for (let r = 0; r < REPEATS; r++) {
      await loop(n1);
      mark(marks, `${name} ${n1}`);
      await loop(n2);
      mark(marks, `${name} ${n2}`);
    }
  }
  process.stdout.write(`${JSON.stringify({ marks })}\n`);
}

// ---- batched datagrams (bench/c/bench.c: batch_server, batch_client) -------

/** The dgram protocol with datagrams of 64 or 1,200 bytes, moved in batches; gso64 and gso1200 with UDP GSO and GRO. */
export type BatchWorkload = 'batch64' | 'batch1200' | 'gso64' | 'gso1200';
/** Datagrams per batch: per sendmmsg/recvmmsg, or per Bun sendMany. */
export const BATCH = 64;
/** Datagrams per GSO buffer in gso64 and gso1200 (two buffers per sendmmsg). */
export const GSO_SEGS = 32;

export function isBatch(workload: string): workload is BatchWorkload {
  return workload === 'batch64' || workload === 'batch1200' || workload === 'gso64' || workload === 'gso1200';
}

/** The size of each datagram of a datagram workload. */
export function datagramSize(workload: string): number {
  return workload === 'batch1200' || workload === 'gso1200' ? 1200 : MSG;
}

/** The result line of a batched datagram client: as reportDatagrams, with datagrams of `size` bytes. */
export function reportBatch(reply: Buffer | null, sent: number, count: number, seconds: number, size: number): void {
  if (reply === null) throw new Error('no answer');
  const lost = sent - getU64(reply);
  report(count - lost, (count - lost) * size, seconds, lost);
}
