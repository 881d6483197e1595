// The benchmark implementations speak one protocol (bench/c/bench.c), so
// any client can talk to any server. This checks that they do, with tiny
// counts: byte counts and round trips are verified, nothing is timed (timing
// belongs in `npm run bench`).

import assert = require('node:assert/strict');
import { spawnSync } from 'node:child_process';
import fs = require('node:fs');
import path = require('node:path');

import { ffiNode } from '../bench/tools';
import { ROOT, start, tempDirs } from './helpers';

const CC = ['cc', 'gcc', 'clang'].find((c) => spawnSync(c, ['--version'], { stdio: 'ignore' }).status === 0);
const C_BIN = path.join(ROOT, 'bench', 'c', 'bin', 'bench-test');

const tsx = (file: string) => [process.execPath, '--require', 'tsx/cjs', path.join(ROOT, 'bench', 'impl', file)];
const IMPLS: Record<string, string[]> = {
  c: [C_BIN],
  sync: tsx('bsdsock-sync.ts'),
  async: tsx('bsdsock-async.ts'),
  node: tsx('node-net.ts'),
  floor: tsx('bsdsock-floor.ts'),
  python: ['python3', path.join(ROOT, 'bench', 'impl', 'python.py')],
  single: tsx('bsdsock-single.ts'),
  fresh: tsx('bsdsock-fresh.ts'),
  bun: [path.join(ROOT, 'node_modules', '.bin', 'bun'), path.join(ROOT, 'bench', 'impl', 'bun-udp.ts')],
};
const HAS_BUN = spawnSync(IMPLS.bun![0]!, ['--version'], { stdio: 'ignore' }).status === 0;

interface Result {
  ops: number;
  bytes: number;
  seconds: number;
  lost: number;
}

describe('90 benchmark protocol', function () {
  this.timeout(60_000);
  const tmp = tempDirs();

  before(function () {
    // The C reference needs a compiler; without one, say so and skip.
    if (CC === undefined) this.skip();
    fs.mkdirSync(path.dirname(C_BIN), { recursive: true });
    const r = spawnSync(CC, ['-O2', '-pthread', '-o', C_BIN, path.join(ROOT, 'bench', 'c', 'bench.c')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  });

  after(() => fs.rmSync(C_BIN, { force: true }));

  async function run(server: string, client: string, workload: string, transport: string, count: number): Promise<Result> {
    const dir = tmp();
    const srv = start(IMPLS[server]![0]!, [...IMPLS[server]!.slice(1), 'server', workload, transport, path.join(dir, 's')]);
    const ready = await srv.line();
    assert.match(ready, /^ready /, `${server} server: ${ready}`);
    const cli = start(IMPLS[client]![0]!, [...IMPLS[client]!.slice(1), 'client', workload, transport, ready.slice(6), String(count)]);
    const out = await cli.exit();
    const done = await srv.exit();
    assert.equal(out.code, 0, `${client} client failed: ${out.stderr}`);
    assert.equal(done.code, 0, `${server} server failed: ${done.stderr}`);
    return JSON.parse(out.stdout.trim().split('\n').pop()!) as Result;
  }

  // Each client against a server of another implementation, so that every
  // implementation is checked both as a client and as a server.
  const pairs: Array<[string, string]> = [
    ['c', 'sync'],
    ['sync', 'async'],
    ['async', 'python'],
    ['python', 'node'],
    ['node', 'c'],
    ['c', 'floor'],
    ['floor', 'node'],
  ];

  for (const [server, client] of pairs) {
    for (const transport of ['tcp', 'unix']) {
      it(`ping-pong over ${transport}: ${client} client, ${server} server`, async () => {
        const r = await run(server, client, 'pingpong', transport, 200);
        assert.deepEqual([r.ops, r.bytes, r.lost], [200, 200 * 64, 0]);
      });

      it(`bulk over ${transport}: ${client} client, ${server} server, every byte counted`, async () => {
        const r = await run(server, client, 'bulk', transport, (1 << 20) + 123);
        assert.deepEqual([r.ops, r.bytes], [17, (1 << 20) + 123]);
      });
    }

    for (const transport of ['udp', 'unix']) {
      it(`datagrams over ${transport}: ${client} client, ${server} server`, async function () {
        if (transport === 'unix' && (server === 'node' || client === 'node')) this.skip(); // Node has no AF_UNIX datagrams
        const r = await run(server, client, 'dgram', transport, 300);
        // Loopback datagrams may be dropped under load; none may be invented.
        assert.equal(r.ops + r.lost, 300);
        assert.ok(r.lost >= 0 && r.ops > 0, JSON.stringify(r));
        assert.equal(r.bytes, r.ops * 64);
      });
    }
  }

  // The Python-shaped workloads (issue 16). Echo: every implementation as a
  // client and as a server, each pair over one transport (alternating) to
  // keep the suite short. bulk-recv and dgram-recvfrom differ from bulk and
  // dgram only in their servers: each server against another's client;
  // dgram-recvfrom over both transports where the server is bsdsock's or
  // CPython's, since the address recvfrom returns is what it replies to.
  pairs.forEach(([server, client], i) => {
    const transport = i % 2 === 0 ? 'tcp' : 'unix';
    it(`echo over ${transport}: ${client} client, ${server} server, every reply upper-cased`, async () => {
      const r = await run(server, client, 'echo', transport, 200);
      assert.deepEqual([r.ops, r.bytes, r.lost], [200, 200 * 64, 0]);
    });
  });

  for (const [server, client, transport] of [
    ['sync', 'c', 'tcp'],
    ['async', 'python', 'unix'],
    ['python', 'sync', 'tcp'],
    ['c', 'async', 'unix'],
    ['node', 'sync', 'tcp'],
    ['fresh', 'c', 'unix'],
    ['python', 'fresh', 'tcp'],
  ] as const) {
    it(`bulk-recv over ${transport}: ${client} client, ${server} server, every byte counted`, async () => {
      const r = await run(server, client, 'bulk-recv', transport, (1 << 20) + 123);
      assert.deepEqual([r.ops, r.bytes], [17, (1 << 20) + 123]);
    });
  }

  for (const [server, client, transport] of [
    ['sync', 'c', 'udp'],
    ['sync', 'python', 'unix'],
    ['async', 'sync', 'udp'],
    ['async', 'c', 'unix'],
    ['python', 'async', 'udp'],
    ['python', 'c', 'unix'],
    ['c', 'python', 'udp'],
    ['node', 'c', 'udp'],
  ] as const) {
    it(`dgram-recvfrom over ${transport}: ${client} client, ${server} server`, async () => {
      const r = await run(server, client, 'dgram-recvfrom', transport, 300);
      assert.equal(r.ops + r.lost, 300);
      assert.ok(r.lost >= 0 && r.ops > 0, JSON.stringify(r));
      assert.equal(r.bytes, r.ops * 64);
    });
  }

  // The echo clients check what comes back: a server that echoes without
  // upper-casing (C's ping-pong server) fails every one of them.
  it('every echo client fails on a reply that is not the upper-cased message', async () => {
    const failed = await Promise.all(
      Object.entries(IMPLS)
        .filter(([name]) => name !== 'single' && name !== 'bun' && name !== 'fresh') // batch workloads, bulk-recv only
        .map(async ([name, cmd]) => {
        const srv = start(C_BIN, ['server', 'pingpong', 'unix', path.join(tmp(), `s-${name}`)]);
        const ready = await srv.line();
        const cli = start(cmd[0]!, [...cmd.slice(1), 'client', 'echo', 'unix', ready.slice(6), '20']);
        const out = await cli.exit();
        await srv.exit();
        return [name, out.code, /not the upper-cased message/.test(out.stderr)] as const;
      }),
    );
    assert.deepEqual(
      failed.filter(([, code, said]) => code === 0 || !said),
      [],
    );
  });

  // Batched datagrams: each implementation as a client and as a server,
  // against others, with 64- and 1,200-byte datagrams, and with UDP GSO
  // senders and GRO receivers (c, sync, async) talking to plain ones.
  const batches: Array<[string, string, string, string]> = [
    ['batch64', 'udp', 'c', 'sync'],
    ['batch64', 'udp', 'sync', 'async'],
    ['batch64', 'udp', 'async', 'c'],
    ['batch64', 'udp', 'node', 'bun'],
    ['batch64', 'udp', 'bun', 'node'],
    ['batch64', 'udp', 'single', 'sync'],
    ['batch64', 'unix', 'c', 'async'],
    ['batch64', 'unix', 'sync', 'c'],
    ['batch64', 'unix', 'async', 'single'],
    ['batch1200', 'udp', 'sync', 'c'],
    ['batch1200', 'udp', 'c', 'async'],
    ['batch1200', 'udp', 'bun', 'sync'],
    ['batch1200', 'udp', 'node', 'single'],
    ['batch1200', 'unix', 'async', 'sync'],
    ['gso64', 'udp', 'c', 'async'],
    ['gso64', 'udp', 'sync', 'c'],
    ['gso1200', 'udp', 'c', 'sync'],
    ['gso1200', 'udp', 'sync', 'async'],
    ['gso1200', 'udp', 'async', 'c'],
    ['gso1200', 'udp', 'single', 'sync'],
    ['gso1200', 'udp', 'sync', 'single'],
  ];
  for (const [workload, transport, server, client] of batches) {
    it(`${workload} over ${transport}: ${client} client, ${server} server`, async function () {
      if (!HAS_BUN && (server === 'bun' || client === 'bun')) this.skip(); // no bun in node_modules
      // Bun's server cannot ask for a larger receive buffer: keep what
      // arrives within the default one.
      const count = server === 'bun' ? 60 : 1000;
      const r = await run(server, client, workload, transport, count);
      assert.equal(r.ops + r.lost, count);
      assert.ok(r.lost >= 0 && r.ops > 0, JSON.stringify(r));
      assert.equal(r.bytes, r.ops * (workload.endsWith('1200') ? 1200 : 64));
    });
  }

  // bench/run.ts skips an implementation whose server answers with an
  // {"unsupported": why} line instead of "ready".
  for (const [impl, workload, transport, why] of [
    ['node', 'dgram', 'unix', 'Node has no AF_UNIX datagram sockets'],
    ['node', 'dgram-recvfrom', 'unix', 'Node has no AF_UNIX datagram sockets'],
    ['floor', 'bulk-recv', 'tcp', 'the floor receives into one buffer: its bulk and dgram runs are the floor of these'],
    ['floor', 'dgram-recvfrom', 'udp', 'the floor receives into one buffer: its bulk and dgram runs are the floor of these'],
    ['node', 'gso1200', 'udp', 'Node dgram has no GSO'],
    ['c', 'gso1200', 'unix', 'no GSO over AF_UNIX'],
    ['sync', 'gso1200', 'unix', 'no GSO over AF_UNIX'],
    ['python', 'batch64', 'udp', 'CPython has no batch calls'],
    ['floor', 'batch64', 'udp', 'the floor has no batch calls'],
    ['single', 'dgram', 'udp', 'only the batch workloads'],
    ['bun', 'batch64', 'unix', "Bun's udpSocket is UDP only"],
    ['bun', 'gso1200', 'udp', "Bun's udpSocket has no GSO"],
    ['node', 'gso64', 'udp', 'Node dgram has no GSO'],
    ['async', 'gso64', 'unix', 'no GSO over AF_UNIX'],
    ['bun', 'dgram', 'udp', 'only the batch workloads'],
    ['fresh', 'bulk', 'unix', 'only bulk-recv'],
  ] as const) {
    it(`${impl} declines ${workload} over ${transport} with an unsupported line`, async function () {
      if (impl === 'bun' && !HAS_BUN) this.skip();
      const p = start(IMPLS[impl]![0]!, [...IMPLS[impl]!.slice(1), 'server', workload, transport, path.join(tmp(), 's')]);
      const out = await p.exit();
      assert.equal(out.code, 0, out.stderr);
      assert.deepEqual(JSON.parse(out.stdout), { unsupported: why });
    });
  }

  it('an unknown workload is a usage error (exit 2), not a run of another', async () => {
    const codes = await Promise.all(
      ['c', 'sync', 'python'].map(async (impl) => (await start(IMPLS[impl]![0]!, [...IMPLS[impl]!.slice(1), 'server', 'bulk-recvfrom', 'tcp']).exit()).code),
    );
    assert.deepEqual(codes, [2, 2, 1]); // Python's sys.exit(message) exits 1
  });

  // The microbenchmark's mode: ns per iteration of each loop (only the shape
  // is checked); the implementations run at once, as nothing is timed.
  it('micro mode: C, bsdsock sync and async, and CPython print ns per iteration of each loop', async () => {
    const recv = ['recv64', 'recv1024', 'recv65536', 'recvfrom64', 'recvfrom65536'];
    const expected: Record<string, string[]> = {
      c: recv,
      sync: [...recv, 'recvInto64', 'recvInto1024', 'recvInto65536', 'recvfromInto64', 'recvfromInto65536'],
      async: recv,
      python: recv,
    };
    const lines = await Promise.all(
      Object.keys(expected).map(async (impl) => {
        const out = await start(IMPLS[impl]![0]!, [...IMPLS[impl]!.slice(1), 'micro', '200']).exit();
        assert.equal(out.code, 0, `${impl}: ${out.stderr}`);
        return [impl, JSON.parse(out.stdout) as Record<string, number>] as const;
      }),
    );
    for (const [impl, r] of lines) {
      assert.deepEqual(Object.keys(r).sort(), [...expected[impl]!].sort(), impl);
      for (const [k, ns] of Object.entries(r)) assert.ok(ns > 0, `${impl} ${k}: ${ns}`);
    }
  });

  // The instructions mode, run without callgrind: each loop's marks, in the
  // order bench/instructions.ts reads them (the counts it needs no run to check).
  it('instructions mode: every implementation marks the same loops in the same order', async () => {
    // Where an exception costs thousands of instructions (bsdsock sync, CPython), eagain runs a tenth as many.
    const marks = (loops: string[], tenth: boolean) =>
      loops.flatMap((loop) => {
        const [a, b] = loop === 'eagain' && tenth ? [4, 12] : [40, 120];
        return [`${loop} warm-up`, `${loop} ${a}`, `${loop} ${b}`, `${loop} ${a}`, `${loop} ${b}`, `${loop} ${a}`, `${loop} ${b}`];
      });
    const all = ['pair', 'pairStr', 'pairInto', 'recv64', 'recv65536', 'bulk', 'udp', 'getsockopt', 'eagain'];
    const expected: Record<string, string[]> = {
      c: marks(all, false),
      sync: marks(all, true),
      python: marks(all, true),
      async: marks(['pair', 'pairStr', 'pairInto', 'recv64', 'recv65536', 'bulk', 'udp'], false),
      floor: marks(['pairInto', 'getsockopt', 'eagain'], false),
    };
    const got = await Promise.all(
      Object.keys(expected).map(async (impl) => {
        const out = await start(IMPLS[impl]![0]!, [...IMPLS[impl]!.slice(1), 'instructions', '40', '120']).exit();
        assert.equal(out.code, 0, `${impl}: ${out.stderr}`);
        return [impl, (JSON.parse(out.stdout) as { marks: string[] }).marks] as const;
      }),
    );
    for (const [impl, m] of got) assert.deepEqual(m, expected[impl], impl);
  });

  // The overhead mode prints ns per call; only the shape is checked here.
  for (const [impl, keys] of [
    ['c', ['getsockopt', 'getsockoptThreaded', 'recvWouldBlock', 'recvWouldBlockThreaded']],
    ['sync', ['getsockopt', 'recvWouldBlock']],
    ['floor', ['getsockopt', 'recvWouldBlock']],
  ] as const) {
    it(`overhead mode: ${impl} prints ${keys.join(', ')}`, async () => {
      const p = start(IMPLS[impl]![0]!, [...IMPLS[impl]!.slice(1), 'overhead', '1000']);
      const out = await p.exit();
      assert.equal(out.code, 0, out.stderr);
      const r = JSON.parse(out.stdout) as Record<string, unknown>;
      assert.deepEqual(Object.keys(r).sort(), [...keys]);
      for (const k of keys) assert.ok(typeof r[k] === 'number' && r[k] > 0, `${k}: ${String(r[k])}`);
    });
  }

  // The host check's loop: the sum proves every iteration ran (the time is
  // not checked).
  it('spin mode: C runs the one-cycle loop and prints its seconds', async () => {
    const p = start(C_BIN, ['spin', '1000']);
    const out = await p.exit();
    assert.equal(out.code, 0, out.stderr);
    const r = JSON.parse(out.stdout) as { seconds: number; sum: number };
    assert.deepEqual(Object.keys(r), ['seconds', 'sum']);
    assert.equal(r.sum, 499_500);
    assert.ok(r.seconds >= 0);
  });

  // Not timing, a property of the build: the objects every hot-path call
  // reads through must have fast properties. A dictionary-mode object (an
  // addon's big exports object, a module whose exports TypeScript turned into
  // accessors by a re-export) makes each property load a hash lookup.
  it('the built modules and the native binding keep fast properties', () => {
    // dist/api.js is tsc's entry, all re-exports (accessors); nothing calls
    // through it: dist/index.js copies its values into a plain object.
    const modules = fs
      .readdirSync(path.join(ROOT, 'dist'))
      .filter((f) => f.endsWith('.js') && f !== 'api.js')
      .map((f) => path.join(ROOT, 'dist', f));
    const code = `
      const slow = [];
      for (const f of ${JSON.stringify(modules)}) if (!%HasFastProperties(require(f))) slow.push(f);
      if (!%HasFastProperties(require(${JSON.stringify(path.join(ROOT, 'dist', 'binding.js'))}).native)) slow.push('native');
      process.stdout.write(JSON.stringify(slow));`;
    const r = spawnSync(process.execPath, ['--allow-natives-syntax', '-e', code], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(modules.length >= 10, modules.join());
    assert.deepEqual(JSON.parse(r.stdout), []);
  });
});

// node:ffi (Node 26 and later) as a peer in the overhead loops, when such a
// Node is given (BENCH_FFI_NODE) or runs the suite.
describe('90 the node:ffi peer', () => {
  const ffi = ffiNode(undefined);

  it('overhead and instructions modes', async function () {
    if ('why' in ffi) this.skip();
    const script = path.join(ROOT, 'bench', 'impl', 'node-ffi.mjs');
    const [overhead, marks] = await Promise.all([start(ffi.cmd[0]!, [...ffi.cmd.slice(1), script, 'overhead', '1000']).exit(), start(ffi.cmd[0]!, [...ffi.cmd.slice(1), script, 'instructions', '40', '120']).exit()]);
    assert.equal(overhead.code, 0, overhead.stderr);
    assert.equal(overhead.stderr, ''); // the ExperimentalWarning is silenced
    const r = JSON.parse(overhead.stdout) as Record<string, number>;
    assert.deepEqual(Object.keys(r), ['getsockopt', 'recvWouldBlock']);
    for (const ns of Object.values(r)) assert.ok(ns > 0);
    assert.equal(marks.code, 0, marks.stderr);
    assert.deepEqual((JSON.parse(marks.stdout) as { marks: string[] }).marks.filter((m) => m.endsWith('warm-up')), [
      'pairInto warm-up',
      'getsockopt warm-up',
      'eagain warm-up',
    ]);
  });

  it('a path with no Node behind it is skipped with the reason', () => {
    const r = ffiNode('/nonexistent/node');
    assert.deepEqual(r, { why: '/nonexistent/node (--ffi-node) does not exist' });
  });

  it('a Node without node:ffi is skipped with the reason', function () {
    // This suite's own Node (20) has none; on a Node with it there is nothing to check.
    if (!('why' in ffiNode(process.execPath))) this.skip();
    const r = ffiNode(process.execPath);
    assert.ok('why' in r && r.why.includes('has no node:ffi'), JSON.stringify(r));
  });
});

describe('90 bench run.ts options that make no run', () => {
  it('--check-host prints the host check and exits 0 (steady) or 3 (unsteady), not 1', function () {
    if (CC === undefined) this.skip(); // the check is C's loop
    this.timeout(120_000);
    const r = spawnSync(process.execPath, ['--require', 'tsx/cjs', path.join(ROOT, 'bench', 'run.ts'), '--check-host'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 110_000,
    });
    assert.ok(r.status === 0 || r.status === 3, `status ${r.status}: ${r.stderr}`);
    assert.match(r.stdout, /host check: C's one-cycle loop took \d+ ms \(\d+-\d+\), judged on 5 of 8 checks/);
    assert.match(r.stdout, r.status === 0 ? /host steady/ : /WARNING: /);
  });
});

describe('90 bench/instructions.ts', () => {
  it('without valgrind: a clear message, exit 0, no counts', () => {
    const r = spawnSync(process.execPath, ['--require', 'tsx/cjs', path.join(ROOT, 'bench', 'instructions.ts'), '--valgrind', '/nonexistent/valgrind'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^instruction counts skipped: no valgrind \(\/nonexistent\/valgrind: .*ENOENT.*\)\. Install it \(Debian: apt-get install valgrind\) or give --valgrind <path>\.\n$/);
  });
});

describe('90 the README performance table', () => {
  // The README's Performance table is generated, never copied by hand: it
  // must be exactly what run.ts makes of the published run.
  it("the README's Performance table is the one docs/benchmarks.json gives", () => {
    const r = spawnSync(process.execPath, ['--require', 'tsx/cjs', path.join(ROOT, 'bench', 'run.ts'), '--table', path.join(ROOT, 'docs', 'benchmarks.json')], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 30_000,
    });
    assert.equal(r.status, 0, r.stderr);
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const start = readme.indexOf('| workload | bsdsock sync');
    assert.ok(start >= 0, 'the table header is in the README');
    // The main table, then the batched datagrams' after a blank line when
    // the run had them: the README has exactly these lines, and no row
    // more after them.
    const tables = r.stdout.split('\n\n').length;
    let end = start;
    for (let i = 0; i < tables; i++) end = readme.indexOf('\n\n', end + 1);
    assert.equal(readme.slice(start, end + 1), r.stdout);
  });
});
