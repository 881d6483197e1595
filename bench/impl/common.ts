// Shared by the TypeScript implementations of the benchmark protocol
// (bench/c/bench.c describes it): argument parsing and the result line.

// The implementations run under tsx, which compiles to CommonJS the way
// esbuild does: every use of an imported binding reads a getter on the
// module's exports, a call and a megamorphic load each time (about 5% of
// the sync bulk rate, profiled). Hot loops use local copies of these.
export const MSG = 64;
export const CHUNK = 65536;

export type Workload = 'pingpong' | 'bulk' | 'dgram' | BatchWorkload;
export type Transport = 'tcp' | 'udp' | 'unix';

export interface Args {
  role: 'server' | 'client' | 'overhead';
  workload: Workload;
  transport: Transport;
  /** server: the AF_UNIX path; client: the port or path to reach. */
  where: string;
  count: number;
}

export function parseArgs(argv: string[]): Args {
  const [role, a, b, c, d] = argv;
  if (role === 'overhead') return { role, workload: 'pingpong', transport: 'tcp', where: '', count: Number(a) };
  if ((role !== 'server' && role !== 'client') || !a || !b) {
    process.stderr.write('usage: <impl> server <workload> <transport> [path] | client <workload> <transport> <port|path> <count>\n');
    process.exit(2);
  }
  return { role, workload: a as Workload, transport: b as Transport, where: c ?? '', count: Number(d ?? 0) };
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
