// Every address form of every family this kernel offers, round-tripped
// through bind() and getsockname() side by side with CPython (as test/60
// does: the same addresses bound in a python3 child, the values compared as
// they are), and the errors for bad addresses of the typed families in
// every call that takes one, sync and async: the wrong number of fields, a
// field out of range or of the wrong type, an unknown interface, another
// family's address. Loopback, lo, this process's netlink port ids and
// vsock ports only.

import assert = require('node:assert/strict');
import fs = require('node:fs');
import path = require('node:path');
import util = require('node:util');

import {
  AF_INET,
  AF_INET6,
  AF_UNIX,
  SOCK_DGRAM,
  SOCK_RAW,
  SOCK_STREAM,
  SocketError,
  htons,
  socket,
  type Socket,
} from '../lib';
import { AF_NETLINK, AF_PACKET, AF_VSOCK, NETLINK_ROUTE, NETLINK_USERSOCK, VMADDR_CID_ANY } from './linux';
import { errno, python, sockets, tempDirs, throwsCode } from './helpers';

const errnoOf = (code: string): number => (errno as Record<string, number>)[code]!;

/** A case: what to make and what to bind it to. */
interface Case {
  label: string;
  family: number;
  type: number;
  proto: number;
  address: unknown;
}

/** JSON both sides agree on: bytes as {"bytes": hex}, tuples as arrays. */
function js(v: unknown): unknown {
  if (Buffer.isBuffer(v)) return { bytes: v.toString('hex') };
  if (Array.isArray(v)) return v.map(js);
  return v;
}

function fromJs(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(fromJs);
  if (v !== null && typeof v === 'object' && 'bytes' in v) return Buffer.from(String(v.bytes), 'hex');
  return v;
}

/** The kernel's pick of a free port (or port id) for `family`, given back at once. */
function freePort(family: number, type: number, proto: number, any: unknown): number {
  const s = socket(family, type, proto);
  try {
    s.bind(any as never);
    return (s.getsockname() as readonly number[])[1]!;
  } finally {
    s.close();
  }
}

function canOpen(family: number, type: number, proto = 0): boolean {
  try {
    socket(family, type, proto).close();
    return true;
  } catch (err) {
    if (err instanceof SocketError) return false;
    throw err;
  }
}

const PY_BIND = String.raw`
import json, os, socket, sys
def js(v):
    if isinstance(v, (bytes, bytearray)):
        return {'bytes': bytes(v).hex()}
    if isinstance(v, (tuple, list)):
        return [js(x) for x in v]
    return v
def unjs(v):
    if isinstance(v, dict):
        return bytes.fromhex(v['bytes'])
    if isinstance(v, list):
        return tuple(unjs(x) for x in v)
    return v
out = []
for family, kind, proto, address in json.loads(sys.stdin.read()):
    s = socket.socket(family, kind, proto)
    try:
        s.bind(unjs(address))
        out.append(js(s.getsockname()))
    except OSError as e:
        out.append({'errno': e.errno})
    finally:
        s.close()
    if family == socket.AF_UNIX and isinstance(address, str):
        os.unlink(address)
print(json.dumps(out))
`;

describe('27 addresses of every family: round trips as CPython, errors for bad ones', function () {
  this.timeout(30000);
  const track = sockets();
  const tmp = tempDirs();

  it('every address form round-trips through bind/getsockname exactly as in CPython', async function () {
    const dir = tmp();
    const p4 = freePort(AF_INET, SOCK_DGRAM, 0, ['127.0.0.1', 0]);
    const p6 = freePort(AF_INET6, SOCK_DGRAM, 0, ['::1', 0]);
    const t4 = freePort(AF_INET, SOCK_STREAM, 0, ['127.0.0.1', 0]);
    const id = (k: number) => 0x7e000000 + ((process.pid & 0xfff) << 8) + k;
    const cases: Case[] = [
      { label: 'AF_INET udp', family: AF_INET, type: SOCK_DGRAM, proto: 0, address: ['127.0.0.1', p4] },
      { label: 'AF_INET tcp', family: AF_INET, type: SOCK_STREAM, proto: 0, address: ['127.0.0.1', t4] },
      { label: 'AF_INET6 [host, port]', family: AF_INET6, type: SOCK_DGRAM, proto: 0, address: ['::1', p6] },
      { label: 'AF_INET6 [host, port, flowinfo]', family: AF_INET6, type: SOCK_DGRAM, proto: 0, address: ['::1', p6, 0] },
      { label: 'AF_INET6 [host, port, flowinfo, scopeId]', family: AF_INET6, type: SOCK_DGRAM, proto: 0, address: ['::1', p6, 0, 0] },
      { label: 'AF_INET6 a flowinfo', family: AF_INET6, type: SOCK_DGRAM, proto: 0, address: ['::1', p6, 5, 0] },
      { label: 'AF_INET6 v4-mapped', family: AF_INET6, type: SOCK_DGRAM, proto: 0, address: ['::ffff:127.0.0.1', p6] },
      { label: 'AF_UNIX path', family: AF_UNIX, type: SOCK_DGRAM, proto: 0, address: path.join(dir, 'path.sock') },
      { label: 'AF_UNIX stream path', family: AF_UNIX, type: SOCK_STREAM, proto: 0, address: path.join(dir, 'stream.sock') },
      { label: 'AF_UNIX abstract', family: AF_UNIX, type: SOCK_DGRAM, proto: 0, address: Buffer.from(`\0bsdsock-27-${process.pid}`) },
      { label: 'AF_NETLINK [pid, 0]', family: AF_NETLINK, type: SOCK_RAW, proto: NETLINK_ROUTE, address: [id(1), 0] },
      { label: 'AF_NETLINK [pid, groups]', family: AF_NETLINK, type: SOCK_RAW, proto: NETLINK_ROUTE, address: [id(2), 1] },
      { label: 'AF_NETLINK datagram', family: AF_NETLINK, type: SOCK_DGRAM, proto: NETLINK_USERSOCK, address: [id(3), 0] },
      { label: 'AF_NETLINK a port id in use', family: AF_NETLINK, type: SOCK_RAW, proto: NETLINK_ROUTE, address: [id(4), 0] },
    ];
    const skipped: string[] = [];
    if (canOpen(AF_PACKET, SOCK_RAW)) {
      const ETH_P_ALL = 3;
      cases.push(
        { label: 'AF_PACKET [ifname, proto]', family: AF_PACKET, type: SOCK_RAW, proto: htons(ETH_P_ALL), address: ['lo', ETH_P_ALL] },
        { label: 'AF_PACKET [ifname, proto, pkttype]', family: AF_PACKET, type: SOCK_DGRAM, proto: htons(0x0800), address: ['lo', 0x0800, 0] },
        { label: 'AF_PACKET [ifname, proto, pkttype, hatype]', family: AF_PACKET, type: SOCK_RAW, proto: 0, address: ['lo', 0, 0, 772] },
        { label: 'AF_PACKET all five', family: AF_PACKET, type: SOCK_RAW, proto: 0, address: ['lo', ETH_P_ALL, 0, 0, Buffer.from('aabbccddeeff', 'hex')] },
        { label: 'AF_PACKET an unknown interface', family: AF_PACKET, type: SOCK_RAW, proto: 0, address: ['nosuch0', 0] },
      );
    } else {
      skipped.push('AF_PACKET (needs CAP_NET_RAW)');
    }
    if (canOpen(AF_VSOCK, SOCK_STREAM)) {
      const v1 = freePort(AF_VSOCK, SOCK_STREAM, 0, [VMADDR_CID_ANY, 0xffffffff]);
      cases.push(
        { label: 'AF_VSOCK [VMADDR_CID_ANY, port]', family: AF_VSOCK, type: SOCK_STREAM, proto: 0, address: [VMADDR_CID_ANY, v1] },
        { label: 'AF_VSOCK [VMADDR_CID_HOST, port]', family: AF_VSOCK, type: SOCK_STREAM, proto: 0, address: [2, v1 + 1] },
      );
    } else {
      skipped.push('AF_VSOCK (no vsock stream sockets here)');
    }
    if (skipped.length > 0) this.test!.title += ` (without ${skipped.join(', ')})`;
    // One socket holds id(4) in both runs: the second bind of it fails alike.
    const holder = track(socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE));
    holder.bind([id(4), 0]);

    const ours: unknown[] = [];
    for (const c of cases) {
      const s = socket(c.family, c.type, c.proto);
      try {
        s.bind(c.address as never);
        ours.push(js(s.getsockname()));
      } catch (err) {
        if (!(err instanceof SocketError)) throw err;
        ours.push({ errno: err.errno });
      } finally {
        s.close();
      }
      if (c.family === AF_UNIX && typeof c.address === 'string') fs.unlinkSync(c.address);
    }
    const child = python(PY_BIND);
    child.write(JSON.stringify(cases.map((c) => [c.family, c.type, c.proto, js(c.address)])));
    child.proc.stdin!.end();
    const r = await child.exit();
    assert.equal(r.stderr, '');
    const py = JSON.parse(r.stdout) as unknown[];
    for (const [i, c] of cases.entries()) assert.deepEqual(ours[i], py[i], c.label);
    // Returned as bsdsock's own types: frozen arrays, Buffers, strings.
    const back = cases.map((c, i) => [c.label, fromJs(ours[i])] as const);
    const get = (label: string) => back.find(([l]) => l === label)![1];
    assert.deepEqual(get('AF_INET6 [host, port]'), ['::1', p6, 0, 0]);
    assert.deepEqual(get('AF_NETLINK [pid, groups]'), [id(2), 1]);
    assert.deepEqual(get('AF_NETLINK a port id in use'), { errno: 98 });
    assert.deepEqual(get('AF_UNIX abstract'), Buffer.from(`\0bsdsock-27-${process.pid}`));
  });

  describe('bad addresses: coded errors in every call that takes one, sync and async', () => {
    /** Each call that takes an address, with the address in its place. */
    function calls(s: Socket): Array<[string, (address: unknown) => unknown]> {
      const a = s as unknown as Record<string, (...args: unknown[]) => unknown>;
      return [
        ['bind', (x) => a.bind!.call(s, x)],
        ['connect', (x) => a.connect!.call(s, x)],
        ['connectEx', (x) => a.connectEx!.call(s, x)],
        ['sendto', (x) => a.sendto!.call(s, 'x', x)],
        ['sendto with flags', (x) => a.sendto!.call(s, 'x', 0, x)],
        ['sendmsg', (x) => a.sendmsg!.call(s, ['x'], [], 0, x)],
        ['connectAsync', (x) => a.connectAsync!.call(s, x)],
        ['sendtoAsync', (x) => a.sendtoAsync!.call(s, 'x', x)],
        ['sendmsgAsync', (x) => a.sendmsgAsync!.call(s, ['x'], [], 0, x)],
      ];
    }

    /** Every call throws (the async ones reject) with an error of `code` and `cls`, its message matching. */
    async function refused(s: Socket, address: unknown, cls: ErrorConstructor, code: string, message: RegExp): Promise<void> {
      for (const [name, call] of calls(s)) {
        const what = `${name}(${util.inspect(address)})`;
        // sendmsg's null or undefined address is none at all.
        if (name.startsWith('sendmsg') && (address === null || address === undefined)) continue;
        if (name === 'connectEx' && cls === (SocketError as unknown as ErrorConstructor) && code === 'EBADF') {
          // connectEx returns the errno of the call; a bad address it throws.
          assert.equal(call(address), errnoOf(code), what);
          continue;
        }
        if (name.endsWith('Async')) {
          await assert.rejects(call(address) as Promise<unknown>, (err: unknown) => {
            assert.ok(err instanceof cls, `${what}: ${String(err)}`);
            assert.equal((err as { code?: unknown }).code, code, what);
            assert.match((err as Error).message, message, what);
            return true;
          });
        } else {
          throwsCode(() => call(address), cls, code, message);
        }
      }
    }

    it('AF_NETLINK: [pid, groups], two unsigned 32-bit integers', async () => {
      const s = track(socket(AF_NETLINK, SOCK_DGRAM, NETLINK_USERSOCK));
      for (const bad of [[0], [0, 0, 0], []]) {
        await refused(s, bad, TypeError, 'ERR_INVALID_ARG_VALUE', /^The argument 'address' must be \[pid, groups\] for AF_NETLINK\. Received /);
      }
      for (const [bad, field] of [[[-1, 0], 'pid'], [[2 ** 32, 0], 'pid'], [[1.5, 0], 'pid'], [[0, -1], 'groups'], [[0, 2 ** 32], 'groups'], [[NaN, 0], 'pid']] as const) {
        await refused(s, bad, RangeError, 'ERR_OUT_OF_RANGE', new RegExp(`^The value of "address\\[\\d\\] \\(${field}\\)" is out of range\\. It must be an integer >= 0 and <= 4294967295\\.`));
      }
      // Another family's address, or the raw bytes of before.
      for (const bad of ['/tmp/x', Buffer.alloc(12), new Uint8Array(12), null, 5]) {
        await refused(s, bad, TypeError, 'ERR_INVALID_ARG_TYPE', /^The "address" argument must be an array \[pid, groups\] for AF_NETLINK\. Received /);
      }
      await refused(s, ['127.0.0.1', 80], TypeError, 'ERR_INVALID_ARG_TYPE', /^The "address\[0\] \(pid\)" argument must be of type number\. Received type string/);
      await refused(s, [0n, 0], TypeError, 'ERR_INVALID_ARG_TYPE', /"address\[0\] \(pid\)"/);
    });

    it('AF_VSOCK: [cid, port], two unsigned 32-bit integers', async function () {
      if (!canOpen(AF_VSOCK, SOCK_STREAM)) {
        this.test!.title += ' (skipped: no vsock stream sockets here)';
        this.skip();
      }
      const s = track(socket(AF_VSOCK, SOCK_STREAM));
      for (const bad of [[1], [1, 2, 3]]) {
        await refused(s, bad, TypeError, 'ERR_INVALID_ARG_VALUE', /^The argument 'address' must be \[cid, port\] for AF_VSOCK\. Received /);
      }
      for (const [bad, field] of [[[-1, 0], 'cid'], [[2 ** 32, 0], 'cid'], [[0, -1], 'port'], [[0, 2 ** 32], 'port'], [[0, 0.5], 'port']] as const) {
        await refused(s, bad, RangeError, 'ERR_OUT_OF_RANGE', new RegExp(`"address\\[\\d\\] \\(${field}\\)" is out of range`));
      }
      for (const bad of ['/tmp/x', Buffer.alloc(16), undefined]) {
        await refused(s, bad, TypeError, 'ERR_INVALID_ARG_TYPE', /^The "address" argument must be an array \[cid, port\] for AF_VSOCK\. Received /);
      }
      await refused(s, ['host', 1234], TypeError, 'ERR_INVALID_ARG_TYPE', /"address\[0\] \(cid\)"/);
    });

    it('AF_PACKET: [ifname, proto, pkttype?, hatype?, addr?], the interface by name', async function () {
      if (!canOpen(AF_PACKET, SOCK_DGRAM)) {
        this.test!.title += ' (skipped: AF_PACKET needs CAP_NET_RAW)';
        this.skip();
      }
      // Closed: every address is checked in full (the interface looked up),
      // and nothing can go out on lo whatever the address.
      const s = socket(AF_PACKET, SOCK_DGRAM, 0);
      s.close();
      for (const bad of [['lo'], ['lo', 0, 0, 0, Buffer.alloc(0), 0], []]) {
        await refused(s, bad, TypeError, 'ERR_INVALID_ARG_VALUE', /^The argument 'address' must be \[ifname, proto, pkttype\?, hatype\?, addr\?\] for AF_PACKET\. Received /);
      }
      for (const [bad, field] of [
        [['lo', 65536], 'address\\[1\\] \\(proto\\)'],
        [['lo', -1], 'address\\[1\\] \\(proto\\)'],
        [['lo', 0, 256], 'address\\[2\\] \\(pkttype\\)'],
        [['lo', 0, 0, 65536], 'address\\[3\\] \\(hatype\\)'],
        [['lo', 0, 0, 0, Buffer.alloc(9)], 'address\\[4\\] \\(addr\\)\\.byteLength'],
      ] as const) {
        await refused(s, bad, RangeError, 'ERR_OUT_OF_RANGE', new RegExp(`^The value of "${field}" is out of range`));
      }
      await refused(s, [1, 3], TypeError, 'ERR_INVALID_ARG_TYPE', /^The "address\[0\] \(ifname\)" argument must be of type string/);
      await refused(s, ['lo', 3, 0, 0, 'aa:bb'], TypeError, 'ERR_INVALID_ARG_TYPE', /^The "address\[4\] \(addr\)" argument must be an instance of Buffer, TypedArray, or DataView/);
      await refused(s, ['lo\0', 3], TypeError, 'ERR_INVALID_ARG_VALUE', /^The argument 'address\[0\] \(ifname\)' must not contain null characters/);
      await refused(s, '/tmp/x', TypeError, 'ERR_INVALID_ARG_TYPE', /^The "address" argument must be an array \[ifname, proto, pkttype\?, hatype\?, addr\?\] for AF_PACKET/);
      // An unknown interface, an IP address in its place: ENODEV, as CPython.
      await refused(s, ['nosuch0', 3], SocketError as unknown as ErrorConstructor, 'ENODEV', /^\w+ ENODEV \['nosuch0', 3\]: No such device$/);
      await refused(s, ['127.0.0.1', 80], SocketError as unknown as ErrorConstructor, 'ENODEV', /ENODEV \['127\.0\.0\.1', 80\]/);
      // With a valid address, the call reaches the closed fd: EBADF.
      await refused(s, ['lo', 3, 0, 0, Buffer.alloc(8)], SocketError as unknown as ErrorConstructor, 'EBADF', /^\w+ EBADF \['lo', 3, 0, 0, <Buffer 00 00 00 00 00 00 00 00>\]: Bad file descriptor$/);
    });

    it('an IP socket given a netlink address, an AF_UNIX socket given an array: the errors of before', () => {
      const u = track(socket(AF_INET, SOCK_DGRAM));
      throwsCode(() => u.bind([0, 0] as never), TypeError, 'ERR_INVALID_ARG_TYPE', /"address\[0\] \(host\)"/);
      const x = track(socket(AF_UNIX, SOCK_DGRAM));
      throwsCode(() => x.bind([0, 0] as never), TypeError, 'ERR_INVALID_ARG_TYPE', /for AF_UNIX/);
    });
  });
});
