// npm run stress [-- --only NAME[,NAME] --connections N --workers N --unclosed N]
//
// Load and faults beyond what the test suite can afford, each scenario in a
// child process of its own (a crash there is a finding, not the end of the
// run), printing the figures the README's Reliability section quotes:
//
//   connections  N concurrent async connections (5,000) to a bsdsock
//                server, from clients in another process, with Node's net
//                and with bsdsock; every byte checked both ways; the
//                server's socket fds before and after
//   workers      N Worker terminations (200) with async calls pending and
//                sockets open: no crash, no fd left
//   unclosed     N sockets (10,000) dropped without close(): their fds and
//                pollers after one gc(), and one ResourceWarning each
//   faults       resets, killed peers, refused and full listeners, fd
//                exhaustion and recovery, timeouts: each outcome exactly
//                as expected
//
// The fd limit is raised to the hard limit for the children that need many
// fds (and lowered to 256 for the faults, so that EMFILE is near). Exits 1
// if any figure is not what it must be. Loopback and AF_UNIX in a temp dir
// only.

import { spawn } from 'node:child_process';
import path = require('node:path');
import readline = require('node:readline');

const HERE = __dirname;

interface Options {
  only: string[] | null;
  connections: number;
  workers: number;
  unclosed: number;
}

interface Child {
  line(): Promise<string>;
  write(s: string): void;
  result(): Promise<Record<string, unknown>>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs a stress script with tsx in a child, with RLIMIT_NOFILE set by `ulimit` first. */
function child(script: string, args: string[], ulimit: string, nodeArgs: string[] = []): Child {
  const argv = [process.execPath, ...nodeArgs, '--require', 'tsx/cjs', path.join(HERE, script), ...args];
  const limit = ulimit === 'hard' ? '$(ulimit -Hn)' : ulimit;
  const proc = spawn('sh', ['-c', `ulimit -n ${limit} 2>/dev/null; exec "$@"`, 'sh', ...argv], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines: string[] = [];
  const waiting: Array<(l: string) => void> = [];
  readline.createInterface({ input: proc.stdout! }).on('line', (l) => {
    if (!l.startsWith('RESULT ') && !l.startsWith('port ')) process.stdout.write(`    ${l}\n`);
    const w = waiting.shift();
    if (w) w(l);
    else lines.push(l);
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  const line = (): Promise<string> => {
    const l = lines.shift();
    if (l !== undefined) return Promise.resolve(l);
    return Promise.race([
      new Promise<string>((resolve) => waiting.push(resolve)),
      exit.then((e) => {
        throw new Error(`${script} exited (${e.code ?? e.signal}) before its result`);
      }),
    ]);
  };
  return {
    line,
    write: (s) => proc.stdin!.write(s),
    async result() {
      for (;;) {
        const l = await line();
        if (l.startsWith('RESULT ')) return JSON.parse(l.slice(7)) as Record<string, unknown>;
      }
    },
    exit,
  };
}

interface Figure {
  label: string;
  value: string;
  ok: boolean;
}

async function connections(n: number): Promise<Figure[]> {
  const figures: Figure[] = [];
  const server = child('connections.ts', ['server'], 'hard');
  const port = (await server.line()).slice(5);
  for (const kind of ['net', 'bsdsock']) {
    server.write(`expect ${n}\n`);
    const client = child('connections.ts', ['client', kind, port, String(n)], 'hard');
    const c = await client.result();
    const s = await server.result();
    await client.exit;
    const errors = [...(c.errors as string[]), ...(s.errors as string[])];
    figures.push({
      label: `${n} concurrent connections, ${kind} clients in another process`,
      value: `${c.checked as number}/${n} answers checked, every byte; ${c.openTogether as number} open at once on the client side, ${s.maxOpen as number} at once on the server; ${(s.bytes as number) * 2} bytes checked; errors ${errors.length}${errors.length > 0 ? ` (${errors.slice(0, 3).join('; ')})` : ''}`,
      ok: c.checked === n && c.openTogether === n && s.served === n && errors.length === 0 && s.openAfter === 0 && c.socketFdsAfter === 0,
    });
  }
  server.write('stop\n');
  const end = await server.result();
  figures.push({
    label: 'server socket fds before listening / after the last connection',
    value: `${end.socketFdsBefore as number} / ${end.socketFdsAfter as number}`,
    ok: end.socketFdsBefore === 0 && end.socketFdsAfter === 0,
  });
  const e = await server.exit;
  if (e.code !== 0) figures.push({ label: 'server exit', value: String(e.code ?? e.signal), ok: false });
  return figures;
}

async function workers(n: number): Promise<Figure[]> {
  const w = child('workers.ts', [String(n)], 'hard');
  const r = await w.result().catch((err: unknown) => ({ error: String(err) }) as Record<string, unknown>);
  const e = await w.exit;
  if ('error' in r) return [{ label: `${n} Worker terminations with calls pending`, value: `crashed: exit ${e.code ?? e.signal}`, ok: false }];
  const failures = r.failures as string[];
  return [
    {
      label: `${n} Worker terminations with calls pending`,
      value: `${r.terminated as number}/${n} terminated, process exit ${e.code ?? e.signal}; calls that did not stay pending ${failures.length}`,
      ok: r.terminated === n && e.code === 0 && failures.length === 0,
    },
    { label: "the workers' socket fds left open", value: String(r.socketFdsLeft), ok: r.socketFdsLeft === 0 },
  ];
}

async function unclosed(n: number): Promise<Figure[]> {
  // --no-warnings: 'warning' listeners still get them, but nothing prints 10,000 lines.
  const u = child('unclosed.ts', [String(n)], 'hard', ['--expose-gc', '--no-warnings']);
  const r = await u.result();
  await u.exit;
  return [
    {
      label: `${n} sockets dropped without close()`,
      value: `${r.openBeforeGc as number} socket fds and ${r.pollersBeforeGc as number} pollers open before gc(); ${r.socketFdsAfterGc as number} and ${r.pollersAfterGc as number} after one gc()`,
      ok: r.openBeforeGc === n && r.socketFdsAfterGc === 0 && r.pollersAfterGc === 0,
    },
    { label: 'ResourceWarnings', value: `${r.warnings as number}, ${r.named as number} of them naming the socket`, ok: r.warnings === n && r.named === n },
  ];
}

async function faults(): Promise<Figure[]> {
  const f = child('faults.ts', [], '256');
  const r = await f.result();
  await f.exit;
  return [{ label: 'injected faults', value: `${r.asExpected as number}/${r.faults as number} as expected`, ok: r.asExpected === r.faults }];
}

function parse(argv: string[]): Options {
  const o: Options = { only: null, connections: 5000, workers: 200, unclosed: 10000 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = argv[++i];
    if (a === '--only') o.only = (next ?? '').split(',');
    else if (a === '--connections') o.connections = Number(next);
    else if (a === '--workers') o.workers = Number(next);
    else if (a === '--unclosed') o.unclosed = Number(next);
    else throw new Error(`unknown option ${a} (--only connections,workers,unclosed,faults --connections N --workers N --unclosed N)`);
  }
  return o;
}

async function main(): Promise<void> {
  const o = parse(process.argv.slice(2));
  const scenarios: Array<[string, () => Promise<Figure[]>]> = [
    ['connections', () => connections(o.connections)],
    ['workers', () => workers(o.workers)],
    ['unclosed', () => unclosed(o.unclosed)],
    ['faults', () => faults()],
  ];
  let failed = 0;
  for (const [name, run] of scenarios) {
    if (o.only !== null && !o.only.includes(name)) continue;
    process.stdout.write(`${name}:\n`);
    const started = Date.now();
    let figures: Figure[];
    try {
      figures = await run();
    } catch (err) {
      figures = [{ label: name, value: `failed: ${String(err)}`, ok: false }];
    }
    for (const f of figures) {
      if (!f.ok) failed++;
      process.stdout.write(`  ${f.ok ? 'ok  ' : 'FAIL'} ${f.label}: ${f.value}\n`);
    }
    process.stdout.write(`  (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
  }
  process.stdout.write(failed === 0 ? 'stress: every figure as it must be\n' : `stress: ${failed} figure(s) wrong\n`);
  process.exitCode = failed === 0 ? 0 : 1;
}

void main();
