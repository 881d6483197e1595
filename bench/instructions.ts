// `npm run bench:instructions [-- --n1 20000] [-- --n2 120000] [-- --only c,sync,async,floor,ffi,python]
//                             [-- --ffi-node <path>] [-- --valgrind <path>] [-- --quick] [-- --keep]`
//
// User-space instructions per call, counted with callgrind: deterministic
// figures that a noisy host does not change, for bsdsock (sync, async, and
// the Node-API floor's raw calls), CPython, Node's node:ffi and C running
// the same loops (bench/c/bench.c's instructions(), and each
// implementation's `instructions` mode).
//
// Each implementation runs once under `valgrind --tool=callgrind
// --dump-before=getppid`. Its loops call getppid() (os.getppid(),
// process.ppid) as marks, and callgrind writes the instructions counted
// since the previous mark at each one. Every loop runs n1 / 2 times as a
// warm-up, then n1 and n2 times, three times over (the eagain loop a tenth
// as many); (n2 segment - n1 segment) / (n2 - n1) is its instructions per
// iteration, with what a segment costs once taken out. V8 may still compile
// a function again, or collect its old generation, in one segment: that
// only adds instructions, so the smallest segment of each length is used,
// and the second-smallest ones must give the same figure within 3%.
// Node runs with --single-threaded, so
// that V8 compiles and collects on the main thread, where it is counted
// the same way every time; CPython with PYTHONHASHSEED=0. Only user space
// is counted: the kernel's share of a syscall is the same for everyone.
//
// Output: the table on stdout and in bench/results/instructions-latest.md,
// every count in bench/results/instructions-latest.json (and timestamped
// copies).

import { spawnSync } from 'node:child_process';
import fs = require('node:fs');
import os = require('node:os');
import path = require('node:path');

import { ROOT, buildC, commandLine, commitOf, ffiNode, flag, option, usageIn, version } from './tools';

commandLine(['quick', 'keep'], ['n1', 'n2', 'only', 'ffi-node', 'valgrind'], usageIn(__filename, 2));

const QUICK = flag('quick');
const N1 = Number(option('n1') ?? (QUICK ? 2_000 : 20_000));
const N2 = Number(option('n2') ?? (QUICK ? 12_000 : 120_000));
if (!(Number.isInteger(N1) && Number.isInteger(N2) && N1 >= 2 && N2 > N1)) throw new Error('--n1 and --n2 must be integers with 2 <= n1 < n2');
const ALL = ['c', 'sync', 'async', 'floor', 'ffi', 'python'];
const ONLY = (option('only') ?? ALL.join(',')).split(',');
for (const name of ONLY) if (!ALL.includes(name)) throw new Error(`--only: no implementation ${name} (${ALL.join(', ')})`);
const VALGRIND = option('valgrind') ?? process.env.VALGRIND ?? 'valgrind';
/** The largest difference between the two repeats of a loop that passes without a warning. */
const REPEAT_TOLERANCE = 0.03;

/** The loops, in the order of the table, with what one iteration does. */
const LOOPS: Array<[string, string]> = [
  ['pair', '`sendall` of 64 bytes + `recv(1024)`: the echo\'s pair of calls'],
  ['pairStr', '`sendall` of a 64-character string + `recv(1024)` (CPython: `sendall(text.encode())`)'],
  ['pairInto', '`sendall` of 64 bytes + `recvInto` a 1024-byte buffer (CPython: `recv_into`; floor, `node:ffi`: raw send + recv)'],
  ['recv64', '`sendall` of 64 bytes + `recv(64)`'],
  ['recv65536', '`sendall` of 64 bytes + `recv(65536)`'],
  ['bulk', '`sendall` of 64 KiB + `recv(65536)` until all of it is back: bulk-recv\'s receive'],
  ['udp', 'UDP `sendto` of 64 bytes + `recvfrom(65536)`'],
  ['getsockopt', '`getsockopt(SOL_SOCKET, SO_TYPE)`'],
  ['eagain', 'a non-blocking `recv(64)` that fails with EAGAIN, caught (floor, `node:ffi`: a -1 returned)'],
];

interface Subject {
  name: string;
  label: string;
  cmd: string[];
  env?: Record<string, string>;
}

/** The real python3 binary: a pyenv shim is a shell script, which callgrind would count instead. */
function realPython(): string | null {
  const r = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() !== '' ? r.stdout.trim() : null;
}

function subjects(): { list: Subject[]; skipped: string[] } {
  const list: Subject[] = [];
  const skipped: string[] = [];
  const node = (file: string): string[] => [process.execPath, '--single-threaded', '--require', 'tsx/cjs', path.join(ROOT, 'bench', 'impl', file)];
  const c = buildC();
  if (c !== null) list.push({ name: 'c', label: 'C', cmd: [c] });
  else skipped.push('C: no C compiler');
  list.push({ name: 'sync', label: 'bsdsock sync', cmd: node('bsdsock-sync.ts') });
  list.push({ name: 'async', label: 'bsdsock async', cmd: node('bsdsock-async.ts') });
  list.push({ name: 'floor', label: 'Node-API floor', cmd: node('bsdsock-floor.ts') });
  const ffi = ffiNode(option('ffi-node'));
  if ('cmd' in ffi) list.push({ name: 'ffi', label: `node:ffi (Node ${ffi.version})`, cmd: [...ffi.cmd, '--single-threaded', path.join(ROOT, 'bench', 'impl', 'node-ffi.mjs')] });
  else if (ONLY.includes('ffi')) skipped.push(`node:ffi: ${ffi.why}`);
  const python = realPython();
  if (python !== null) list.push({ name: 'python', label: 'CPython', cmd: [python, path.join(ROOT, 'bench', 'impl', 'python.py')], env: { PYTHONHASHSEED: '0' } });
  else skipped.push('CPython: no python3');
  return { list: list.filter((s) => ONLY.includes(s.name)), skipped };
}

interface Count {
  /**
   * Instructions per iteration: (the smallest long segment - the smallest
   * short one) / the difference in iterations. What disturbs a segment (V8
   * compiling a function again, a collection of the old generation) only
   * adds instructions, so the smallest of each length is the steady one.
   */
  perIteration: number;
  /** The same from the second-smallest segments: the check that the figure repeats. */
  check: number;
  /** Each repeat's own figure, in order. */
  repeats: number[];
  /** The two loop lengths. */
  iterations: [number, number];
}

/**
 * Runs `s` under callgrind and returns its loops' instructions per
 * iteration. The dumps are matched to the marks from the last one back:
 * code that runs before the loops may call getppid() too (tsx's IPC client
 * reads process.ppid once at startup), never code after the first mark.
 */
function count(s: Subject, dir: string): { counts: Record<string, Count>; seconds: number; ignored: number } {
  const out = path.join(dir, s.name);
  fs.mkdirSync(out);
  const t0 = performance.now();
  const r = spawnSync(
    VALGRIND,
    ['--tool=callgrind', '--dump-before=getppid', `--callgrind-out-file=${path.join(out, 'cg.%p')}`, ...s.cmd, 'instructions', String(N1), String(N2)],
    { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...s.env }, maxBuffer: 64 << 20 },
  );
  const seconds = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${s.label} under callgrind ended with ${r.status ?? r.signal}:\n${r.stderr.split('\n').slice(-20).join('\n')}`);
  const marks = (JSON.parse(r.stdout.trim().split('\n').pop()!) as { marks: string[] }).marks;
  const dumps = fs
    .readdirSync(out)
    .map((f) => /^cg\.(\d+)\.(\d+)$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null && Number(m[1]) === r.pid)
    .sort((a, b) => Number(a[2]) - Number(b[2]))
    .map((m) => {
      const text = fs.readFileSync(path.join(out, m[0]), 'utf8');
      const totals = /^totals: (\d+)/m.exec(text) ?? /^summary: (\d+)/m.exec(text);
      if (totals === null) throw new Error(`${m[0]}: no totals line`);
      return Number(totals[1]);
    });
  if (dumps.length < marks.length) throw new Error(`${s.label}: ${marks.length} marks but ${dumps.length} dumps`);
  const ignored = dumps.length - marks.length;
  // "<loop> <iterations>" -> the instructions of each such segment, in order.
  const segments = new Map<string, Map<number, number[]>>();
  marks.forEach((m, i) => {
    const [loop, n] = m.split(' ') as [string, string];
    if (n === 'warm-up') return;
    const byLength = segments.get(loop) ?? new Map<number, number[]>();
    byLength.set(Number(n), [...(byLength.get(Number(n)) ?? []), dumps[ignored + i]!]);
    segments.set(loop, byLength);
  });
  const counts: Record<string, Count> = {};
  for (const [loop, byLength] of segments) {
    const [short, long] = [...byLength.keys()].sort((a, b) => a - b) as [number, number];
    if (byLength.size !== 2) throw new Error(`${s.label} ${loop}: segments of ${[...byLength.keys()].join(', ')} iterations`);
    const xs = byLength.get(short)!;
    const ys = byLength.get(long)!;
    const [sx, sy] = [[...xs].sort((a, b) => a - b), [...ys].sort((a, b) => a - b)];
    const per = (y: number, x: number) => (y - x) / (long - short);
    counts[loop] = {
      perIteration: per(sy[0]!, sx[0]!),
      check: per(sy[1] ?? sy[0]!, sx[1] ?? sx[0]!),
      repeats: xs.map((x, i) => per(ys[i]!, x)),
      iterations: [short, long],
    };
  }
  return { counts, seconds, ignored };
}

function spreadOf(c: Count): number {
  return Math.abs(c.check - c.perIteration) / c.perIteration;
}

/** The Markdown table: instructions per iteration and, in parentheses, over C's. */
function table(results: Array<{ subject: Subject; counts: Record<string, Count> }>): string {
  const c = results.find((r) => r.subject.name === 'c')?.counts;
  const lines = [
    `| loop (one iteration) | ${results.map((r) => r.subject.label).join(' | ')} |`,
    `|---|${results.map(() => '---:').join('|')}|`,
  ];
  for (const [loop, what] of LOOPS) {
    const cells = results.map((r) => {
      const x = r.counts[loop];
      if (x === undefined) return '—';
      const base = c?.[loop];
      const over = base === undefined || r.subject.name === 'c' ? '' : ` (+${Math.round(x.perIteration - base.perIteration)})`;
      return `${Math.round(x.perIteration)}${over}`;
    });
    lines.push(`| ${what} | ${cells.join(' | ')} |`);
  }
  return `${lines.join('\n')}\n`;
}

function main(): void {
  const probe = spawnSync(VALGRIND, ['--version'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    process.stdout.write(
      `instruction counts skipped: no valgrind (${VALGRIND}${probe.error ? `: ${probe.error.message}` : ''}). ` +
        'Install it (Debian: apt-get install valgrind) or give --valgrind <path>.\n',
    );
    return;
  }
  const { list, skipped } = subjects();
  const started = new Date();
  const machine = {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    python: version('python3', ['--version']),
    valgrind: probe.stdout.trim(),
    commit: commitOf(),
  };
  process.stdout.write(
    `instructions per iteration (callgrind, user space), ${started.toISOString()}\n` +
      `bsdsock ${machine.commit}, Node ${machine.node}, ${machine.python}, ${machine.valgrind}; loops of ${N1} and ${N2} iterations, three times\n`,
  );
  for (const why of skipped) process.stdout.write(`  skipped ${why}\n`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsdsock-instructions-'));
  const results: Array<{ subject: Subject; counts: Record<string, Count> }> = [];
  try {
    for (const s of list) {
      process.stdout.write(`  ${s.label}: `);
      const r = count(s, dir);
      process.stdout.write(`${r.seconds.toFixed(0)} s${r.ignored > 0 ? ` (${r.ignored} getppid call${r.ignored > 1 ? 's' : ''} before the loops ignored)` : ''}\n`);
      results.push({ subject: s, counts: r.counts });
    }
  } finally {
    if (flag('keep')) process.stdout.write(`callgrind's files are in ${dir}\n`);
    else fs.rmSync(dir, { recursive: true, force: true });
  }

  const md = table(results);
  process.stdout.write(`\n${md}`);
  const unsteady: string[] = [];
  for (const r of results) {
    for (const [loop, x] of Object.entries(r.counts)) {
      if (spreadOf(x) > REPEAT_TOLERANCE) unsteady.push(`${r.subject.label} ${loop}: ${x.perIteration.toFixed(0)} vs ${x.check.toFixed(0)} (repeats: ${x.repeats.map((v) => v.toFixed(0)).join(', ')})`);
    }
  }
  if (unsteady.length > 0) {
    process.stdout.write(`WARNING: the smallest and the second-smallest segments disagree by more than ${REPEAT_TOLERANCE * 100}% in ${unsteady.join('; ')}\n`);
  } else if (results.length > 0) {
    process.stdout.write(`every figure repeats within ${REPEAT_TOLERANCE * 100}% (from the second-smallest segments of each length)\n`);
  }

  // The issue's target: what a recv(1024) + sendall pair costs over C, no more than CPython's.
  const pairOf = (name: string) => results.find((r) => r.subject.name === name)?.counts.pair?.perIteration;
  const [cPair, syncPair, asyncPair, pyPair] = [pairOf('c'), pairOf('sync'), pairOf('async'), pairOf('python')];
  const verdicts: string[] = [];
  if (cPair !== undefined && syncPair !== undefined && pyPair !== undefined) {
    const ok = syncPair - cPair <= pyPair - cPair;
    const line = `${ok ? 'met   ' : 'MISSED'} instructions of a recv(1024) + sendall pair over C's: bsdsock sync ${Math.round(syncPair - cPair)}, CPython ${Math.round(pyPair - cPair)} (target: no more than CPython's)`;
    verdicts.push(line + (asyncPair === undefined ? '' : `; bsdsock async ${Math.round(asyncPair - cPair)}`));
  }
  if (verdicts.length > 0) process.stdout.write(`\ntargets:\n${verdicts.map((v) => `  ${v}\n`).join('')}`);

  const outDir = path.join(ROOT, 'bench', 'results');
  fs.mkdirSync(outDir, { recursive: true });
  const header =
    `Instructions per iteration, user space, counted with callgrind (${machine.valgrind}); in parentheses, over C's. ` +
    `bsdsock ${machine.commit}, Node ${machine.node}, ${machine.python}, ${machine.cpu}, ${started.toISOString().slice(0, 10)}. ` +
    `Loops of ${N1} and ${N2} iterations after a warm-up (a tenth as many where one costs tens of thousands), three times; the smallest segment of each length.\n\n`;
  const json = JSON.stringify(
    {
      date: started.toISOString(),
      machine,
      n1: N1,
      n2: N2,
      loops: Object.fromEntries(LOOPS),
      results: results.map((r) => ({ impl: r.subject.name, label: r.subject.label, counts: r.counts })),
      skipped,
      targets: verdicts,
    },
    null,
    2,
  );
  const stamp = started.toISOString().replace(/[:.]/g, '-');
  fs.writeFileSync(path.join(outDir, `instructions-${stamp}.json`), json);
  fs.writeFileSync(path.join(outDir, 'instructions-latest.json'), json);
  fs.writeFileSync(path.join(outDir, `instructions-${stamp}.md`), header + md);
  fs.writeFileSync(path.join(outDir, 'instructions-latest.md'), header + md);
  process.stdout.write(`\nwrote bench/results/instructions-${stamp}.json and .md, instructions-latest.json and .md\n`);
}

main();
