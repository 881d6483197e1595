// The last of CPython's module functions and names: sethostname (only where
// it cannot change this machine's host name), hasIpv6, close(fd), dup(fd),
// and the constants of the families CPython types on Linux (CAN_*,
// PACKET_*, VMADDR_*, SO_VM_SOCKETS_*), each against CPython's own.

import assert = require('node:assert/strict');
import { spawnSync } from 'node:child_process';
import fs = require('node:fs');
import path = require('node:path');

import * as bsdsock from '../lib';
import { AF_UNIX, SOCK_STREAM, Socket, close, dup, gethostname, hasIpv6, socketpair } from '../lib';
import { O_CLOEXEC, ROOT, errno, fdFlags, python, sockets, start, throwsCode, throwsSocketError } from './helpers';

const CHILD = path.join(ROOT, 'test', 'fixtures', 'sethostname-child.ts');

interface Outcome {
  ok?: true;
  name?: string;
  code?: string;
  errno?: number;
  syscall?: string;
  message?: string;
}

/** The one JSON line a sethostname child prints, after it exits 0. */
async function childResults(command: string, args: string[]): Promise<Record<string, unknown>> {
  const r = await start(command, args).exit();
  assert.equal(r.stderr, '');
  assert.deepEqual([r.code, r.signal], [0, null]);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

/** The errno CPython's sethostname raises for each name, run under `prefix` (a command), privileges dropped or not. */
async function pythonSethostname(prefix: string[], names: string[], dropPrivileges: boolean): Promise<unknown[]> {
  const script = [
    'import json, os, socket, sys',
    dropPrivileges ? 'if os.getuid() == 0:\n    os.setgroups([]); os.setgid(65534); os.setuid(65534)' : '',
    'caps = int([l for l in open("/proc/self/status") if l.startswith("CapEff")][0].split()[1], 16)',
    // Never with a capability left over the test's own UTS namespace.
    `if ${dropPrivileges ? 'caps != 0' : 'os.readlink("/proc/self/ns/uts") == sys.argv[1]'}: sys.exit("refusing")`,
    'out = []',
    'for n in sys.argv[2:]:',
    '    try:',
    '        socket.sethostname(n); out.append(None)',
    '    except OSError as e:',
    '        out.append(e.errno)',
    'print(json.dumps(out))',
  ].join('\n');
  const argv = [...prefix, 'python3', '-c', script, fs.readlinkSync('/proc/self/ns/uts'), ...names];
  const r = await start(argv[0]!, argv.slice(1)).exit();
  assert.equal(r.stderr, '');
  assert.equal(r.code, 0);
  return JSON.parse(r.stdout) as unknown[];
}

function userNamespaceUnavailable(): string | null {
  const probe = spawnSync('unshare', ['--user', '--map-root-user', '--uts', 'true'], { encoding: 'utf8', timeout: 10000 });
  if (probe.error !== undefined) return `cannot run unshare: ${probe.error.message}`;
  if (probe.status !== 0) return `no user namespaces here: ${probe.stderr.trim() || `exit ${String(probe.status)}`}`;
  return null;
}

describe('27 module functions and names', () => {
  const track = sockets();

  describe('sethostname (only in children that cannot change this machine\'s host name)', function () {
    this.timeout(60000);

    it('an unprivileged child: argument checks before any syscall, then EPERM for any name, as CPython', async () => {
      const before = gethostname();
      const r = await childResults(process.execPath, ['--require', 'tsx/cjs', CHILD, 'unprivileged']);
      const type = (message: RegExp) => ({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE', message });
      const notString = /^The "name" argument must be of type string or an instance of Buffer, TypedArray, or DataView\. Received /;
      for (const label of ['1', 'null', 'undefined', '{}', '[]', 'ArrayBuffer']) {
        const o = r[label] as Outcome;
        assert.deepEqual({ name: o.name, code: o.code }, { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' }, label);
        assert.match(o.message!, type(notString).message, label);
      }
      for (const label of ["'a\\0b'", 'Buffer a\\0b']) {
        const o = r[label] as Outcome;
        assert.deepEqual([o.name, o.code], ['TypeError', 'ERR_INVALID_ARG_VALUE'], label);
        assert.match(o.message!, /^The argument 'name' must not contain null characters\. /, label);
      }
      const eperm = { name: 'SocketError', code: 'EPERM', errno: errno.EPERM, syscall: 'sethostname', message: 'sethostname EPERM: Operation not permitted' };
      for (const label of ['same', 'bytes', 'empty', 'long', 'view']) assert.deepEqual(r[label], eperm, label);
      // The sweep's kinds of hostile value: never a success, always coded.
      const hostile = r.hostile as Outcome[];
      assert.equal(hostile.length, 21);
      for (const [i, o] of hostile.entries()) {
        assert.notEqual(o.ok, true, `hostile value ${i} reached the kernel and succeeded`);
        assert.ok(o.name === 'SocketError' ? o.code === 'EPERM' : /^ERR_INVALID_ARG_(TYPE|VALUE)$/.test(String(o.code)), JSON.stringify(o));
      }
      assert.equal(r.unchanged, true);
      assert.equal(gethostname(), before);
      // CPython, unprivileged the same way: EPERM (1) for the same names.
      assert.deepEqual(await pythonSethostname([], [before, 'bsdsock-test', 'x'.repeat(65)], true), [1, 1, 1]);
    });

    it('root of a user namespace with a UTS namespace of its own: a name over 64 bytes is EINVAL, as CPython', async function () {
      const why = userNamespaceUnavailable();
      if (why !== null) {
        this.test!.title += ` (skipped: ${why})`;
        this.skip();
      }
      const before = gethostname();
      const uts = fs.readlinkSync('/proc/self/ns/uts');
      const r = await childResults('unshare', ['--user', '--map-root-user', '--uts', process.execPath, '--require', 'tsx/cjs', CHILD, 'namespace', uts]);
      const einval = { name: 'SocketError', code: 'EINVAL', errno: errno.EINVAL, syscall: 'sethostname', message: 'sethostname EINVAL: Invalid argument' };
      assert.deepEqual(r, { long: einval, longBytes: einval, unchanged: true });
      assert.equal(gethostname(), before);
      assert.deepEqual(await pythonSethostname(['unshare', '--user', '--map-root-user', '--uts'], ['x'.repeat(65)], false), [22]);
    });
  });

  it("hasIpv6 is CPython's has_ipv6", async () => {
    const r = await python('import socket; print(socket.has_ipv6)').exit();
    assert.equal(r.stdout.trim(), 'True');
    assert.equal(hasIpv6, true);
  });

  describe('close(fd) and dup(fd)', () => {
    it('dup: a new fd on the same socket, close-on-exec; close: closes it, then EBADF', () => {
      const [a, b] = socketpair(AF_UNIX, SOCK_STREAM);
      track(a);
      track(b);
      const fd = dup(a.fileno());
      assert.notEqual(fd, a.fileno());
      assert.equal(fs.readlinkSync(`/proc/self/fd/${fd}`), fs.readlinkSync(`/proc/self/fd/${a.fileno()}`));
      assert.equal(fdFlags(fd) & O_CLOEXEC, O_CLOEXEC);
      // Data written to the copy comes out of the peer.
      const copy = new Socket(undefined, undefined, undefined, dup(fd));
      copy.sendall('via the copy');
      copy.close();
      assert.equal(b.recv(100).toString(), 'via the copy');
      close(fd);
      assert.equal(fs.existsSync(`/proc/self/fd/${fd}`), false);
      throwsSocketError(() => close(fd), 'EBADF', 'close', { message: 'close EBADF: Bad file descriptor' });
      throwsSocketError(() => dup(fd), 'EBADF', 'dup', { message: 'dup EBADF: Bad file descriptor' });
      // The socket whose fd was copied is untouched.
      a.sendall('still here');
      assert.equal(b.recv(100).toString(), 'still here');
    });

    it('a negative fd is EBADF, as CPython; anything but a C int is a TypeError or RangeError (CPython cuts 2**40 to fd 0)', async () => {
      throwsSocketError(() => close(-1), 'EBADF', 'close');
      throwsSocketError(() => dup(-1), 'EBADF', 'dup');
      for (const fn of [close, dup]) {
        for (const bad of ['3', null, undefined, {}, 3n]) throwsCode(() => fn(bad as number), TypeError, 'ERR_INVALID_ARG_TYPE', /"fd"/);
        for (const bad of [1.5, 2 ** 40, -(2 ** 31) - 1, NaN, Infinity]) throwsCode(() => fn(bad), RangeError, 'ERR_OUT_OF_RANGE', /"fd"/);
      }
      const r = await python(
        'import json, socket\nout = []\nfor f in (socket.close, socket.dup):\n    try: f(-1)\n    except OSError as e: out.append(e.errno)\nprint(json.dumps(out))',
      ).exit();
      assert.deepEqual(JSON.parse(r.stdout), [errno.EBADF, errno.EBADF]);
    });
  });

  it("CPython's CAN_*, PACKET_*, VMADDR_* and SO_VM_SOCKETS_* names, with the platform's values; the VMADDR_* CPython 3.11 lacks", async () => {
    const r = await python(
      "import json, socket\nprint(json.dumps({n: getattr(socket, n) for n in dir(socket) if n.startswith(('CAN_', 'PACKET_', 'VMADDR_', 'SO_VM_SOCKETS_', 'IOCTL_VM_'))}))",
    ).exit();
    const py = JSON.parse(r.stdout) as Record<string, number>;
    const names = Object.keys(py);
    // 3.11 on Linux: CAN_BCM and its 24 opcodes and flags among them.
    assert.ok(names.filter((n) => n.startsWith('CAN_BCM_')).length >= 24, names.join(' '));
    assert.ok(names.includes('PACKET_HOST') && names.includes('VMADDR_CID_ANY'));
    for (const name of names) {
      assert.equal(bsdsock.constants[name], py[name], name);
      assert.equal((bsdsock as unknown as Record<string, number>)[name], py[name], name);
    }
    // linux/vm_sockets.h; CPython has them from 3.13 (VMADDR_CID_LOCAL) or not at all.
    assert.equal(bsdsock.VMADDR_CID_LOCAL, 1);
    assert.equal(bsdsock.VMADDR_CID_HYPERVISOR, 0);
    assert.equal(bsdsock.VMADDR_CID_HOST, 2);
    assert.equal(bsdsock.VMADDR_CID_ANY, 0xffffffff);
    assert.equal(bsdsock.VMADDR_PORT_ANY, 0xffffffff);
    assert.equal(bsdsock.SO_VM_SOCKETS_CONNECT_TIMEOUT_OLD, 6);
    assert.equal(bsdsock.SO_VM_SOCKETS_CONNECT_TIMEOUT_NEW, 8);
    assert.equal(bsdsock.SO_VM_SOCKETS_CONNECT_TIMEOUT, 6); // a 64-bit build
    assert.equal(bsdsock.SO_VM_SOCKETS_PEER_HOST_VM_ID, 3);
    assert.equal(bsdsock.SO_VM_SOCKETS_TRUSTED, 5);
    assert.equal(bsdsock.SO_VM_SOCKETS_NONBLOCK_TXRX, 7);
  });
});
