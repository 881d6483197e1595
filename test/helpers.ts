// Shared test helpers: child processes that are always reaped, temp dirs that
// are always removed, and sockets that are always closed.

import assert = require('node:assert/strict');
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import fs = require('node:fs');
import os = require('node:os');
import path = require('node:path');

import type { Socket } from '../lib';

export const ROOT = path.join(__dirname, '..');
export const errno = os.constants.errno;

/** Expects `fn` to throw a SocketError with exactly this code, errno and syscall. */
export function throwsSocketError(fn: () => unknown, code: string, syscall: string, extra: object = {}): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof Error, `not an Error: ${String(err)}`);
    const e = err as Error & { code?: unknown; errno?: unknown; syscall?: unknown };
    assert.equal(e.name, 'SocketError', e.message);
    assert.equal(e.code, code, e.message);
    // Node's os.constants.errno lacks some (ESOCKTNOSUPPORT): give those as `extra.errno`.
    const expected = (errno as Record<string, number>)[code];
    if (expected !== undefined || !('errno' in extra)) assert.equal(e.errno, expected, e.message);
    assert.equal(e.syscall, syscall, e.message);
    for (const [k, v] of Object.entries(extra)) assert.deepEqual((e as unknown as Record<string, unknown>)[k], v, k);
    return true;
  });
}

/** Expects `fn` to throw an error of `cls` with this Node error code and a message matching `message`. */
export function throwsCode(fn: () => unknown, cls: ErrorConstructor | RangeErrorConstructor | TypeErrorConstructor, code: string, message?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof cls, `expected ${cls.name}, got ${String(err)}`);
    assert.equal((err as { code?: unknown }).code, code, (err as Error).message);
    if (message) assert.match((err as Error).message, message);
    return true;
  });
}

/** Sockets closed after each test of the suite that calls `sockets()`. */
export function sockets(): <T extends Socket>(s: T) => T {
  let open: Socket[] = [];
  afterEach(() => {
    for (const s of open) s.close();
    open = [];
  });
  return (s) => {
    open.push(s);
    return s;
  };
}

/** A fresh temp dir for each test, removed after it. Call at describe level. */
export function tempDirs(): () => string {
  let dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    dirs = [];
  });
  return () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'bsdsock-'));
    dirs.push(d);
    return d;
  };
}

export interface Child {
  proc: ChildProcess;
  /** Resolves with the next line the child prints on stdout. */
  line(): Promise<string>;
  /** Resolves when the child exits, with its exit code and all of its output. */
  exit(): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  /** Writes to the child's stdin. */
  write(text: string): void;
}

let children: ChildProcess[] = [];

/** Kills (SIGKILL, by PID) every child a test started and did not reap; a root afterEach hook. */
export async function reapChildren(): Promise<void> {
  const live = children.filter((c) => c.exitCode === null && c.signalCode === null);
  children = [];
  await Promise.all(
    live.map(
      (c) =>
        new Promise<void>((resolve) => {
          c.once('exit', () => resolve());
          c.kill('SIGKILL');
        }),
    ),
  );
}

/** Starts a child process whose lines and exit can be awaited; it is reaped after the test. */
export function start(command: string, args: string[], stdio: StdioOptions = 'pipe', env?: NodeJS.ProcessEnv): Child {
  const proc = spawn(command, args, { stdio, env: env ?? process.env, cwd: ROOT });
  children.push(proc);
  let out = '';
  let err = '';
  let consumed = 0;
  const waiters: Array<() => void> = [];
  const wake = () => {
    for (const w of waiters.splice(0)) w();
  };
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const closed = new Promise<void>((resolve) => proc.once('close', () => resolve()));
  proc.stdout?.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    wake();
  });
  proc.stderr?.setEncoding('utf8').on('data', (d: string) => {
    err += d;
  });
  void closed.then(wake);
  return {
    proc,
    async line() {
      for (;;) {
        const nl = out.indexOf('\n', consumed);
        if (nl >= 0) {
          const l = out.slice(consumed, nl);
          consumed = nl + 1;
          return l;
        }
        if (proc.stdout === null || proc.stdout.readableEnded || proc.exitCode !== null) {
          await closed;
          const nl2 = out.indexOf('\n', consumed);
          if (nl2 >= 0) continue;
          throw new Error(`child exited before printing a line; stderr:\n${err}`);
        }
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    },
    async exit() {
      const { code, signal } = await exited;
      await closed;
      return { code, signal, stdout: out, stderr: err };
    },
    write(text: string) {
      proc.stdin?.write(text);
    },
  };
}

/** Runs python3 with `script` (passed with -c) and `args`. */
export function python(script: string, args: string[] = [], stdio: StdioOptions = 'pipe'): Child {
  return start('python3', ['-u', '-c', script, ...args], stdio);
}

/** Runs a TypeScript file (an example, a fixture) with tsx in a child Node process. */
export function tsNode(file: string, args: string[] = [], stdio: StdioOptions = 'pipe'): Child {
  return start(process.execPath, ['--require', 'tsx/cjs', path.join(ROOT, file), ...args], stdio);
}

/** Seconds since `start` (a performance.now() value). */
export function since(startMs: number): number {
  return (performance.now() - startMs) / 1000;
}

// Linux's values, as /proc/self/fdinfo reports them (octal "flags:" line).
export const O_NONBLOCK = 0o4000;
export const O_CLOEXEC = 0o2000000;

/** The open-file flags of `fd` as the kernel reports them, independent of bsdsock. */
export function fdFlags(fd: number): number {
  const info = fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8');
  const m = /^flags:\s+([0-7]+)$/m.exec(info);
  assert.ok(m, `no flags line for fd ${fd}`);
  return parseInt(m[1]!, 8);
}

// tsx writes its transpile cache in the background; those files come and go.
const TRANSIENT = /\/tsx-\d+(\/|$)/;

/** This process's open fds and what each points to (tsx's cache files left out). */
export function openFds(): Map<string, string> {
  const fds = new Map<string, string>();
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    try {
      const target = fs.readlinkSync(`/proc/self/fd/${fd}`);
      if (!TRANSIENT.test(target)) fds.set(fd, target);
    } catch {
      // the directory fd of readdirSync itself, already closed
    }
  }
  return fds;
}

/**
 * Whether this process runs with AddressSanitizer (npm run test:sanitize
 * preloads its runtime): its shadow memory, an eighth of every allocation,
 * shows in this process's RSS.
 */
export const UNDER_ASAN = /\blibasan\b/.test(fs.readFileSync('/proc/self/maps', 'utf8'));

/** Whether `fd` is open in this process. */
export function fdIsOpen(fd: number): boolean {
  return fs.existsSync(`/proc/self/fdinfo/${fd}`);
}

/** Waits for the event loop to turn `n` times (lets signal handlers and finalizers run). */
export async function ticks(n = 1): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
