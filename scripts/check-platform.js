// Runs first at install time ("install": "node scripts/check-platform.js &&
// node-gyp-build"), so that a machine that can get no binary is told so in
// one paragraph instead of node-gyp's wall of text:
//
// - Windows: not supported (bsdsock wraps POSIX sockets).
// - A binary that loads (the prebuild for this platform, arch and libc, or
//   an earlier local build): nothing to do; node-gyp-build picks it too.
// - Otherwise node-gyp-build compiles from source, which needs Python 3, make
//   and a C++ compiler. If one is missing, say which and how to install it,
//   and fail before node-gyp starts.
//
// The check is lenient: it fails only when a tool is surely absent. A tool
// that is present but broken is left for node-gyp to report in full.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const root = path.join(__dirname, '..');

function main() {
  if (process.platform === 'win32') {
    console.error(
      'bsdsock: Windows is not supported (bsdsock wraps POSIX sockets). ' +
        'Linux is tested; macOS and the BSDs are supported in the code.',
    );
    process.exit(1);
  }

  let why = 'a build from source was asked for (npm_config_build_from_source)';
  if (process.env.npm_config_build_from_source !== 'true') {
    try {
      require('node-gyp-build')(root);
      return;
    } catch (err) {
      why = reason(err);
    }
  }

  const missing = missingTools();
  if (missing.length === 0) return; // node-gyp-build compiles

  const shipped = shippedPrebuilds();
  console.error(
    `bsdsock: ${why}, and it cannot be compiled here: ${list(missing)} ` +
      `${missing.length === 1 ? 'is' : 'are'} missing. ${installHint()}, then run npm install again.` +
      (shipped.length ? ` (Prebuilt binaries ship for ${list(shipped)}.)` : ''),
  );
  process.exit(1);
}

/** Why no shipped binary serves this machine, from node-gyp-build's error. */
function reason(err) {
  const tuple = `${process.platform}-${process.arch}`;
  const libc = process.platform === 'linux' ? ` (${libcName()})` : '';
  if (/No native build was found/.test(err.message)) return `no prebuilt binary matches ${tuple}${libc}`;
  // A prebuild that matched but does not load: too old a glibc or libstdc++.
  const first = err.message.split('\n')[0].replace(/^.*?: /, '');
  return `the prebuilt binary for ${tuple}${libc} does not load here (${first})`;
}

/** The libc node-gyp-build matches prebuilds on (its own rule). */
function libcName() {
  return process.env.LIBC || (fs.existsSync('/etc/alpine-release') ? 'musl' : 'glibc');
}

/** The tools node-gyp would need and cannot find, in the words of the hint. */
function missingTools() {
  const env = process.env;
  const missing = [];
  const python = [env.NODE_GYP_FORCE_PYTHON, env.npm_config_python, env.PYTHON, 'python3', 'python'];
  if (!python.some(found)) missing.push('Python 3');
  const make = process.platform.includes('bsd') ? 'gmake' : 'make';
  if (![env.npm_config_make, env.MAKE, make].some(found)) missing.push(make);
  if (![env.CXX && env.CXX.trim().split(/\s+/)[0], 'c++', 'g++', 'clang++'].some(found)) {
    missing.push('a C++ compiler');
  }
  // /usr/bin/make, c++ and python3 exist on every Mac, as stubs that only
  // offer to install the Command Line Tools.
  if (process.platform === 'darwin' && missing.length === 0) {
    const r = spawnSync('xcode-select', ['-p'], { stdio: 'ignore' });
    if (r.status !== 0) missing.push("Xcode's Command Line Tools");
  }
  return missing;
}

/** How to install the toolchain on this system, as one clause. */
function installHint() {
  if (process.platform === 'darwin') return 'Install them with `xcode-select --install`';
  if (process.platform === 'freebsd') return 'Install them with `pkg install python3 gmake`';
  if (process.platform === 'openbsd' || process.platform === 'netbsd') {
    return 'Install Python 3 and gmake from packages (the system compiler is enough)';
  }
  const os = osRelease();
  const ids = [os.ID, ...(os.ID_LIKE || '').split(/\s+/)];
  const hints = [
    ['alpine', 'apk add python3 make g++'],
    ['debian', 'apt-get install python3 make g++'],
    ['ubuntu', 'apt-get install python3 make g++'],
    ['fedora', 'dnf install python3 make gcc-c++'],
    ['rhel', 'dnf install python3 make gcc-c++'],
    ['suse', 'zypper install python3 make gcc-c++'],
    ['arch', 'pacman -S python make gcc'],
  ];
  const hit = hints.find(([id]) => ids.includes(id));
  if (hit) return `Install them with \`${hit[1]}\``;
  return 'Install Python 3, make and a C++17 compiler (g++ or clang++)';
}

function osRelease() {
  try {
    const text = fs.readFileSync('/etc/os-release', 'utf8');
    return Object.fromEntries(
      text
        .split('\n')
        .map((l) => /^([A-Z_]+)=("?)(.*)\2$/.exec(l))
        .filter(Boolean)
        .map((m) => [m[1], m[3]]),
    );
  } catch {
    return {};
  }
}

/** This package's prebuilds, as "linux-x64 (glibc)", from prebuilds/. */
function shippedPrebuilds() {
  const dir = path.join(root, 'prebuilds');
  try {
    return fs
      .readdirSync(dir)
      .sort()
      .map((tuple) => {
        const libcs = fs.readdirSync(path.join(dir, tuple)).flatMap((f) => f.split('.').filter((t) => t === 'glibc' || t === 'musl'));
        return libcs.length ? `${tuple} (${[...new Set(libcs)].join(', ')})` : tuple;
      });
  } catch {
    return [];
  }
}

/** True if `cmd` (a name looked up in PATH, or a path) is an executable file. */
function found(cmd) {
  if (!cmd) return false;
  const candidates = cmd.includes('/')
    ? [cmd]
    : (process.env.PATH || '').split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, cmd));
  return candidates.some((file) => {
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return fs.statSync(file).isFile();
    } catch {
      return false;
    }
  });
}

function list(items) {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

main();
