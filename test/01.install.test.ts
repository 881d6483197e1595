// Which binary loads, and what the install says when none can. The repo's
// own suite must test the addon `npm ci` compiled (build/Release), never a
// prebuild left in prebuilds/; a copy of the package in a temp dir shows
// node-gyp-build's order (build/ before prebuilds/, libc matched) as `addon`
// reports it, and scripts/check-platform.js (the install script's first step)
// is run as npm runs it, with and without a compiler in reach.

import assert = require('node:assert/strict');
import fs = require('node:fs');
import path = require('node:path');

import { addon } from '../lib';
import { native } from '../lib/binding';
import { ROOT, start, tempDirs } from './helpers';

const host = `${process.platform}-${process.arch}`;
// Linux prebuilds carry their libc in the name (prebuildify --tag-libc).
const prebuildName = process.platform === 'linux' ? 'bsdsock.glibc.node' : 'bsdsock.node';
const localBuild = path.join(ROOT, 'build', 'Release', 'bsdsock.node');

describe('01 install', () => {
  const tmp = tempDirs();

  describe('addon', () => {
    it('names the file require() loaded: its module is the native binding', () => {
      assert.ok(path.isAbsolute(addon.path));
      const mod = require.cache[addon.path];
      assert.ok(mod, `${addon.path} is not in require.cache`);
      const exports = mod.exports as { socket: unknown };
      assert.equal(typeof exports.socket, 'function');
      assert.equal(native.socket, exports.socket);
    });

    it('is the local build in this suite (the prebuild with PREBUILDS_ONLY set, the sanitized build under test:sanitize)', () => {
      const searched = process.env.BSDSOCK_PREBUILD;
      if (searched !== undefined) {
        // scripts/sanitize.js points the loader at its own build directory.
        assert.equal(addon.path, path.join(searched, 'build', 'Release', 'bsdsock.node'));
        assert.equal(addon.prebuilt, false);
      } else if (process.env.PREBUILDS_ONLY) {
        assert.equal(addon.path, path.join(ROOT, 'prebuilds', host, prebuildName));
        assert.equal(addon.prebuilt, true);
      } else {
        assert.equal(addon.path, localBuild);
        assert.equal(addon.prebuilt, false);
      }
    });

    it('is frozen', () => {
      assert.ok(Object.isFrozen(addon));
      assert.deepEqual(Object.keys(addon), ['path', 'prebuilt']);
    });
  });

  describe("node-gyp-build's choice, in a copy of the package", () => {
    /** A package root holding dist/ and, as asked, a prebuild and a local build. */
    function packageCopy(opts: { prebuild?: boolean; build?: boolean }): string {
      const dir = tmp();
      fs.cpSync(path.join(ROOT, 'dist'), path.join(dir, 'dist'), { recursive: true });
      fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(dir, 'package.json'));
      fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
      if (opts.prebuild) {
        fs.mkdirSync(path.join(dir, 'prebuilds', host), { recursive: true });
        fs.copyFileSync(localBuild, path.join(dir, 'prebuilds', host, prebuildName));
      }
      if (opts.build) {
        fs.mkdirSync(path.join(dir, 'build', 'Release'), { recursive: true });
        fs.copyFileSync(localBuild, path.join(dir, 'build', 'Release', 'bsdsock.node'));
      }
      return dir;
    }

    /** `addon` as a fresh process loading the copy sees it, or the load error. */
    async function loaded(dir: string, env: NodeJS.ProcessEnv = {}): Promise<{ path: string; prebuilt: boolean } | string> {
      const script = `try { console.log(JSON.stringify(require(${JSON.stringify(dir)}).addon)) } catch (e) { console.log(JSON.stringify(e.message)) }`;
      const childEnv = { ...process.env, ...env };
      if (!('PREBUILDS_ONLY' in env)) delete childEnv.PREBUILDS_ONLY;
      // The copy's own directories are what is tested (test:sanitize sets this).
      delete childEnv.BSDSOCK_PREBUILD;
      const { code, stdout, stderr } = await start(process.execPath, ['-e', script], 'pipe', childEnv).exit();
      assert.equal(stderr, '');
      assert.equal(code, 0);
      return JSON.parse(stdout) as { path: string; prebuilt: boolean } | string;
    }

    it('only a prebuild: it loads, and addon.prebuilt is true', async () => {
      const dir = packageCopy({ prebuild: true });
      assert.deepEqual(await loaded(dir), { path: path.join(dir, 'prebuilds', host, prebuildName), prebuilt: true });
    });

    it('a local build beside it wins (node-gyp-build prefers build/Release)', async () => {
      const dir = packageCopy({ prebuild: true, build: true });
      assert.deepEqual(await loaded(dir), { path: path.join(dir, 'build', 'Release', 'bsdsock.node'), prebuilt: false });
    });

    it('PREBUILDS_ONLY=1 skips the local build', async () => {
      const dir = packageCopy({ prebuild: true, build: true });
      assert.deepEqual(await loaded(dir, { PREBUILDS_ONLY: '1' }), {
        path: path.join(dir, 'prebuilds', host, prebuildName),
        prebuilt: true,
      });
    });

    it('a musl process does not take the glibc prebuild', async function () {
      if (process.platform !== 'linux') this.skip();
      const dir = packageCopy({ prebuild: true });
      const message = await loaded(dir, { LIBC: 'musl' });
      assert.equal(typeof message, 'string');
      assert.match(message as string, /^No native build was found for platform=linux arch=\w+ .*libc=musl/);
    });
  });

  describe('scripts/check-platform.js (the install script, before node-gyp-build)', () => {
    /** A package root with the script, and a bin dir holding node alone. */
    function installRoot(opts: { prebuild?: 'good' | 'broken' }): { dir: string; bin: string } {
      const dir = tmp();
      fs.mkdirSync(path.join(dir, 'scripts'));
      fs.copyFileSync(path.join(ROOT, 'scripts', 'check-platform.js'), path.join(dir, 'scripts', 'check-platform.js'));
      fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'bsdsock' }));
      fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
      if (opts.prebuild) {
        fs.mkdirSync(path.join(dir, 'prebuilds', host), { recursive: true });
        const file = path.join(dir, 'prebuilds', host, prebuildName);
        if (opts.prebuild === 'good') fs.copyFileSync(localBuild, file);
        else fs.writeFileSync(file, 'not an ELF file');
      }
      const bin = path.join(dir, 'bin');
      fs.mkdirSync(bin);
      fs.symlinkSync(process.execPath, path.join(bin, 'node'));
      return { dir, bin };
    }

    async function install(dir: string, env: NodeJS.ProcessEnv, preload?: string) {
      const args = [...(preload ? ['--require', preload] : []), path.join(dir, 'scripts', 'check-platform.js')];
      // As npm runs it: from the package's own directory, with only the env given.
      const child = start(process.execPath, args, 'pipe', { HOME: process.env.HOME, ...env });
      return child.exit();
    }

    it('a prebuild that loads: exits 0 and prints nothing, compiler or not', async () => {
      const { dir, bin } = installRoot({ prebuild: 'good' });
      assert.deepEqual(await install(dir, { PATH: bin }), { code: 0, signal: null, stdout: '', stderr: '' });
    });

    it('no prebuild, a compiler: exits 0 and leaves the build to node-gyp-build', async function () {
      const missing = ['make', 'python3', 'g++'].filter((t) => !fs.existsSync(path.join('/usr/bin', t)));
      if (missing.length) this.skip();
      const { dir } = installRoot({});
      assert.deepEqual(await install(dir, { PATH: '/usr/bin:/bin' }), { code: 0, signal: null, stdout: '', stderr: '' });
    });

    it('no prebuild and no compiler: one paragraph saying what is missing and what to install', async () => {
      const { dir, bin } = installRoot({});
      const { code, stdout, stderr } = await install(dir, { PATH: bin });
      assert.equal(code, 1);
      assert.equal(stdout, '');
      const lines = stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, stderr);
      assert.match(
        lines[0]!,
        new RegExp(
          `^bsdsock: no prebuilt binary matches ${host}( \\(glibc\\))?, and it cannot be compiled here: ` +
            'Python 3, make and a C\\+\\+ compiler are missing\\. Install .+, then run npm install again\\.$',
        ),
      );
    });

    it('no compiler and a prebuild of the wrong libc: names the platform, the libc and what ships', async function () {
      if (process.platform !== 'linux') this.skip();
      const { dir, bin } = installRoot({ prebuild: 'good' });
      const { code, stderr } = await install(dir, { PATH: bin, LIBC: 'musl' });
      assert.equal(code, 1);
      assert.match(
        stderr,
        new RegExp(`^bsdsock: no prebuilt binary matches ${host} \\(musl\\), and it cannot be compiled here: .* are missing\\. .* \\(Prebuilt binaries ship for ${host} \\(glibc\\)\\.\\)\\n$`),
      );
    });

    it('no compiler and a prebuild that does not load: says so, with the loader’s reason', async () => {
      const { dir, bin } = installRoot({ prebuild: 'broken' });
      const { code, stderr } = await install(dir, { PATH: bin });
      assert.equal(code, 1);
      assert.match(stderr, new RegExp(`^bsdsock: the prebuilt binary for ${host}.* does not load here \\(.*\\), and it cannot be compiled here`));
    });

    it('npm_config_build_from_source=true: a matching prebuild does not stand in for the compiler', async () => {
      const { dir, bin } = installRoot({ prebuild: 'good' });
      const { code, stderr } = await install(dir, { PATH: bin, npm_config_build_from_source: 'true' });
      assert.equal(code, 1);
      assert.match(stderr, /^bsdsock: a build from source was asked for \(npm_config_build_from_source\), and it cannot be compiled here/);
    });

    it('Windows: says it is not supported, before anything else', async () => {
      const { dir, bin } = installRoot({ prebuild: 'good' });
      const preload = path.join(dir, 'win32.js');
      fs.writeFileSync(preload, "Object.defineProperty(process, 'platform', { value: 'win32' });\n");
      const { code, stderr } = await install(dir, { PATH: bin }, preload);
      assert.equal(code, 1);
      assert.equal(
        stderr,
        'bsdsock: Windows is not supported (bsdsock wraps POSIX sockets). Linux is tested; macOS and the BSDs are supported in the code.\n',
      );
    });
  });
});
