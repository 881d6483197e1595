// `npm run prebuildify [-- <platform-arch>... [--skip-missing]]`: the
// binaries that ship in the package, made with prebuildify's Node-API
// conventions (--napi --strip), one per platform-arch, into prebuilds/.
//
// With no target it builds what this host can: on linux-x64, linux-x64 and
// linux-arm64 (cross-compiled with Debian's g++-aarch64-linux-gnu); on any
// other host, the host's own platform-arch. A target whose toolchain is
// missing fails the run, so that a release cannot quietly lose a platform;
// --skip-missing (used by `npm run test:package`, which must pass on a
// machine without the cross compiler) skips it and says why.
//
// Each build runs in a copy of the sources in a temp dir: node-gyp writes
// build/Release, and node-gyp-build prefers build/Release over prebuilds/, so
// building here would replace the repo's own build (the one `npm test` tests)
// with a stripped one, or with an arm64 one that cannot load.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.join(__dirname, '..');

// GNU triplets of Debian's cross toolchains, by Node's arch name.
const TRIPLETS = { x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu' };
// ELF e_machine and Mach-O cputype of each arch: a cross build that silently
// used the host compiler is caught here, not on a user's machine.
const ELF_MACHINE = { x64: 0x3e, arm64: 0xb7 };
const MACHO_CPU = { x64: 0x01000007, arm64: 0x0100000c };

function main() {
  const args = process.argv.slice(2);
  const skipMissing = args.includes('--skip-missing');
  const unknown = args.filter((a) => a.startsWith('-') && a !== '--skip-missing');
  if (unknown.length) fail(`unknown option ${unknown.join(' ')}`);
  let targets = args.filter((a) => !a.startsWith('-'));
  if (targets.length === 0) targets = defaultTargets();

  const built = [];
  const skipped = [];
  for (const target of targets) {
    const plan = planFor(target);
    if (plan.missing) {
      if (!skipMissing) fail(`cannot build ${target}: ${plan.missing}`);
      skipped.push(`${target}: ${plan.missing}`);
      console.log(`prebuildify: skipped ${target}: ${plan.missing}`);
      continue;
    }
    built.push(build(target, plan));
  }
  for (const file of built) {
    console.log(`prebuildify: ${path.relative(root, file)} (${fs.statSync(file).size} bytes)`);
  }
  if (built.length === 0) fail(`nothing built (${skipped.join('; ')})`);
}

function defaultTargets() {
  const host = `${process.platform}-${process.arch}`;
  if (host === 'linux-x64') return ['linux-x64', 'linux-arm64'];
  return [host];
}

/** How to build `target` on this host: env and flags, or what is missing. */
function planFor(target) {
  const m = /^(linux|darwin|freebsd|openbsd|netbsd)-(x64|arm64)$/.exec(target);
  if (!m) return { missing: `not a target this script knows (linux|darwin|freebsd|openbsd|netbsd)-(x64|arm64)` };
  const [, platform, arch] = m;
  if (platform !== process.platform) {
    return { missing: `${platform} binaries are built on ${platform} (this is ${process.platform})` };
  }
  const plan = { platform, arch, env: {}, flags: [] };
  // glibc, tagged, so that node-gyp-build on Alpine (musl) does not pick it.
  if (platform === 'linux') plan.flags.push('--tag-libc');
  // node-gyp cross-compiles for macOS by itself (clang -arch); on Linux a
  // foreign arch needs Debian's cross toolchain.
  if (platform === 'linux' && arch !== process.arch) {
    const triplet = TRIPLETS[arch];
    const tools = { CC: 'gcc', CXX: 'g++', AR: 'ar', STRIP: 'strip' };
    const missing = Object.values(tools).filter((t) => !onPath(`${triplet}-${t}`));
    if (missing.length) {
      const deb = `g++-${triplet.replace(/_/g, '-')}`;
      return { missing: `${missing.map((t) => `${triplet}-${t}`).join(', ')} not found (apt-get install ${deb})` };
    }
    plan.env = {
      CC: `${triplet}-gcc`,
      CXX: `${triplet}-g++`,
      LINK: `${triplet}-g++`,
      AR: `${triplet}-ar`,
    };
    plan.flags.push(`--strip-bin=${triplet}-strip`);
  }
  return plan;
}

function build(target, plan) {
  const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'bsdsock-prebuildify-'));
  try {
    for (const entry of ['binding.gyp', 'package.json', 'native']) {
      fs.cpSync(path.join(root, entry), path.join(stage, entry), { recursive: true });
    }
    // binding.gyp asks node-addon-api for its targets; node-gyp and
    // prebuildify come from the repo's devDependencies.
    fs.symlinkSync(path.join(root, 'node_modules'), path.join(stage, 'node_modules'), 'dir');

    const out = path.join(root, 'prebuilds', target);
    fs.rmSync(out, { recursive: true, force: true });
    const argv = [
      require.resolve('prebuildify/bin.js'),
      '--napi',
      '--strip',
      // The running Node's headers; with Node-API any version >= the
      // NAPI_VERSION in binding.gyp gives the same binary.
      `--target=${process.versions.node}`,
      `--arch=${plan.arch}`,
      `--cwd=${stage}`,
      `--out=${root}`,
      ...plan.flags,
    ];
    console.log(`prebuildify: ${target}${plan.env.CXX ? ` with ${plan.env.CXX}` : ''}`);
    const r = spawnSync(process.execPath, argv, {
      cwd: stage,
      stdio: 'inherit',
      // node-gyp's info lines (100 of them) would bury the compiler's.
      env: { ...process.env, npm_config_loglevel: 'warn', ...nodedirEnv(), ...plan.env },
    });
    if (r.status !== 0) fail(`prebuildify for ${target} exited with ${r.status ?? r.signal}`);

    const files = fs.existsSync(out) ? fs.readdirSync(out).filter((f) => f.endsWith('.node')) : [];
    if (files.length !== 1) fail(`expected one .node file in ${out}, found ${files.length}`);
    const file = path.join(out, files[0]);
    const found = machineOf(file);
    if (found !== plan.arch) fail(`${file} is a ${found} binary, not ${plan.arch}`);
    return file;
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
}

/**
 * node-gyp downloads headers unless told where they are; there is no network
 * in some places this runs. The running Node's own headers are the right
 * ones, so point node-gyp at them when npm has not already.
 */
function nodedirEnv() {
  if (process.env.npm_config_nodedir) return {};
  const prefix = path.join(path.dirname(process.execPath), '..');
  if (fs.existsSync(path.join(prefix, 'include', 'node', 'common.gypi'))) return { npm_config_nodedir: prefix };
  return {};
}

/** The arch an ELF or Mach-O file was built for, by its header. */
function machineOf(file) {
  const head = Buffer.alloc(20);
  const fd = fs.openSync(file, 'r');
  try {
    fs.readSync(fd, head, 0, head.length, 0);
  } finally {
    fs.closeSync(fd);
  }
  let code;
  let table;
  if (head.readUInt32BE(0) === 0x7f454c46) {
    code = head.readUInt16LE(18);
    table = ELF_MACHINE;
  } else if (head.readUInt32LE(0) === 0xfeedfacf) {
    code = head.readUInt32LE(4);
    table = MACHO_CPU;
  } else {
    return 'unknown format';
  }
  return Object.keys(table).find((arch) => table[arch] === code) ?? `machine ${code}`;
}

function onPath(cmd) {
  return (process.env.PATH || '')
    .split(path.delimiter)
    .some((dir) => dir && isExecutable(path.join(dir, cmd)));
}

function isExecutable(file) {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function fail(message) {
  console.error(`prebuildify: ${message}`);
  process.exit(1);
}

if (require.main === module) main();
module.exports = { onPath, machineOf };
