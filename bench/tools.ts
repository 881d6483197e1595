// What bench/run.ts and bench/instructions.ts both need: their command
// line read the same way, and from the machine the C reference built, the
// commit measured, and the Node that has node:ffi.

import { spawnSync } from 'node:child_process';
import fs = require('node:fs');
import path = require('node:path');

export const ROOT = path.join(__dirname, '..');

const argv = process.argv.slice(2);

/**
 * Checks the command line against the `flags` and `options` a script knows
 * before it reads any: `--help` prints `usage` and exits, anything else it
 * does not know (a misspelt option, a stray word) prints `usage` and exits
 * with status 2, rather than starting a full run without it.
 */
export function commandLine(flags: readonly string[], options: readonly string[], usage: string): void {
  const bad: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--help' || a === '-h') {
      process.stdout.write(usage);
      process.exit(0);
    }
    const name = a.startsWith('--') ? a.slice(2) : null;
    if (name !== null && flags.includes(name)) continue;
    if (name !== null && options.includes(name)) i++; // its value: option() checks it
    else bad.push(a);
  }
  if (bad.length > 0) {
    process.stderr.write(`unknown argument${bad.length > 1 ? 's' : ''}: ${bad.join(' ')}\n${usage}`);
    process.exit(2);
  }
}

/** The usage a script's first `lines` comment lines give. */
export function usageIn(file: string, lines: number): string {
  const head = fs.readFileSync(file, 'utf8').split('\n').slice(0, lines);
  return `${head.map((l) => l.replace(/^\/\/ ?/, '')).join('\n')}\n`;
}

/** Whether `--name` is on the command line. */
export function flag(name: string): boolean {
  return argv.includes(`--${name}`);
}

/**
 * The value after `--name`, or undefined without `--name`. An option
 * followed by nothing or by another option is an error: `--table` with
 * nothing after it must not fall through to a full run.
 */
export function option(name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const value = argv[i + 1];
  if (value === undefined || value.startsWith('--')) throw new Error(`--${name} needs a value`);
  return value;
}

export function has(cmd: string, args: string[] = ['--version']): boolean {
  return spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
}

export function version(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return r.status === 0 ? (r.stdout || r.stderr).trim().split('\n')[0]! : 'absent';
}

export const CC = ['cc', 'gcc', 'clang'].find((c) => has(c)) ?? null;

/** bench/c/bin/bench, built (again when bench.c is newer) with `cc -O2 -pthread`; null without a compiler. */
export function buildC(): string | null {
  if (CC === null) return null;
  const src = path.join(ROOT, 'bench', 'c', 'bench.c');
  const bin = path.join(ROOT, 'bench', 'c', 'bin', 'bench');
  fs.mkdirSync(path.dirname(bin), { recursive: true });
  if (!fs.existsSync(bin) || fs.statSync(bin).mtimeMs < fs.statSync(src).mtimeMs) {
    const r = spawnSync(CC, ['-O2', '-pthread', '-o', bin, src], { stdio: 'inherit' });
    if (r.status !== 0) return null;
  }
  return bin;
}

/** The commit measured, `+` marking uncommitted changes; 'unknown' outside a git checkout. */
export function commitOf(): string {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
  if (head.status !== 0) return 'unknown';
  const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' });
  return `${head.stdout.trim()}${dirty.status === 0 && dirty.stdout.trim() !== '' ? '+' : ''}`;
}

/** A Node that can run bench/impl/node-ffi.mjs: its command line, or why there is none. */
export type FfiNode = { cmd: string[]; version: string } | { why: string };

/**
 * The Node with node:ffi (Node 26 and later) for the ffi peer: the path
 * given (`--ffi-node <path>`), else the environment's BENCH_FFI_NODE, else
 * the Node running this script if it has node:ffi. The module is on by
 * default from some 26.x on, behind --experimental-ffi before: whichever
 * works is used. ExperimentalWarning is silenced, as it would be on stderr
 * of every run.
 */
export function ffiNode(given: string | undefined): FfiNode {
  const node = given ?? process.env.BENCH_FFI_NODE ?? process.execPath;
  const from = given !== undefined ? '--ffi-node' : process.env.BENCH_FFI_NODE !== undefined ? 'BENCH_FFI_NODE' : 'this Node';
  if (!fs.existsSync(node)) return { why: `${node} (${from}) does not exist` };
  for (const flags of [[], ['--experimental-ffi']]) {
    const r = spawnSync(node, [...flags, '--disable-warning=ExperimentalWarning', '-e', "require('node:ffi'); process.stdout.write(process.version)"], {
      encoding: 'utf8',
    });
    if (r.status === 0) return { cmd: [node, ...flags, '--disable-warning=ExperimentalWarning'], version: r.stdout.trim() };
  }
  return {
    why: `${from === 'this Node' ? `this Node (${process.version})` : `${node} (${from})`} has no node:ffi; give a Node 26 or later with --ffi-node <path> or BENCH_FFI_NODE=<path>`,
  };
}
