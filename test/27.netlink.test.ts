// AF_NETLINK addresses, [pid, groups] as CPython's (pid, groups), against
// this kernel and a CPython child: the port id the kernel picks (as
// /proc/net/netlink lists it), an RTM_GETLINK dump (the same interfaces as
// CPython's dump and as /sys/class/net), and messages between two
// NETLINK_USERSOCK sockets through every call that takes or returns an
// address, sync and async. Nothing here changes the kernel's state: the
// dump only reads, and NETLINK_USERSOCK messages only reach this process.

import assert = require('node:assert/strict');
import fs = require('node:fs');
import os = require('node:os');
import util = require('node:util');

import { SOCK_DGRAM, SOCK_RAW, type Socket, socket } from '../lib';
import { AF_NETLINK, NETLINK_ROUTE, NETLINK_USERSOCK } from './linux';
import { errno, python, sockets, throwsSocketError } from './helpers';

const RTMGRP_LINK = 1; // linux/rtnetlink.h: the link events' multicast group

/** The port id and groups /proc/net/netlink lists for the netlink socket on `fd`. */
function procNetlink(fd: number): [number, number] {
  const inode = fs.statSync(`/proc/self/fd/${fd}`).ino;
  for (const line of fs.readFileSync('/proc/net/netlink', 'utf8').trim().split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    // sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode
    if (Number(f[9]) === inode) return [Number(f[2]), parseInt(f[3]!, 16)];
  }
  throw new Error(`socket inode ${inode} not in /proc/net/netlink`);
}

/** A port id no socket of this test holds: high, and this process's own. */
function spareId(k: number): number {
  return 0x7f000000 + ((process.pid & 0xfff) << 8) + k;
}

const LE = os.endianness() === 'LE';

/** An RTM_GETLINK dump request, as in examples/netlink-links.ts. */
function getlinkRequest(): Buffer {
  const req = Buffer.alloc(32);
  const u32 = (v: number, at: number) => (LE ? req.writeUInt32LE(v, at) : req.writeUInt32BE(v, at));
  const u16 = (v: number, at: number) => (LE ? req.writeUInt16LE(v, at) : req.writeUInt16BE(v, at));
  u32(32, 0);
  u16(18, 4); // RTM_GETLINK
  u16(0x301, 6); // NLM_F_REQUEST | NLM_F_DUMP
  u32(1, 8);
  return req;
}

/** [index, name] of each interface of an RTM_GETLINK dump, and each datagram's sender. */
function dumpLinks(s: Socket): { links: Array<[number, string]>; senders: unknown[] } {
  const links: Array<[number, string]> = [];
  const senders: unknown[] = [];
  const r16 = (b: Buffer, at: number) => (LE ? b.readUInt16LE(at) : b.readUInt16BE(at));
  const r32 = (b: Buffer, at: number) => (LE ? b.readUInt32LE(at) : b.readUInt32BE(at));
  // Each datagram holds several messages; the last one is NLMSG_DONE.
  for (let i = 0; i < 100; i++) {
    const [data, sender] = s.recvfrom(65536);
    senders.push(sender);
    for (let at = 0; at + 16 <= data.length; ) {
      const len = r32(data, at);
      const type = r16(data, at + 4);
      if (len < 16 || type === 3 /* NLMSG_DONE */) return { links, senders };
      if (type === 16 /* RTM_NEWLINK */) {
        const index = LE ? data.readInt32LE(at + 20) : data.readInt32BE(at + 20);
        for (let a = at + 32; a + 4 <= at + len; ) {
          const alen = r16(data, a);
          if (alen < 4) break;
          if (r16(data, a + 2) === 3 /* IFLA_IFNAME */) links.push([index, data.toString('utf8', a + 4, a + alen - 1)]);
          a += (alen + 3) & ~3;
        }
      }
      at += (len + 3) & ~3;
    }
  }
  throw new Error('no NLMSG_DONE in 100 datagrams');
}

const PY_DUMP = String.raw`
import json, socket, struct
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
s.settimeout(5)
unbound = s.getsockname()
s.bind((0, 0))
bound = s.getsockname()
inode = __import__('os').fstat(s.fileno()).st_ino
proc = [l.split() for l in open('/proc/net/netlink').read().splitlines()[1:]]
proc_pid = [int(f[2]) for f in proc if int(f[9]) == inode][0]
s.sendto(struct.pack('=LHHLL', 32, 18, 0x301, 1, 0) + bytes(16), (0, 0))
links, senders = [], []
done = False
while not done:
    data, sender = s.recvfrom(65536)
    senders.append(sender)
    at = 0
    while at + 16 <= len(data):
        length, kind = struct.unpack_from('=LH', data, at)
        if length < 16 or kind == 3:
            done = True
            break
        if kind == 16:
            index = struct.unpack_from('=i', data, at + 20)[0]
            a = at + 32
            while a + 4 <= at + length:
                alen, atype = struct.unpack_from('=HH', data, a)
                if alen < 4:
                    break
                if atype == 3:
                    links.append([index, data[a + 4:a + alen - 1].decode()])
                a += (alen + 3) & ~3
        at += (length + 3) & ~3
g = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
g.bind((0, ${RTMGRP_LINK}))
print(json.dumps({'unbound': unbound, 'bound': bound, 'proc_pid': proc_pid, 'peer': s.getpeername(),
                  'links': links, 'senders': sorted(set(senders)), 'groups': g.getsockname()[1]}))
`;

describe('27 AF_NETLINK: [pid, groups]', () => {
  const track = sockets();

  it('bind([0, 0]) then getsockname(): the port id the kernel picked (as /proc/net/netlink says), groups 0, as CPython', async () => {
    const r = await python(PY_DUMP).exit();
    assert.equal(r.stderr, '');
    const py = JSON.parse(r.stdout) as { unbound: number[]; bound: number[]; proc_pid: number; peer: number[]; groups: number };
    const s = track(socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE));
    // Unbound: [0, 0] in both.
    assert.deepEqual(s.getsockname(), [0, 0]);
    assert.deepEqual(py.unbound, [0, 0]);
    s.bind([0, 0]);
    const name = s.getsockname();
    assert.deepEqual(name, procNetlink(s.fileno()));
    assert.equal(name[1], 0);
    assert.notEqual(name[0], 0);
    assert.ok(Object.isFrozen(name));
    // CPython's is its kernel-picked id too.
    assert.deepEqual(py.bound, [py.proc_pid, 0]);
    // The peer of an unconnected netlink socket is the kernel, in both.
    assert.deepEqual(s.getpeername(), [0, 0]);
    assert.deepEqual(py.peer, [0, 0]);
    assert.equal(util.inspect(s), `<Socket fd=${s.fileno()} family=AF_NETLINK type=SOCK_RAW laddr=[${name[0]}, 0] raddr=[0, 0]>`);
    // A multicast group: bound as given, read back, in both.
    const g = track(socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE));
    g.bind([0, RTMGRP_LINK]);
    assert.deepEqual(g.getsockname(), [procNetlink(g.fileno())[0], RTMGRP_LINK]);
    assert.equal(procNetlink(g.fileno())[1], RTMGRP_LINK);
    assert.equal(py.groups, RTMGRP_LINK);
  });

  it('an RTM_GETLINK dump lists the interfaces of CPython\'s dump and of /sys/class/net; every datagram is from the kernel, [0, 0]', async () => {
    const r = await python(PY_DUMP).exit();
    assert.equal(r.stderr, '');
    const py = JSON.parse(r.stdout) as { links: Array<[number, string]>; senders: number[][] };
    const s = track(socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE));
    s.settimeout(5);
    s.bind([0, 0]);
    assert.equal(s.sendto(getlinkRequest(), [0, 0]), 32);
    const { links, senders } = dumpLinks(s);
    const byIndex = (a: [number, string], b: [number, string]) => a[0] - b[0];
    assert.deepEqual(links.sort(byIndex), py.links.sort(byIndex));
    const sys = fs.readdirSync('/sys/class/net').map((n): [number, string] => [Number(fs.readFileSync(`/sys/class/net/${n}/ifindex`, 'utf8')), n]);
    assert.deepEqual(links, sys.sort(byIndex));
    assert.ok(links.some(([, n]) => n === 'lo'));
    for (const sender of senders) assert.deepEqual(sender, [0, 0]);
    assert.deepEqual(py.senders, [[0, 0]]);
  });

  it('NETLINK_USERSOCK between two sockets: sendto/sendmsg take [pid, 0], recvfrom/recvfromInto/recvmsg give the sender\'s, connect/getpeername too', () => {
    const a = track(socket(AF_NETLINK, SOCK_DGRAM, NETLINK_USERSOCK));
    const b = track(socket(AF_NETLINK, SOCK_DGRAM, NETLINK_USERSOCK));
    a.bind([spareId(1), 0]);
    b.bind([spareId(2), 0]);
    b.settimeout(5);
    assert.deepEqual(a.getsockname(), [spareId(1), 0]);
    assert.equal(a.sendto('one', b.getsockname()), 3);
    assert.equal(a.sendto('two', 0, [spareId(2), 0]), 3);
    assert.equal(a.sendmsg(['thr', 'ee'], [], 0, [spareId(2), 0]), 5);
    assert.deepEqual(b.recvfrom(100), [Buffer.from('one'), [spareId(1), 0]]);
    const into = Buffer.alloc(10);
    assert.deepEqual(b.recvfromInto(into), [3, [spareId(1), 0]]);
    const [data, ancdata, flags, sender] = b.recvmsg(100);
    assert.deepEqual([data.toString(), ancdata, flags, sender], ['three', [], 0, [spareId(1), 0]]);
    a.connect([spareId(2), 0]);
    assert.deepEqual(a.getpeername(), [spareId(2), 0]);
    assert.equal(a.connectEx([spareId(2), 0]), 0);
    a.send('connected');
    assert.deepEqual(b.recvfrom(100), [Buffer.from('connected'), [spareId(1), 0]]);
  });

  it('the same through the async forms: sendtoAsync, sendmsgAsync, recvfromAsync, recvmsgAsync, recvfromIntoAsync, connectAsync', async () => {
    const a = track(socket(AF_NETLINK, SOCK_DGRAM, NETLINK_USERSOCK));
    const b = track(socket(AF_NETLINK, SOCK_DGRAM, NETLINK_USERSOCK));
    a.bind([spareId(3), 0]);
    b.bind([spareId(4), 0]);
    const signal = AbortSignal.timeout(5000);
    const got = b.recvfromAsync(100, { signal });
    assert.equal(await a.sendtoAsync('one', [spareId(4), 0]), 3);
    assert.deepEqual(await got, [Buffer.from('one'), [spareId(3), 0]]);
    assert.equal(await a.sendmsgAsync(['two'], [], 0, [spareId(4), 0]), 3);
    const [data, , , sender] = await b.recvmsgAsync(100, { signal });
    assert.deepEqual([data.toString(), sender], ['two', [spareId(3), 0]]);
    await a.sendtoAsync('three', 0, [spareId(4), 0]);
    assert.deepEqual(await b.recvfromIntoAsync(Buffer.alloc(10), { signal }), [5, [spareId(3), 0]]);
    await a.connectAsync([spareId(4), 0]);
    assert.deepEqual(a.getpeername(), [spareId(4), 0]);
  });

  it('a message to a port id no socket holds: ECONNREFUSED, its address shown as the array, as CPython\'s errno', async () => {
    const a = track(socket(AF_NETLINK, SOCK_DGRAM, NETLINK_USERSOCK));
    a.bind([0, 0]);
    const nobody = spareId(99);
    throwsSocketError(() => a.sendto('x', [nobody, 0]), 'ECONNREFUSED', 'sendto', {
      address: `[${nobody}, 0]`,
      message: `sendto ECONNREFUSED [${nobody}, 0]: Connection refused`,
    });
    await assert.rejects(a.sendtoAsync('x', [nobody, 0]), { code: 'ECONNREFUSED', syscall: 'sendto', address: `[${nobody}, 0]` });
    throwsSocketError(() => a.sendmsg(['x'], [], 0, [nobody, 0]), 'ECONNREFUSED', 'sendmsg', { address: `[${nobody}, 0]` });
    const r = await python(
      `import socket\ns = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, socket.NETLINK_USERSOCK)\ns.bind((0, 0))\ntry:\n    s.sendto(b'x', (${nobody}, 0))\nexcept OSError as e:\n    print(e.errno)`,
    ).exit();
    assert.equal(Number(r.stdout), errno.ECONNREFUSED);
    // Two sockets cannot hold one port id: EADDRINUSE, as CPython.
    const b = track(socket(AF_NETLINK, SOCK_DGRAM, NETLINK_USERSOCK));
    const [pid] = a.getsockname();
    throwsSocketError(() => b.bind([pid, 0]), 'EADDRINUSE', 'bind', { message: `bind EADDRINUSE [${pid}, 0]: Address already in use` });
  });
});
