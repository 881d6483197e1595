// npm run test:sanitize: the whole test suite against an addon built with
// AddressSanitizer and UndefinedBehaviorSanitizer, stopping at the first
// report.
//
// The addon is built into build-sanitize/ (a directory of its own holding
// links to binding.gyp and native/), so build/, which npm test and users
// load, is left alone; BSDSOCK_PREBUILD points node-gyp-build at it.
//
// Node itself is not built with ASan, so the ASan runtime must be the first
// library the dynamic linker loads (its malloc and the interceptors must win
// over libc's): it is preloaded with LD_PRELOAD into the test run and every
// process the suite starts (children that load the addon need it too).
//
// The UBSan runtime is linked into the addon itself, its symbols hidden
// (-static-libubsan -Wl,--exclude-libs,ALL). As a shared library, its call to
// __sanitizer_set_report_path at start-up resolves to the preloaded ASan
// runtime's copy of that function, so UBSan's log_path is never applied and
// its reports go to stderr, where a test that captures a child's output
// would hide them. UBSan is built with -fno-sanitize-recover, so that its
// first report ends the process as ASan's does.
//
// Leak detection is off (detect_leaks=0): LeakSanitizer runs at exit and
// reports every block still allocated then, and Node, by design, does not
// free its isolate, its platform and V8's heap at exit. In an uninstrumented
// node binary those thousands of blocks cannot be told apart from the
// addon's, so the reports would be all noise. Leaks that matter here are
// fds, which the suite checks after every run (test/hooks.ts) and the fuzzer
// after every call.
//
// Reports go to files (log_path) rather than to stderr, where a child's
// report could be swallowed by a test that only checks an exit code: the
// run is watched, and the first report file stops it and is printed. The
// script fails, loudly, if the toolchain has no sanitizer runtime or the
// runtime is not in fact loaded, rather than passing vacuously.
'use strict';
const { spawn, spawnSync, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const BUILD = path.join(ROOT, 'build-sanitize');
const ADDON = path.join(BUILD, 'build', 'Release', 'bsdsock.node');
const SANITIZE = '-fsanitize=address,undefined';

function fail(message) {
  console.error(`\ntest:sanitize: ${message}`);
  process.exit(1);
}

function run(command, args, options = {}) {
  const r = spawnSync(command, args, { stdio: 'inherit', cwd: ROOT, ...options });
  if (r.error) fail(`${command}: ${r.error.message}`);
  if (r.status !== 0) fail(`${command} ${args.join(' ')} exited with ${r.status ?? r.signal}`);
}

// ---- the toolchain ----------------------------------------------------------

if (process.platform !== 'linux') fail('runs on Linux only (LD_PRELOAD of the ASan runtime)');
// GCC's runtimes (libasan.so, libubsan.a), as node-gyp uses by default on
// Linux; clang lays its runtimes out differently and is not supported here.
const cxx = process.env.CXX || 'g++';
let version;
try {
  version = execFileSync(cxx, ['--version'], { encoding: 'utf8' });
} catch (err) {
  fail(`no C++ compiler (${cxx}): ${err.message}`);
}
if (/clang/i.test(version)) fail(`${cxx} is clang; this script needs GCC's sanitizer runtimes (set CXX=g++)`);

/** The library's absolute path, as the compiler itself would link it, or null. */
function runtime(name) {
  const p = execFileSync(cxx, [`-print-file-name=${name}`], { encoding: 'utf8' }).trim();
  // A compiler that does not have the file prints the bare name back.
  return path.isAbsolute(p) && fs.existsSync(p) ? fs.realpathSync(p) : null;
}
const libasan = runtime('libasan.so');
if (!libasan || !runtime('libubsan.a')) {
  fail(
    `${cxx} has no ASan/UBSan runtime (libasan.so, libubsan.a). Install the ` +
      `compiler's sanitizer libraries (Debian/Ubuntu: libasan8 and libubsan1 ` +
      `with the matching libgcc-N-dev; they come with g++).`,
  );
}

// ---- the build --------------------------------------------------------------

fs.mkdirSync(BUILD, { recursive: true });
for (const name of ['binding.gyp', 'native']) {
  const link = path.join(BUILD, name);
  if (!fs.existsSync(link)) fs.symlinkSync(path.join('..', name), link);
}
const buildEnv = {
  ...process.env,
  CXX: cxx,
  CXXFLAGS: `${SANITIZE} -fno-sanitize-recover=all -fno-omit-frame-pointer -g -O1`,
  LDFLAGS: `${SANITIZE} -static-libubsan -Wl,--exclude-libs,ALL`,
};
const gyp = path.join(ROOT, 'node_modules', '.bin', 'node-gyp');
console.log(`test:sanitize: building the addon with ${SANITIZE} into build-sanitize/ (${cxx}, ${path.basename(libasan)})`);
// make cannot see a change of flags: a build made with other flags (an
// older version of this script) is rebuilt from scratch; otherwise only what
// changed is.
const jobs = ['-j', String(os.availableParallelism?.() ?? os.cpus().length)];
const stamp = path.join(BUILD, 'flags.json');
const flags = JSON.stringify({ cxx, version, CXXFLAGS: buildEnv.CXXFLAGS, LDFLAGS: buildEnv.LDFLAGS });
const same = fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === flags;
run(gyp, same ? ['build', ...jobs] : ['rebuild', ...jobs], { cwd: BUILD, env: buildEnv });
fs.writeFileSync(stamp, flags);
if (!fs.existsSync(ADDON)) fail(`the build made no ${path.relative(ROOT, ADDON)}`);
run('npm', ['run', 'prepare']);

// ---- the run ----------------------------------------------------------------

const logs = fs.mkdtempSync(path.join(os.tmpdir(), 'bsdsock-sanitize-'));
const env = {
  ...process.env,
  BSDSOCK_PREBUILD: BUILD,
  LD_PRELOAD: [libasan, process.env.LD_PRELOAD].filter(Boolean).join(':'),
  ASAN_OPTIONS: [
    'detect_leaks=0',
    'halt_on_error=1',
    'abort_on_error=0',
    // Children that are not Node (python3, the C peers of the benchmark
    // tests, sh) get the runtime too; it must not refuse to start there.
    'verify_asan_link_order=0',
    `log_path=${path.join(logs, 'asan')}`,
  ].join(':'),
  UBSAN_OPTIONS: ['halt_on_error=1', 'print_stacktrace=1', `log_path=${path.join(logs, 'ubsan')}`].join(':'),
};

// Proof that the run is what it claims: the ASan runtime and the sanitized
// addon, not build/'s, are in the process.
const probe = spawnSync(
  process.execPath,
  ['-e', "require('./dist'); process.stdout.write(require('fs').readFileSync('/proc/self/maps', 'utf8'))"],
  { cwd: ROOT, env, encoding: 'utf8' },
);
if (probe.status !== 0) fail(`the sanitized addon does not load:\n${probe.stderr}`);
if (!probe.stdout.includes(libasan)) fail('the ASan runtime is not loaded in the test process');
if (!probe.stdout.includes(ADDON)) fail(`node did not load ${ADDON}`);

function reports() {
  return fs.readdirSync(logs).map((f) => path.join(logs, f));
}

// `npm run test:sanitize -- test/22.unix.test.ts ...` runs only those files:
// .mocharc.json's spec would add every file, so its other settings are
// passed by hand.
const files = process.argv.slice(2);
// No --bail: what stops the run is a sanitizer report (the watcher below);
// a test that fails for another reason fails the run at its end, after the
// rest of the suite has still run under the sanitizers.
let mochaArgs = [];
if (files.length > 0) {
  const rc = JSON.parse(fs.readFileSync(path.join(ROOT, '.mocharc.json'), 'utf8'));
  mochaArgs = ['--no-config', '--timeout', String(rc.timeout)];
  for (const r of rc.require) mochaArgs.push('--require', r);
  for (const o of rc['node-option']) mochaArgs.push('--node-option', o);
  mochaArgs.push(...files);
}
console.log(`test:sanitize: running ${files.length > 0 ? files.join(' ') : 'the suite'}; reports go to ${logs}`);
const mocha = spawn(path.join(ROOT, 'node_modules', '.bin', 'mocha'), mochaArgs, {
  cwd: ROOT,
  env,
  stdio: 'inherit',
  // Its own process group, so that a report can stop the suite and every
  // process it started at once.
  detached: true,
});
// A report file is named <tool>.<pid>; the process writing it ends itself
// once the report (with its symbolized stack) is complete. Then, or after
// 10 s at most, the rest of the run is stopped.
let firstSeen = 0;
const watcher = setInterval(() => {
  const found = reports();
  if (found.length === 0) return;
  firstSeen ||= Date.now();
  const writing = found.some((f) => fs.existsSync(`/proc/${path.extname(f).slice(1)}`));
  if (writing && Date.now() - firstSeen < 10000) return;
  clearInterval(watcher);
  try {
    process.kill(-mocha.pid, 'SIGTERM');
  } catch {
    // already gone
  }
}, 250);
mocha.on('exit', (code, signal) => {
  clearInterval(watcher);
  const found = reports();
  for (const f of found) {
    console.error(`\n==== ${path.basename(f)} ====`);
    console.error(fs.readFileSync(f, 'utf8'));
  }
  if (found.length > 0) fail(`${found.length} sanitizer report(s); the first stopped the run (logs in ${logs})`);
  fs.rmSync(logs, { recursive: true, force: true });
  if (code !== 0) fail(`the suite failed (${code ?? signal}) with no sanitizer report`);
  console.log('\ntest:sanitize: 0 sanitizer reports');
});
