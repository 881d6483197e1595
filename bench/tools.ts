// What bench/run.ts and bench/instructions.ts both need from the machine:
// the C reference built, the commit measured, and the Node that has
// node:ffi.

import { spawnSync } from 'node:child_process';
import fs = require('node:fs');
import path = require('node:path');

export const ROOT = path.join(__dirname, '..');

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
