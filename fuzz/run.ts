// npm run fuzz -- --calls N --seed S [--batch B] [--hang-ms MS] [--keep]
// (--keep keeps the temp dir, which is otherwise kept only after a crash or
// a hang, for the post-mortem).
//
// A seeded random-argument fuzzer over bsdsock's whole API (fuzz/child.ts
// says what it calls and what it counts as a finding). This process only
// starts the child and watches it:
//
// - the child runs in a network namespace of its own where `unshare -n`
//   works (as root, or `unshare -rn` in a user namespace), with only its own
//   `lo`, brought up first; elsewhere it runs fenced (fuzz/fence.ts) and, if
//   this process is root, as the user `nobody`, so that no random
//   setsockopt has a privilege to use;
// - its heartbeat is <dir>/progress, rewritten before every call: no change
//   for --hang-ms (20 s) is a hang, and the child is killed (by its PID);
// - an exit by a signal, or without a report, is a crash; the call in the
//   heartbeat is the one that crashed.
//
// Prints every distinct finding with the first call that showed it (the
// same seed makes the same calls again), and exits 1 if there was any.
// The suite runs a short seeded run (test/42.fuzz.test.ts).

import { spawn, spawnSync } from 'node:child_process';
import fs = require('node:fs');
import os = require('node:os');
import path = require('node:path');

export interface FuzzOptions {
  calls: number;
  seed: number;
  /** Calls between two resets of the pool, with an fd check (1000). */
  batch?: number;
  /** No heartbeat for this long is a hang (20000 ms). */
  hangMs?: number;
  /** Keep the temp dir: always, or only after a crash or a hang (the CLI's default); never by default. */
  keep?: boolean | 'on-crash';
}

export interface FuzzFinding {
  category: string;
  key: string;
  count: number;
  first: { index: number; call: string; detail: string };
  /** The functions it was seen in. */
  targets: string[];
}

export interface FuzzSummary {
  seed: number;
  /** Calls made (fewer than asked after a crash or a hang). */
  calls: number;
  /** 'netns' (unshare -n), 'userns' (unshare -rn), or 'fenced' (fuzz/fence.ts only). */
  isolation: 'netns' | 'userns' | 'fenced';
  /** The uid the child ran as (nobody's, when fenced and started as root). */
  uid: number;
  ms: number;
  /** Findings by category, counting every occurrence. */
  counts: Record<string, number>;
  /** One per distinct cause, with the first call that showed it. */
  findings: FuzzFinding[];
  /** The functions, methods and accessors called. */
  targets: string[];
  /** A hash of every call's description, in order (the same seed gives the same one). */
  callsHash: string;
  dir: string;
}

const ROOT = path.join(__dirname, '..');
const NOBODY = 65534;

/**
 * How the child can be isolated here: the command prefix and the mode.
 * BSDSOCK_FUZZ_ISOLATION=fenced skips the namespaces (to try the fence
 * where a namespace would be available).
 */
function isolation(): { prefix: string[]; mode: FuzzSummary['isolation'] } {
  if (process.env.BSDSOCK_FUZZ_ISOLATION === 'fenced') return { prefix: [], mode: 'fenced' };
  const lo = "ip link set lo up 2>/dev/null || python3 -c 'import fcntl,socket,struct; fcntl.ioctl(socket.socket(), 0x8914, struct.pack(\"16sh\", b\"lo\", 0x49))'";
  for (const [flags, mode] of [
    // -u too: a UTS namespace of its own, so that not even a sethostname
    // past the fence (fuzz/fence.ts) could rename the machine.
    ['-nu', 'netns'],
    ['-rnu', 'userns'],
  ] as const) {
    const probe = spawnSync('unshare', [flags, 'sh', '-c', lo], { stdio: 'ignore', timeout: 10000 });
    if (probe.status === 0) return { prefix: ['unshare', flags, 'sh', '-c', `${lo} && exec "$0" "$@"`], mode };
  }
  return { prefix: [], mode: 'fenced' };
}

/** Runs the fuzzer; resolves with its summary (a crash or a hang is a finding too). */
export async function runFuzz(options: FuzzOptions): Promise<FuzzSummary> {
  const batch = options.batch ?? 1000;
  const hangMs = options.hangMs ?? 20000;
  const seed = options.seed >>> 0;
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'bsdsock-fuzz-')));
  const { prefix, mode } = isolation();
  const asNobody = mode === 'fenced' && process.getuid?.() === 0;
  if (asNobody) fs.chownSync(dir, NOBODY, NOBODY);
  const out = fs.openSync(path.join(dir, 'stdout'), 'w');
  const err = fs.openSync(path.join(dir, 'stderr'), 'w');
  if (asNobody) {
    fs.fchownSync(out, NOBODY, NOBODY);
    fs.fchownSync(err, NOBODY, NOBODY);
  }
  const argv = [
    process.execPath,
    '--expose-gc',
    '--require',
    'tsx/cjs',
    path.join(ROOT, 'fuzz', 'child.ts'),
    dir,
    String(seed),
    String(options.calls),
    String(batch),
    mode === 'fenced' ? '0' : '1',
  ];
  const command = [...prefix, ...argv];
  const started = Date.now();
  const child = spawn(command[0]!, command.slice(1), {
    cwd: ROOT,
    stdio: ['ignore', out, err],
    ...(asNobody ? { uid: NOBODY, gid: NOBODY } : {}),
  });
  fs.closeSync(out);
  fs.closeSync(err);
  const progress = path.join(dir, 'progress');
  const read = (f: string): string => {
    try {
      return fs.readFileSync(f, 'utf8');
    } catch {
      return '';
    }
  };

  // The heartbeat: the progress file changes before every call.
  let last = '';
  let lastChange = Date.now();
  let hung = false;
  const watch = setInterval(() => {
    const now = read(progress);
    if (now !== last) {
      last = now;
      lastChange = Date.now();
    } else if (Date.now() - lastChange > hangMs && !hung) {
      hung = true;
      child.kill('SIGKILL');
    }
  }, 250);
  const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  clearInterval(watch);

  const summary: FuzzSummary = { seed, calls: 0, isolation: mode, uid: -1, ms: Date.now() - started, counts: {}, findings: [], targets: [], callsHash: '', dir };
  const reportFile = path.join(dir, 'report.json');
  const lastCall = read(progress).trimEnd();
  const [lastIndex, ...rest] = lastCall.split('\t');
  const report = fs.existsSync(reportFile)
    ? (JSON.parse(read(reportFile)) as { calls: number; uid: number; counts: Record<string, number>; findings: FuzzFinding[]; targets: string[]; callsHash: string })
    : null;
  if (report !== null) {
    summary.calls = report.calls;
    summary.uid = report.uid;
    summary.counts = report.counts;
    summary.findings = report.findings;
    summary.targets = report.targets;
    summary.callsHash = report.callsHash;
  } else {
    // Findings written before the end still count.
    for (const line of read(path.join(dir, 'findings.jsonl')).split('\n')) {
      if (line === '') continue;
      const f = JSON.parse(line) as FuzzFinding;
      summary.findings.push(f);
      summary.counts[f.category] = (summary.counts[f.category] ?? 0) + f.count;
    }
    summary.calls = Number(lastIndex) || 0;
  }
  if (hung || report === null || exit.code !== 0) {
    const category = hung ? 'hang' : 'crash';
    const detail = hung
      ? `no heartbeat for ${hangMs} ms`
      : `exit code ${exit.code}, signal ${exit.signal}; stderr: ${read(path.join(dir, 'stderr')).slice(-1500)}`;
    summary.counts[category] = (summary.counts[category] ?? 0) + 1;
    summary.findings.push({ category, key: category, count: 1, first: { index: Number(lastIndex), call: rest.join('\t'), detail }, targets: [] });
  }
  const crashed = summary.findings.some((f) => f.category === 'crash' || f.category === 'hang');
  if (options.keep !== true && !(options.keep === 'on-crash' && crashed)) fs.rmSync(dir, { recursive: true, force: true });
  return summary;
}

/** The summary as people read it. */
export function format(s: FuzzSummary): string {
  const lines = [
    `bsdsock fuzz: seed ${s.seed}, ${s.calls} calls over ${s.targets.length} functions, methods and accessors, in ${(s.ms / 1000).toFixed(1)} s`,
    `isolation: ${s.isolation === 'fenced' ? 'fenced (no network namespace here; fuzz/fence.ts keeps every call on loopback)' : `its own network namespace (${s.isolation})`}, uid ${s.uid}`,
  ];
  if (s.findings.length === 0) {
    lines.push('no findings');
    return lines.join('\n');
  }
  lines.push(`findings: ${Object.entries(s.counts).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  for (const f of s.findings) {
    lines.push('', `[${f.category}] ${f.key}  (x${f.count})`, `  first at call ${f.first.index}: ${f.first.call}`, `  ${f.first.detail}`);
    if (f.targets.length > 1) lines.push(`  also in: ${f.targets.slice(1).join(', ')}`);
  }
  lines.push('', `same calls again: npm run fuzz -- --seed ${s.seed} --calls ${s.calls}`);
  if (fs.existsSync(s.dir)) lines.push(`files: ${s.dir}`);
  return lines.join('\n');
}

function parseArgs(argv: string[]): FuzzOptions {
  const o: FuzzOptions = { calls: 100000, seed: Math.floor(Math.random() * 2 ** 32), keep: 'on-crash' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): number => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 0) throw new Error(`${a} needs a whole number, got ${argv[i]}`);
      return v;
    };
    if (a === '--calls') o.calls = value();
    else if (a === '--seed') o.seed = value();
    else if (a === '--batch') o.batch = value() || 1;
    else if (a === '--hang-ms') o.hangMs = value();
    else if (a === '--keep') o.keep = true;
    else throw new Error(`unknown option ${a} (--calls N --seed S --batch B --hang-ms MS --keep)`);
  }
  return o;
}

if (require.main === module) {
  runFuzz(parseArgs(process.argv.slice(2))).then(
    (s) => {
      process.stdout.write(`${format(s)}\n`);
      process.exitCode = s.findings.length === 0 ? 0 : 1;
    },
    (err: unknown) => {
      process.stderr.write(`fuzz: ${String(err)}\n`);
      process.exitCode = 2;
    },
  );
}
