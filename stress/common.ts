// Helpers shared by the stress scenarios (stress/run.ts starts each in a
// child process of its own).

import fs = require('node:fs');

/** The socket fds this process has open (fd -> 'socket:[inode]'), from /proc/self/fd. */
export function socketFdSet(): Map<string, string> {
  const out = new Map<string, string>();
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    try {
      const t = fs.readlinkSync(`/proc/self/fd/${fd}`);
      if (t.startsWith('socket:')) out.set(fd, t);
    } catch {
      // readdir's own fd, closed by now
    }
  }
  return out;
}

/**
 * The socket fds open now that were not in `baseline` (Node and tsx have
 * sockets of their own, made before the scenario starts).
 */
export function socketFds(baseline: Map<string, string> = new Map()): number {
  let n = 0;
  for (const [fd, t] of socketFdSet()) if (baseline.get(fd) !== t) n++;
  return n;
}

/** `size` deterministic bytes for connection `id`, so that both ends can check every byte. */
export function payload(id: number, size: number): Buffer {
  const b = Buffer.allocUnsafe(size);
  let x = (Math.imul(id + 1, 0x9e3779b1) ^ 0x5bd1e995) >>> 0;
  for (let k = 0; k < size; k++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    b[k] = x >>> 24;
  }
  return b;
}

/** The server's answer to `data`: every byte complemented, so that an echo of the request would not pass. */
export function answer(data: Buffer): Buffer {
  const out = Buffer.allocUnsafe(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i]! ^ 0xff;
  return out;
}

/** Prints the scenario's result as the one JSON line stress/run.ts reads. */
export function report(result: object): void {
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits for the event loop (and finalizers) to turn `n` times. */
export async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
