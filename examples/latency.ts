// A latency loop: round trips of a small message to an echo server in
// another process, timed one by one, as the classic Python script does:
//
//   for i in range(n):
//       t0 = time.perf_counter()
//       s.sendall(msg)
//       data = b''
//       while len(data) < len(msg):
//           data += s.recv(len(msg) - len(data))
//       times.append(time.perf_counter() - t0)
//
// Usage: tsx examples/latency.ts [--count N] [--size B] [--unix]
//
// The echo server is this script again, run with --serve in a child
// process; it listens on 127.0.0.1 (TCP, with TCP_NODELAY) or, with
// --unix, on an AF_UNIX socket in a temp directory. Prints `<N> round
// trips of <B> bytes over <tcp|unix>: min <us> us, median <us> us, p99
// <us> us`. Timings depend on the machine and on whether the two
// processes share a CPU; nothing here judges them.

import { spawn } from 'node:child_process';
import fs = require('node:fs');
import os = require('node:os');
import path = require('node:path');
import { performance } from 'node:perf_hooks';
import readline = require('node:readline');
import { parseArgs } from 'node:util';

import { AF_INET, AF_UNIX, IPPROTO_TCP, SOCK_STREAM, Socket, TCP_NODELAY, socket } from '../lib';

/** The child: accepts one client on `where` and echoes until EOF. */
function serve(where: string): void {
  const tcp = where === 'tcp';
  const l: Socket = tcp ? socket(AF_INET, SOCK_STREAM) : socket(AF_UNIX, SOCK_STREAM);
  try {
    l.bind(tcp ? ['127.0.0.1', 0] : where);
    l.listen(1);
    const name = l.getsockname();
    process.stdout.write(`${Array.isArray(name) ? String(name[1]) : where}\n`);
    const [conn] = l.accept();
    try {
      if (tcp) conn.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
      for (let data = conn.recv(65536); data.length > 0; data = conn.recv(65536)) conn.sendall(data);
    } finally {
      conn.close();
    }
  } finally {
    l.close();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      serve: { type: 'string' },
      count: { type: 'string', default: '10000' },
      size: { type: 'string', default: '64' },
      unix: { type: 'boolean', default: false },
    },
  });
  if (values.serve !== undefined) {
    serve(values.serve);
    return;
  }
  const count = Number(values.count);
  const size = Number(values.size);
  if (!Number.isInteger(count) || count < 1 || count > 10_000_000 || !Number.isInteger(size) || size < 1 || size > 65536) {
    process.stderr.write('usage: latency.ts [--count N] [--size B (1-65536)] [--unix]\n');
    process.exitCode = 2;
    return;
  }
  const dir = values.unix ? fs.mkdtempSync(path.join(os.tmpdir(), 'bsdsock-latency-')) : null;
  const where = dir === null ? 'tcp' : path.join(dir, 'echo.sock');
  const child = spawn(process.execPath, [...process.execArgv, __filename, '--serve', where], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const lines = readline.createInterface({ input: child.stdout });
    const [first] = await Promise.race([
      (async () => {
        for await (const line of lines) return [line];
        return [null];
      })(),
      new Promise<[null]>((resolve) => child.once('exit', () => resolve([null]))),
    ]);
    if (first === null) throw new Error('the echo server did not start');
    const s: Socket = dir === null ? socket(AF_INET, SOCK_STREAM) : socket(AF_UNIX, SOCK_STREAM);
    try {
      if (dir === null) {
        s.connect(['127.0.0.1', Number(first)]);
        s.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
      } else {
        s.connect(where);
      }
      const msg = Buffer.alloc(size, 'x');
      const times = new Float64Array(count);
      for (let i = 0; i < count; i++) {
        const t0 = performance.now();
        s.sendall(msg);
        for (let got = 0; got < size; ) {
          const data = s.recv(size - got);
          if (data.length === 0) throw new Error('the echo server closed the connection');
          got += data.length;
        }
        times[i] = (performance.now() - t0) * 1000;
      }
      times.sort();
      const at = (q: number): string => (times[Math.min(count - 1, Math.floor(q * count))] ?? 0).toFixed(1);
      process.stdout.write(
        `${count} round trips of ${size} bytes over ${dir === null ? 'tcp' : 'unix'}: min ${at(0)} us, median ${at(0.5)} us, p99 ${at(0.99)} us\n`,
      );
    } finally {
      s.close(); // the server reads EOF and exits
    }
    await new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));
  } finally {
    if (child.exitCode === null) child.kill();
    if (dir !== null) fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();
