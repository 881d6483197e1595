// AF_VSOCK addresses, [cid, port] as CPython's (cid, port), against this
// kernel and a CPython child: what it allows (bind, listen, getsockname,
// the socket options) and the exact error shape of what it refuses. Nothing
// here reaches the hypervisor: a connection is only ever tried to this
// machine's own CID, and to VMADDR_CID_LOCAL only where bind() shows that a
// loopback transport serves it (without one, the guest's transport would
// carry the request to the host).

import assert = require('node:assert/strict');
import fs = require('node:fs');
import util = require('node:util');

import { SOCK_DGRAM, SOCK_STREAM, SocketError, errorcode, socket, strerror, timeval, unpackTimeval } from '../lib';
import { AF_VSOCK, SO_VM_SOCKETS_BUFFER_MAX_SIZE, SO_VM_SOCKETS_BUFFER_SIZE, SO_VM_SOCKETS_CONNECT_TIMEOUT, VMADDR_CID_ANY, VMADDR_CID_HOST, VMADDR_CID_LOCAL, VMADDR_PORT_ANY } from './linux';
import { errno, python, sockets, throwsSocketError } from './helpers';

/** null when this kernel has AF_VSOCK sockets, else why not. */
function vsockUnavailable(): string | null {
  try {
    socket(AF_VSOCK, SOCK_STREAM).close();
    return null;
  } catch (err) {
    if (err instanceof SocketError) return `no AF_VSOCK stream sockets here (${err.code})`;
    throw err;
  }
}

/** A port no vsock socket holds now: the one the kernel picks, given back. */
function freePort(): number {
  const s = socket(AF_VSOCK, SOCK_STREAM);
  try {
    s.bind([VMADDR_CID_ANY, VMADDR_PORT_ANY]);
    return s.getsockname()[1];
  } finally {
    s.close();
  }
}

/**
 * This machine's CID (IOCTL_VM_SOCKETS_GET_LOCAL_CID on /dev/vsock, through
 * CPython), or null without a /dev/vsock this process may open.
 */
async function localCid(): Promise<number | null> {
  try {
    fs.accessSync('/dev/vsock', fs.constants.R_OK);
  } catch {
    return null;
  }
  const r = await python(
    "import array, fcntl, socket\nwith open('/dev/vsock', 'rb') as f:\n    a = array.array('I', [0])\n    fcntl.ioctl(f, socket.IOCTL_VM_SOCKETS_GET_LOCAL_CID, a)\nprint(a[0])",
  ).exit();
  assert.equal(r.stderr, '');
  return Number(r.stdout);
}

/** One step's outcome: null for success, else the errno. */
type Outcome = number | null;

function outcome(fn: () => unknown): Outcome {
  try {
    fn();
    return null;
  } catch (err) {
    if (err instanceof SocketError) return err.errno;
    throw err;
  }
}

describe('27 AF_VSOCK: [cid, port]', function () {
  this.timeout(30000);
  const track = sockets();

  beforeEach(function () {
    const why = vsockUnavailable();
    if (why !== null) {
      this.currentTest!.title += ` (skipped: ${why})`;
      this.skip();
    }
  });

  it('unbound: [VMADDR_CID_ANY, VMADDR_PORT_ANY]; bind([VMADDR_CID_ANY, port]), listen, getsockname as CPython; getpeername ENOTCONN', async () => {
    const s = track(socket(AF_VSOCK, SOCK_STREAM));
    assert.deepEqual(s.getsockname(), [VMADDR_CID_ANY, VMADDR_PORT_ANY]);
    assert.deepEqual([VMADDR_CID_ANY, VMADDR_PORT_ANY], [0xffffffff, 0xffffffff]);
    // VMADDR_PORT_ANY: the kernel picks a port above the reserved ones.
    s.bind([VMADDR_CID_ANY, VMADDR_PORT_ANY]);
    const [cid, port] = s.getsockname();
    assert.equal(cid, VMADDR_CID_ANY);
    assert.ok(port > 1023 && port < VMADDR_PORT_ANY, String(port));
    s.listen();
    assert.deepEqual(s.getsockname(), [VMADDR_CID_ANY, port]);
    assert.equal(util.inspect(s), `<Socket fd=${s.fileno()} family=AF_VSOCK type=SOCK_STREAM laddr=[${VMADDR_CID_ANY}, ${port}]>`);
    throwsSocketError(() => s.getpeername(), 'ENOTCONN', 'getpeername');
    // Listening works: nobody connects, so a non-blocking accept has nothing.
    s.setblocking(false);
    throwsSocketError(() => s.accept(), 'EAGAIN', 'accept');
    s.close();
    // CPython, the same port given explicitly.
    const r = await python(
      `import json, socket\ns = socket.socket(socket.AF_VSOCK, socket.SOCK_STREAM)\nu = s.getsockname()\ns.bind((socket.VMADDR_CID_ANY, ${port}))\ns.listen()\ntry:\n    s.getpeername()\nexcept OSError as e:\n    peer = e.errno\nprint(json.dumps([u, s.getsockname(), peer]))`,
    ).exit();
    assert.equal(r.stderr, '');
    assert.deepEqual(JSON.parse(r.stdout), [[VMADDR_CID_ANY, VMADDR_PORT_ANY], [VMADDR_CID_ANY, port], errno.ENOTCONN]);
    // And bsdsock with that port given explicitly, now that CPython let it go.
    const again = track(socket(AF_VSOCK, SOCK_STREAM));
    again.bind([VMADDR_CID_ANY, port]);
    assert.deepEqual(again.getsockname(), [VMADDR_CID_ANY, port]);
  });

  it("bound to this machine's own CID: getsockname() as CPython's", async function () {
    const cid = await localCid();
    if (cid === null) {
      this.test!.title += ' (skipped: no /dev/vsock this process may open, to ask for the local CID)';
      this.skip();
    }
    const port = freePort();
    const s = track(socket(AF_VSOCK, SOCK_STREAM));
    s.bind([cid, port]);
    assert.deepEqual(s.getsockname(), [cid, port]);
    s.close();
    const r = await python(`import json, socket\ns = socket.socket(socket.AF_VSOCK, socket.SOCK_STREAM)\ns.bind((${cid}, ${port}))\nprint(json.dumps(s.getsockname()))`).exit();
    assert.deepEqual(JSON.parse(r.stdout), [cid, port]);
  });

  it('what this kernel refuses, as CPython does, each error in its exact shape; what it allows, as CPython allows it', async function () {
    // Connecting to the own CID needs it from /dev/vsock; the rest does not.
    const cid = await localCid();
    if (cid === null) this.test!.title += ' (without connecting to the own CID: no /dev/vsock this process may open)';
    const [p1, p2, p3] = [freePort(), freePort() + 1, freePort() + 2];
    // CPython's outcomes of the same steps, in its own process.
    const r = await python(
      String.raw`
import json, socket
def step(fn):
    try:
        fn()
        return None
    except OSError as e:
        return e.errno
out = {}
l = socket.socket(socket.AF_VSOCK, socket.SOCK_STREAM)
out['listen'] = step(lambda: (l.bind((socket.VMADDR_CID_ANY, ${p1})), l.listen()))
c = socket.socket(socket.AF_VSOCK, socket.SOCK_STREAM)
c.settimeout(5)
if ${cid === null ? 'False' : 'True'}:
    out['connectOwnCid'] = step(lambda: c.connect((${cid}, ${p1})))
out['bindTwice'] = step(lambda: l.bind((socket.VMADDR_CID_ANY, ${p2})))
out['bindInUse'] = step(lambda: socket.socket(socket.AF_VSOCK, socket.SOCK_STREAM).bind((socket.VMADDR_CID_ANY, ${p1})))
local = socket.socket(socket.AF_VSOCK, socket.SOCK_STREAM)
out['bindLocal'] = step(lambda: local.bind((1, ${p2})))
out['bindHost'] = step(lambda: socket.socket(socket.AF_VSOCK, socket.SOCK_STREAM).bind((2, ${p3})))
out['dgram'] = step(lambda: socket.socket(socket.AF_VSOCK, socket.SOCK_DGRAM))
print(json.dumps(out))`,
    ).exit();
    assert.equal(r.stderr, '');
    const py = JSON.parse(r.stdout) as Record<string, Outcome>;

    const ours: Record<string, Outcome> = {};
    const l = track(socket(AF_VSOCK, SOCK_STREAM));
    ours.listen = outcome(() => {
      l.bind([VMADDR_CID_ANY, p1]);
      l.listen();
    });
    const c = track(socket(AF_VSOCK, SOCK_STREAM));
    c.settimeout(5);
    if (cid !== null) ours.connectOwnCid = outcome(() => c.connect([cid, p1]));
    ours.bindTwice = outcome(() => l.bind([VMADDR_CID_ANY, p2]));
    ours.bindInUse = outcome(() => track(socket(AF_VSOCK, SOCK_STREAM)).bind([VMADDR_CID_ANY, p1]));
    const local = track(socket(AF_VSOCK, SOCK_STREAM));
    ours.bindLocal = outcome(() => local.bind([VMADDR_CID_LOCAL, p2]));
    ours.bindHost = outcome(() => track(socket(AF_VSOCK, SOCK_STREAM)).bind([VMADDR_CID_HOST, p3]));
    ours.dgram = outcome(() => track(socket(AF_VSOCK, SOCK_DGRAM)));
    assert.deepEqual(ours, py);

    // What is always allowed, and always refused.
    assert.equal(ours.listen, null);
    assert.equal(ours.bindTwice, errno.EINVAL);
    assert.equal(ours.bindInUse, errno.EADDRINUSE);
    // The exact shape of each refusal this kernel made: Node's form with the
    // address as its array, Python's errno and strerror.
    const shape = (what: string, e: Outcome, syscall: string, address?: string) => {
      if (e === null) return;
      const code = errorcode[e]!;
      const where = address === undefined ? '' : ` ${address}`;
      return { code, errno: e, syscall, message: `${syscall} ${code}${where}: ${strerror(e)}`, ...(address === undefined ? {} : { address }), what };
    };
    const check = (fn: () => unknown, expected: ReturnType<typeof shape>) => {
      if (expected === undefined) return;
      const { what, ...fields } = expected;
      assert.throws(fn, (err: unknown) => {
        assert.ok(err instanceof SocketError, what);
        for (const [k, v] of Object.entries(fields)) assert.deepEqual((err as unknown as Record<string, unknown>)[k], v, `${what}: ${k}`);
        return true;
      });
    };
    if (cid !== null && ours.connectOwnCid !== null) {
      const c2 = track(socket(AF_VSOCK, SOCK_STREAM));
      c2.settimeout(5);
      check(() => c2.connect([cid, p1]), shape('connect to the own CID', ours.connectOwnCid!, 'connect', `[${cid}, ${p1}]`));
      assert.equal(c2.connectEx([cid, p1]), ours.connectOwnCid);
      await assert.rejects(track(socket(AF_VSOCK, SOCK_STREAM)).connectAsync([cid, p1]), { code: errorcode[ours.connectOwnCid!], syscall: 'connect' });
    } else if (cid !== null) {
      // A loopback transport took it: accept's address is the client's name.
      const [conn, peer] = l.accept();
      track(conn);
      assert.deepEqual(peer, c.getsockname());
      assert.equal(conn.getsockname()[1], p1);
    }
    check(() => track(socket(AF_VSOCK, SOCK_STREAM)).bind([VMADDR_CID_LOCAL, p2]), shape('bind to VMADDR_CID_LOCAL', ours.bindLocal, 'bind', `[${VMADDR_CID_LOCAL}, ${p2}]`));
    check(() => track(socket(AF_VSOCK, SOCK_STREAM)).bind([VMADDR_CID_HOST, p3]), shape('bind to VMADDR_CID_HOST', ours.bindHost, 'bind', `[${VMADDR_CID_HOST}, ${p3}]`));
    check(() => track(socket(AF_VSOCK, SOCK_DGRAM)), shape('a datagram socket', ours.dgram, 'socket'));
    check(() => l.bind([VMADDR_CID_ANY, p2]), shape('bind twice', ours.bindTwice, 'bind', `[${VMADDR_CID_ANY}, ${p2}]`));
    // VMADDR_CID_LOCAL is only tried where a loopback transport serves it.
    if (ours.bindLocal === null) {
      local.listen();
      const c3 = track(socket(AF_VSOCK, SOCK_STREAM));
      c3.settimeout(5);
      c3.connect([VMADDR_CID_LOCAL, p2]);
      const [conn, peer] = local.accept();
      track(conn);
      assert.deepEqual(peer, c3.getsockname());
    }
  });

  it('the AF_VSOCK options as CPython reads and writes them, unsigned 64-bit numbers; SO_VM_SOCKETS_CONNECT_TIMEOUT, which CPython lacks, as a timeval', async () => {
    const s = track(socket(AF_VSOCK, SOCK_STREAM));
    const r = await python(
      String.raw`
import json, socket
s = socket.socket(socket.AF_VSOCK, socket.SOCK_STREAM)
out = [s.getsockopt(socket.AF_VSOCK, socket.SO_VM_SOCKETS_BUFFER_SIZE),
       s.getsockopt(socket.AF_VSOCK, socket.SO_VM_SOCKETS_BUFFER_MAX_SIZE)]
s.setsockopt(socket.AF_VSOCK, socket.SO_VM_SOCKETS_BUFFER_SIZE, 100000)
out.append(s.getsockopt(socket.AF_VSOCK, socket.SO_VM_SOCKETS_BUFFER_SIZE))
print(json.dumps(out))`,
    ).exit();
    assert.equal(r.stderr, '');
    const py = JSON.parse(r.stdout) as number[];
    const ours = [s.getsockopt(AF_VSOCK, SO_VM_SOCKETS_BUFFER_SIZE), s.getsockopt(AF_VSOCK, SO_VM_SOCKETS_BUFFER_MAX_SIZE)];
    s.setsockopt(AF_VSOCK, SO_VM_SOCKETS_BUFFER_SIZE, 100000);
    ours.push(s.getsockopt(AF_VSOCK, SO_VM_SOCKETS_BUFFER_SIZE));
    assert.deepEqual(ours, py);
    assert.equal(ours[2], 100000);
    // The same value as bytes, with a buflen.
    const le = Buffer.alloc(8);
    le.writeBigUInt64LE(100000n);
    assert.deepEqual(s.getsockopt(AF_VSOCK, SO_VM_SOCKETS_BUFFER_SIZE, 8), le);
    for (const bad of [-1, 1.5, 2 ** 53]) assert.throws(() => s.setsockopt(AF_VSOCK, SO_VM_SOCKETS_BUFFER_SIZE, bad), { code: 'ERR_OUT_OF_RANGE' });
    // The kernel keeps it in jiffies: half a second is exact for every HZ.
    s.setsockopt(AF_VSOCK, SO_VM_SOCKETS_CONNECT_TIMEOUT, timeval(0.5));
    assert.equal(unpackTimeval(s.getsockopt(AF_VSOCK, SO_VM_SOCKETS_CONNECT_TIMEOUT, 16)), 0.5);
    // A timeval read as a u64 is too short for the kernel: EINVAL, as CPython.
    throwsSocketError(() => s.getsockopt(AF_VSOCK, SO_VM_SOCKETS_CONNECT_TIMEOUT), 'EINVAL', 'getsockopt');
  });
});
