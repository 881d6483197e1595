// AF_PACKET addresses, [ifname, proto, pkttype, hatype, addr] as CPython's
// tuple, against this kernel and a CPython child. These sockets only ever
// observe lo: they are bound to it and receive; nothing is sent through
// them (the UDP datagrams they see go through ordinary loopback sockets).
// They need CAP_NET_RAW: without it, each test skips and says so.

import assert = require('node:assert/strict');
import { randomBytes } from 'node:crypto';
import util = require('node:util');

import { AF_INET, MSG_PEEK, SOCK_DGRAM, SOCK_RAW, SOL_SOCKET, SO_RCVBUF, SocketError, htons, socket, type PacketSocketAddress, type Socket } from '../lib';
import { AF_PACKET, PACKET_HOST, PACKET_OUTGOING } from './linux';
import { errno, python, sockets, throwsSocketError } from './helpers';

const ETH_P_ALL = 0x0003;
const ETH_P_IP = 0x0800;
const ARPHRD_LOOPBACK = 772; // linux/if_arp.h
const LO_HWADDR = Buffer.alloc(6); // lo's all-zero Ethernet address

/** null when this process may open a packet socket, else why not. */
function packetUnavailable(): string | null {
  try {
    socket(AF_PACKET, SOCK_DGRAM, 0).close();
    return null;
  } catch (err) {
    if (err instanceof SocketError && (err.code === 'EPERM' || err.code === 'EACCES')) return 'AF_PACKET needs CAP_NET_RAW, which this process lacks';
    if (err instanceof SocketError && err.code === 'EAFNOSUPPORT') return 'no AF_PACKET in this kernel';
    throw err;
  }
}

/**
 * A packet socket on lo, with room for a burst of frames: other processes'
 * traffic on lo (a parallel test suite's bulk TCP) shares its queue.
 */
function loSocket(type: number, proto: number) {
  const p = socket(AF_PACKET, type, htons(proto));
  p.setsockopt(SOL_SOCKET, SO_RCVBUF, 4 << 20);
  p.bind(['lo', proto]);
  return p;
}

/**
 * Reads and drops what `p` has queued, so that the frames sent next find
 * room: both copies of a datagram on lo are queued during the sendto()
 * that sends it, into a queue just emptied.
 */
function drain(p: Socket): void {
  const t = p.gettimeout();
  p.setblocking(false);
  for (let i = 0; i < 100000 && p.tryRecvInto(Buffer.alloc(1)) >= 0; i++);
  p.settimeout(t);
}

/** A JSON-friendly address: the hardware address as hex. */
function plain(a: PacketSocketAddress | null): unknown {
  assert.ok(a !== null);
  const [ifname, proto, pkttype, hatype, addr] = a;
  return [ifname, proto, pkttype, hatype, addr.toString('hex')];
}

/** The same, from CPython's JSON. */
const PRELUDE = String.raw`
import json, socket, sys
def plain(a):
    return [a[0], a[1], a[2], a[3], a[4].hex()]
def drain(p):
    p.setblocking(False)
    try:
        for _ in range(100000):
            p.recv(1)
    except BlockingIOError:
        pass
`;

describe('27 AF_PACKET: [ifname, proto, pkttype, hatype, addr]', function () {
  this.timeout(30000);
  const track = sockets();

  beforeEach(function () {
    const why = packetUnavailable();
    if (why !== null) {
      this.currentTest!.title += ` (skipped: ${why})`;
      this.skip();
    }
  });

  it("unbound, bound to lo, bound with every field: getsockname() as CPython's (['lo', 3, 0, 772, <6 zero bytes>])", async () => {
    const forms: unknown[][] = [['lo', ETH_P_ALL], ['lo', ETH_P_IP, 0], ['lo', ETH_P_ALL, PACKET_HOST, ARPHRD_LOOPBACK], ['lo', 0, 0, 0, 'aabbccddeeff']];
    const r = await python(
      `${PRELUDE}
out = []
for t, f in ((socket.SOCK_RAW, None), (socket.SOCK_DGRAM, None)) + tuple((socket.SOCK_RAW, f) for f in json.loads(sys.argv[1])):
    s = socket.socket(socket.AF_PACKET, t, socket.htons(${ETH_P_ALL}))
    if f is not None:
        if len(f) == 5:
            f[4] = bytes.fromhex(f[4])
        s.bind(tuple(f))
    out.append(plain(s.getsockname()))
    s.close()
print(json.dumps(out))`,
      [JSON.stringify(forms)],
    ).exit();
    assert.equal(r.stderr, '');
    const py = JSON.parse(r.stdout) as unknown[];
    const ours: unknown[] = [];
    for (const type of [SOCK_RAW, SOCK_DGRAM]) ours.push(plain(track(socket(AF_PACKET, type, htons(ETH_P_ALL))).getsockname()));
    for (const f of forms) {
      const s = track(socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL)));
      s.bind((f.length === 5 ? [...f.slice(0, 4), Buffer.from(f[4] as string, 'hex')] : f) as never);
      ours.push(plain(s.getsockname()));
    }
    assert.deepEqual(ours, py);
    // The exact values: unbound '' and no address; lo's Ethernet-like zeros.
    assert.deepEqual(ours[0], ['', ETH_P_ALL, 0, 0, '']);
    assert.deepEqual(ours[2], ['lo', ETH_P_ALL, PACKET_HOST, ARPHRD_LOOPBACK, LO_HWADDR.toString('hex')]);
    assert.deepEqual(ours[3], ['lo', ETH_P_IP, PACKET_HOST, ARPHRD_LOOPBACK, LO_HWADDR.toString('hex')]);
    const s = track(socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL)));
    s.bind(['lo', ETH_P_ALL]);
    const name = s.getsockname();
    assert.deepEqual(name, ['lo', 3, 0, 772, LO_HWADDR]);
    assert.ok(Object.isFrozen(name));
    assert.equal(util.inspect(s), `<Socket fd=${s.fileno()} family=AF_PACKET type=SOCK_RAW proto=768 laddr=['lo', 3, 0, 772, <Buffer 00 00 00 00 00 00>]>`);
  });

  it('a packet socket bound to lo sees a UDP datagram sent to 127.0.0.1: recvfrom gives the addresses CPython gives for the same frames', async () => {
    const marker = randomBytes(16);
    // CPython watches lo too, and reports the address of each frame that
    // carries the marker: the outgoing copy and the incoming one.
    const child = python(
      `${PRELUDE}
p = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(${ETH_P_ALL}))
p.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
p.bind(('lo', ${ETH_P_ALL}))
print('ready', flush=True)
sys.stdin.readline()
drain(p)
p.settimeout(10)
print('drained', flush=True)
marker = bytes.fromhex(sys.argv[1])
seen = []
for _ in range(100000):
    frame, addr = p.recvfrom(65535)
    if marker in frame:
        seen.append(plain(addr))
        if len(seen) == 2:
            break
print(json.dumps(seen))`,
      [marker.toString('hex')],
    );
    assert.equal(await child.line(), 'ready');
    const p = track(loSocket(SOCK_RAW, ETH_P_ALL));
    p.settimeout(10);
    const receiver = track(socket(AF_INET, SOCK_DGRAM));
    receiver.bind(['127.0.0.1', 0]);
    const sender = track(socket(AF_INET, SOCK_DGRAM));
    child.write('go\n');
    assert.equal(await child.line(), 'drained');
    drain(p);
    sender.sendto(marker, receiver.getsockname());
    const ours: unknown[] = [];
    for (let i = 0; i < 100000 && ours.length < 2; i++) {
      const [frame, address] = p.recvfrom(65535);
      if (frame.includes(marker)) ours.push(plain(address));
    }
    assert.deepEqual(receiver.recv(100), marker);
    const py = JSON.parse(await child.line()) as unknown[];
    assert.deepEqual(ours, py);
    const hw = LO_HWADDR.toString('hex');
    assert.deepEqual(ours, [
      ['lo', ETH_P_IP, PACKET_OUTGOING, ARPHRD_LOOPBACK, hw],
      ['lo', ETH_P_IP, PACKET_HOST, ARPHRD_LOOPBACK, hw],
    ]);
    assert.deepEqual(await child.exit().then((x) => [x.code, x.stderr]), [0, '']);
  });

  it('recvfromInto, recvmsg, recvmsgInto and the async forms give the frame\'s address as recvfrom does', async () => {
    const marker = randomBytes(16);
    // ETH_P_ALL: a socket of one protocol sees only frames coming in, a
    // tap (ETH_P_ALL) the outgoing copies too.
    const p = track(loSocket(SOCK_DGRAM, ETH_P_ALL));
    p.settimeout(10);
    const receiver = track(socket(AF_INET, SOCK_DGRAM));
    receiver.bind(['127.0.0.1', 0]);
    const sender = track(socket(AF_INET, SOCK_DGRAM));
    drain(p);
    for (let i = 0; i < 3; i++) sender.sendto(marker, receiver.getsockname());
    // Each datagram crosses lo twice; take the frames that carry the marker.
    const next = (p2: Socket): PacketSocketAddress => {
      for (let i = 0; i < 100000; i++) {
        const [frame, address] = p2.recvfrom(65535, MSG_PEEK);
        if (frame.includes(marker)) return address as PacketSocketAddress;
        p2.recv(65535);
      }
      throw new Error('no frame with the marker');
    };
    // The frames come in no fixed order (the outgoing copies are delivered
    // at once, the incoming ones from the backlog): each call is checked
    // against the address recvfrom peeked at, and all of them together
    // against the three frames of each kind.
    const signal = AbortSignal.timeout(5000);
    const calls: Array<() => Promise<unknown>> = [
      async () => p.recvfromInto(Buffer.alloc(65535))[1],
      async () => p.recvmsg(65535)[3],
      async () => p.recvmsgInto([Buffer.alloc(65535)])[3],
      async () => (await p.recvfromAsync(65535, { signal }))[1],
      async () => (await p.recvmsgAsync(65535, { signal }))[3],
      async () => (await p.recvfromIntoAsync(Buffer.alloc(65535), { signal }))[1],
    ];
    const kinds: number[] = [];
    let addr: PacketSocketAddress | null = null;
    for (const call of calls) {
      const peeked = next(p);
      addr = (await call()) as PacketSocketAddress;
      assert.deepEqual(addr, peeked);
      assert.deepEqual([addr[0], addr[1], addr[3], addr[4]], ['lo', ETH_P_IP, ARPHRD_LOOPBACK, LO_HWADDR]);
      kinds.push(addr[2]);
    }
    assert.deepEqual(kinds.sort(), [PACKET_HOST, PACKET_HOST, PACKET_HOST, PACKET_OUTGOING, PACKET_OUTGOING, PACKET_OUTGOING]);
    // A fresh hardware-address Buffer each time: changing one changes no other.
    assert.ok(addr !== null);
    addr[4][0] = 0xff;
    drain(p);
    sender.sendto(marker, receiver.getsockname());
    assert.deepEqual(next(p)[4], LO_HWADDR);
    assert.deepEqual(p.getsockname()[4], LO_HWADDR);
  });

  it('an unknown interface is ENODEV, as CPython\'s errno, with the address in the message; nothing is cut to 15 bytes', async () => {
    const s = track(socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL)));
    throwsSocketError(() => s.bind(['nosuch0', ETH_P_ALL]), 'ENODEV', 'bind', {
      address: "['nosuch0', 3]",
      message: "bind ENODEV ['nosuch0', 3]: No such device",
    });
    // sendto and connect look the interface up first, and send nothing.
    throwsSocketError(() => s.sendto('x', ['nosuch0', ETH_P_ALL]), 'ENODEV', 'sendto');
    await assert.rejects(s.sendtoAsync('x', ['nosuch0', ETH_P_ALL]), { code: 'ENODEV', syscall: 'sendto' });
    throwsSocketError(() => s.bind(['', ETH_P_ALL]), 'ENODEV', 'bind');
    // 'lo' and 14 more bytes: longer than an interface name can be, so no
    // interface; CPython would look up its first 15 bytes.
    throwsSocketError(() => s.bind([`lo${'x'.repeat(14)}`, ETH_P_ALL]), 'ENODEV', 'bind');
    const r = await python(
      "import socket\ns = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)\nfor n in ('nosuch0', ''):\n    try:\n        s.bind((n, 3))\n    except OSError as e:\n        print(e.errno)",
    ).exit();
    assert.deepEqual(r.stdout.trim().split('\n').map(Number), [errno.ENODEV, errno.ENODEV]);
  });
});
