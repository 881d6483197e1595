// Interop with a real peer: CPython's `socket` module in a child process.
//
// Every exchange checks exact bytes in both directions, and wherever CPython
// and bsdsock report the same thing (an address from accept/recvfrom vs the
// other side's getsockname, an unbound AF_UNIX name, an errno) the two values
// are compared as they are, [host, port] against (host, port).
//
// bsdsock calls in blocking mode block the event loop, so each test first
// awaits what it needs from the child (a port, an address), then makes its
// blocking calls, every socket with a timeout so that a failure throws instead
// of hanging; the children print little while the loop is blocked.

import assert = require('node:assert/strict');
import { createHash, randomBytes } from 'node:crypto';
import path = require('node:path');

import {
  AF_INET,
  AF_INET6,
  AF_UNIX,
  IPPROTO_IPV6,
  IPV6_V6ONLY,
  SHUT_WR,
  SOCK_DGRAM,
  SOCK_STREAM,
  SOL_SOCKET,
  SO_LINGER,
  SO_RCVBUF,
  SO_SNDBUF,
  socket,
  socketpair,
  type Socket,
  type SocketAddress,
} from '../lib';
import { errno, python, sockets, tempDirs, throwsSocketError, type Child } from './helpers';

/** Seconds: the timeout of every socket here, on both sides. */
const T = 10;
const MiB = 1 << 20;

// ---- the Python side ----------------------------------------------------------

// Shared by every script. Values go to the test as one JSON document per line;
// tuples become arrays, bytes become {"bytes": hex} so they can be told apart
// from str. MSGS and DGRAMS are the same lists as MESSAGES and DATAGRAMS below.
const PRELUDE = String.raw`
import hashlib, json, os, socket, struct, sys
socket.setdefaulttimeout(${T})

def js(v):
    if isinstance(v, (bytes, bytearray)):
        return {'bytes': bytes(v).hex()}
    if isinstance(v, (tuple, list)):
        return [js(x) for x in v]
    return v

def out(v):
    print(json.dumps(js(v)))

def pattern(n, seed):
    return bytes((i * 7 + seed) % 251 for i in range(n))

def recv_exact(s, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise EOFError(f'EOF after {len(buf)} of {n} bytes')
        buf += chunk
    return bytes(buf)

def recv_msg(s):
    (n,) = struct.unpack('>I', recv_exact(s, 4))
    return recv_exact(s, n)

def send_msg(s, b):
    s.sendall(struct.pack('>I', len(b)) + b)

def ack(m):
    return b'ack:' + m[::-1]

def check(got, want, what):
    if got != want:
        raise AssertionError(f'{what}: got {got[:40]!r} ({len(got)} bytes), want {want[:40]!r} ({len(want)} bytes)')

MSGS = [b'hello', b'', bytes(range(256)), 'h\u00e9llo w\u00f6rld \u2713\r\n\x00end'.encode(), pattern(70000, 1)]
DGRAMS = [b'one', b'', bytes(range(256)), pattern(65507, 2)]
`;

function dedent(text: string): string {
  const lines = text.replace(/^\s*\n/, '').replace(/\s+$/, '').split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)![0].length));
  return lines.map((l) => l.slice(indent)).join('\n');
}

/**
 * A Python script, as a template tag: the prelude, then the body (indented as
 * it sits in the test). Raw, so that Python's escapes (b'\0') reach Python.
 */
function py(strings: TemplateStringsArray, ...values: unknown[]): string {
  return `${PRELUDE}\n${dedent(String.raw(strings, ...values))}\n`;
}

/** A JSON line from the child, with {"bytes": hex} turned back into Buffers. */
function fromPy(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(fromPy);
  if (v !== null && typeof v === 'object' && 'bytes' in v) return Buffer.from(String(v.bytes), 'hex');
  return v;
}

async function value(child: Child): Promise<unknown> {
  return fromPy(JSON.parse(await child.line()));
}

/** Awaits the child's exit: no stderr output and code 0. */
async function finish(child: Child): Promise<void> {
  const { code, signal, stderr } = await child.exit();
  assert.equal(stderr, '');
  assert.equal(signal, null);
  assert.equal(code, 0);
}

/** Runs `body`; if it throws, kills the child and adds its stderr to the error. */
async function withPeer(child: Child, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    child.proc.kill('SIGKILL');
    const { stderr } = await child.exit();
    if (stderr !== '' && err instanceof Error) {
      const first = err.message;
      err.message += `\n--- python stderr ---\n${stderr}`;
      // Reporters print the stack, which carries the message it was made with.
      if (err.stack !== undefined) err.stack = err.stack.replace(first, err.message);
    }
    throw err;
  }
}

// ---- the bsdsock side ---------------------------------------------------------

function pattern(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 7 + seed) % 251;
  return b;
}

const MESSAGES: readonly Buffer[] = [
  Buffer.from('hello'),
  Buffer.alloc(0),
  Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
  Buffer.from('h\u00e9llo w\u00f6rld \u2713\r\n\x00end', 'utf8'),
  pattern(70000, 1),
];
// The last one is the largest UDP payload over IPv4 (65535 - 20 - 8).
const DATAGRAMS: readonly Buffer[] = [Buffer.from('one'), Buffer.alloc(0), MESSAGES[2]!, pattern(65507, 2)];

function reversed(b: Buffer): Buffer {
  return Buffer.from(b).reverse();
}

function ack(m: Buffer): Buffer {
  return Buffer.concat([Buffer.from('ack:'), reversed(m)]);
}

function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

/** Exact bytes, with a short message for large buffers. */
function sameBytes(actual: Buffer, expected: Buffer, what: string): void {
  if (actual.equals(expected)) return;
  assert.fail(
    `${what}: got ${actual.length} bytes (${actual.subarray(0, 24).toString('hex')}...), ` +
      `want ${expected.length} (${expected.subarray(0, 24).toString('hex')}...)`,
  );
}

function recvExact(s: Socket, n: number): Buffer {
  const parts: Buffer[] = [];
  let got = 0;
  // Each pass either makes progress or throws (EOF, timeout): at most n passes.
  while (got < n) {
    const chunk = s.recv(n - got);
    if (chunk.length === 0) assert.fail(`EOF after ${got} of ${n} bytes`);
    parts.push(chunk);
    got += chunk.length;
  }
  return Buffer.concat(parts, n);
}

function recvMsg(s: Socket): Buffer {
  return recvExact(s, recvExact(s, 4).readUInt32BE(0));
}

function sendMsg(s: Socket, m: Buffer): void {
  const header = Buffer.alloc(4);
  header.writeUInt32BE(m.length, 0);
  s.sendall(Buffer.concat([header, m]));
}

/** The port of an AF_INET/AF_INET6 socket's local address. */
function portOf(s: Socket): number {
  const a = s.getsockname();
  assert.ok(Array.isArray(a), `not an inet address: ${String(a)}`);
  return (a as readonly [string, number])[1];
}

/** A unique abstract AF_UNIX name (without its leading NUL, which argv cannot carry). */
function abstractName(): string {
  return `bsdsock-test60-${process.pid}-${randomBytes(6).toString('hex')}`;
}

function abstract(name: string): Buffer {
  return Buffer.concat([Buffer.from([0]), Buffer.from(name)]);
}

// ---- tests --------------------------------------------------------------------

describe('60 interop with CPython socket', () => {
  const track = sockets();
  const tmp = tempDirs();

  describe('TCP', () => {
    it('a bsdsock server answers a Python client, message by message; accept() sees its getsockname()', async () => {
      const srv = track(socket(AF_INET, SOCK_STREAM));
      srv.settimeout(T);
      srv.bind(['127.0.0.1', 0]);
      srv.listen(1);
      const port = portOf(srv);
      const child = python(
        py`
          c = socket.create_connection(('127.0.0.1', int(sys.argv[1])))
          out([c.getsockname(), c.getpeername()])
          for i, m in enumerate(MSGS):
              send_msg(c, m)
              check(recv_msg(c), ack(m), f'reply {i}')
          c.shutdown(socket.SHUT_WR)
          check(c.recv(1), b'', 'EOF from the server')
          c.close()
          out('done')
        `,
        [String(port)],
      );
      await withPeer(child, async () => {
        const [pyLocal, pyPeer] = (await value(child)) as [unknown, unknown];
        const [conn, address] = srv.accept();
        track(conn);
        conn.settimeout(T);
        // Python's (host, port) and bsdsock's [host, port] for the same ends.
        assert.deepEqual(address, pyLocal);
        assert.deepEqual(conn.getpeername(), pyLocal);
        assert.deepEqual(conn.getsockname(), pyPeer);
        assert.deepEqual(pyPeer, ['127.0.0.1', port]);
        for (const [i, m] of MESSAGES.entries()) {
          sameBytes(recvMsg(conn), m, `message ${i}`);
          sendMsg(conn, ack(m));
        }
        assert.deepEqual(conn.recv(1), Buffer.alloc(0)); // Python's SHUT_WR
        conn.close();
        assert.equal(await value(child), 'done');
        await finish(child);
      });
    });

    it("a bsdsock client talks to a Python server; Python's accept() address is the client's getsockname()", async () => {
      const child = python(
        py`
          srv = socket.socket()
          srv.bind(('127.0.0.1', 0))
          srv.listen(1)
          out(srv.getsockname()[1])
          c, addr = srv.accept()
          out([addr, c.getsockname()])
          for i, m in enumerate(MSGS):
              check(recv_msg(c), m, f'message {i}')
              send_msg(c, ack(m))
          check(c.recv(1), b'', 'EOF from the client')
          c.close()
          srv.close()
        `,
      );
      await withPeer(child, async () => {
        const port = (await value(child)) as number;
        const cli = track(socket(AF_INET, SOCK_STREAM));
        cli.settimeout(T);
        cli.connect(['localhost', port]); // resolved in AF_INET: 127.0.0.1
        assert.deepEqual(cli.getpeername(), ['127.0.0.1', port]);
        for (const [i, m] of MESSAGES.entries()) {
          sendMsg(cli, m);
          sameBytes(recvMsg(cli), ack(m), `reply ${i}`);
        }
        cli.shutdown(SHUT_WR);
        assert.deepEqual(cli.recv(1), Buffer.alloc(0)); // Python closed
        const [pyAddr, pyLocal] = (await value(child)) as [unknown, unknown];
        assert.deepEqual(pyAddr, cli.getsockname());
        assert.deepEqual(pyLocal, ['127.0.0.1', port]);
        await finish(child);
      });
    });

    it('1 MiB each way with sendall through small buffers (a DataView inside a larger buffer), checked by length and sha256 on the other side', async () => {
      const child = python(
        py`
          srv = socket.socket()
          srv.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
          srv.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
          srv.bind(('127.0.0.1', 0))
          srv.listen(1)
          out(srv.getsockname()[1])
          c, _ = srv.accept()
          h, n, reads = hashlib.sha256(), 0, 0
          while True:
              b = c.recv(65536)
              if not b:
                  break
              h.update(b)
              n += len(b)
              reads += 1
          out([n, h.hexdigest(), reads > 1])
          data = os.urandom(1 << 20)
          out(hashlib.sha256(data).hexdigest())
          c.sendall(data)
          c.close()
          srv.close()
        `,
      );
      await withPeer(child, async () => {
        const port = (await value(child)) as number;
        const cli = track(socket(AF_INET, SOCK_STREAM));
        cli.setsockopt(SOL_SOCKET, SO_SNDBUF, 4096);
        cli.setsockopt(SOL_SOCKET, SO_RCVBUF, 4096);
        cli.settimeout(T);
        cli.connect(['127.0.0.1', port]);
        // A DataView at an odd offset into a larger buffer: exactly its own
        // bytes go, over many partial sends.
        const raw = randomBytes(MiB + 5);
        const data = raw.subarray(3, 3 + MiB);
        cli.sendall(new DataView(raw.buffer, raw.byteOffset + 3, MiB));
        cli.shutdown(SHUT_WR);
        // recvInto at a moving offset; the spare room would show any excess.
        const got = Buffer.alloc(2 * MiB);
        let n = 0;
        let reads = 0;
        for (;;) {
          assert.ok(reads < 2 * MiB, 'recvInto loop did not end');
          const k = cli.recvInto(got.subarray(n));
          if (k === 0) break;
          n += k;
          reads++;
        }
        assert.equal(n, MiB);
        assert.ok(reads > 1, 'one recvInto got all of 1 MiB through a 4 KiB buffer');
        assert.deepEqual(await value(child), [MiB, sha256(data), true]);
        assert.equal(await value(child), sha256(got.subarray(0, n)));
        await finish(child);
      });
    });

    it('connecting to a bound, non-listening port: ECONNREFUSED (111) in both', async () => {
      const closed = track(socket(AF_INET, SOCK_STREAM));
      closed.bind(['127.0.0.1', 0]);
      const port = portOf(closed);
      const child = python(
        py`
          port = int(sys.argv[1])
          with socket.socket() as s:
              ex = s.connect_ex(('127.0.0.1', port))
          try:
              socket.create_connection(('127.0.0.1', port))
              raise AssertionError('connected')
          except ConnectionRefusedError as e:
              out([ex, e.errno, os.strerror(e.errno)])
        `,
        [String(port)],
      );
      await withPeer(child, async () => {
        const [pyEx, pyErrno, pyText] = (await value(child)) as [number, number, string];
        assert.deepEqual([pyEx, pyErrno, pyText], [errno.ECONNREFUSED, errno.ECONNREFUSED, 'Connection refused']);
        const a = track(socket(AF_INET, SOCK_STREAM));
        a.settimeout(T);
        assert.equal(a.connectEx(['127.0.0.1', port]), pyEx);
        const b = track(socket(AF_INET, SOCK_STREAM));
        b.settimeout(T);
        throwsSocketError(() => b.connect(['127.0.0.1', port]), 'ECONNREFUSED', 'connect', {
          address: '127.0.0.1',
          port,
        });
        await finish(child);
      });
    });

    it("a Python peer's abortive close (SO_LINGER 0) is ECONNRESET from bsdsock's recv", async () => {
      const child = python(
        py`
          srv = socket.socket()
          srv.bind(('127.0.0.1', 0))
          srv.listen(1)
          out(srv.getsockname()[1])
          c, _ = srv.accept()
          check(recv_exact(c, 5), b'reset', 'request')
          c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
          c.close()
          srv.close()
          out('closed')
        `,
      );
      await withPeer(child, async () => {
        const port = (await value(child)) as number;
        const cli = track(socket(AF_INET, SOCK_STREAM));
        cli.settimeout(T);
        cli.connect(['127.0.0.1', port]);
        cli.sendall('reset');
        assert.equal(await value(child), 'closed');
        await finish(child);
        throwsSocketError(() => cli.recv(1), 'ECONNRESET', 'recv');
      });
    });

    it("bsdsock's abortive close (SO_LINGER 0) is ConnectionResetError 104 in Python", async () => {
      const srv = track(socket(AF_INET, SOCK_STREAM));
      srv.settimeout(T);
      srv.bind(['127.0.0.1', 0]);
      srv.listen(1);
      const child = python(
        py`
          c = socket.create_connection(('127.0.0.1', int(sys.argv[1])))
          out(c.getsockname())
          check(recv_exact(c, 2), b'ok', 'greeting')
          out('got it')
          try:
              c.recv(1)
              raise AssertionError('no reset')
          except ConnectionResetError as e:
              out([e.errno, os.strerror(e.errno)])
          c.close()
        `,
        [String(portOf(srv))],
      );
      await withPeer(child, async () => {
        const pyLocal = await value(child);
        const [conn, address] = srv.accept();
        track(conn);
        assert.deepEqual(address, pyLocal);
        conn.settimeout(T);
        conn.sendall('ok');
        // Reset only once the data is in Python's hands: a reset discards unsent data.
        assert.equal(await value(child), 'got it');
        const linger = Buffer.alloc(8);
        linger.writeInt32LE(1, 0); // l_onoff
        linger.writeInt32LE(0, 4); // l_linger
        conn.setsockopt(SOL_SOCKET, SO_LINGER, linger);
        conn.close();
        assert.deepEqual(await value(child), [errno.ECONNRESET, 'Connection reset by peer']);
        await finish(child);
      });
    });
  });

  describe('UDP', () => {
    it("bsdsock sendto -> Python recvfrom and back; each side's peer address is the other's getsockname()", async () => {
      const child = python(
        py`
          s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
          s.bind(('127.0.0.1', 0))
          out(s.getsockname()[1])
          senders = []
          for i, d in enumerate(DGRAMS):
              data, addr = s.recvfrom(65535)
              check(data, d, f'datagram {i}')
              s.sendto(data[::-1], addr)
              senders.append(addr)
          out(senders)
          s.close()
        `,
      );
      await withPeer(child, async () => {
        const port = (await value(child)) as number;
        const u = track(socket(AF_INET, SOCK_DGRAM));
        u.settimeout(T);
        u.bind(['127.0.0.1', 0]);
        for (const [i, d] of DATAGRAMS.entries()) {
          assert.equal(u.sendto(d, ['127.0.0.1', port]), d.length);
          const [data, from] = u.recvfrom(65535);
          sameBytes(data, reversed(d), `reply ${i}`);
          assert.deepEqual(from, ['127.0.0.1', port]);
        }
        const me = u.getsockname();
        assert.deepEqual(await value(child), DATAGRAMS.map(() => me));
        await finish(child);
      });
    });

    it("Python sendto -> bsdsock recvfrom and back; each side's peer address is the other's getsockname()", async () => {
      const u = track(socket(AF_INET, SOCK_DGRAM));
      u.settimeout(T);
      u.bind(['127.0.0.1', 0]);
      const port = portOf(u);
      const child = python(
        py`
          to = ('127.0.0.1', int(sys.argv[1]))
          s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
          s.bind(('127.0.0.1', 0))
          out(s.getsockname())
          for i, d in enumerate(DGRAMS):
              if s.sendto(d, to) != len(d):
                  raise AssertionError('short sendto')
              data, addr = s.recvfrom(65535)
              check(data, d[::-1], f'reply {i}')
              if addr != to:
                  raise AssertionError(f'reply {i} from {addr}')
          s.close()
          out('done')
        `,
        [String(port)],
      );
      await withPeer(child, async () => {
        const pyLocal = await value(child);
        for (const [i, d] of DATAGRAMS.entries()) {
          const [data, from] = u.recvfrom(65535);
          sameBytes(data, d, `datagram ${i}`);
          assert.deepEqual(from, pyLocal);
          assert.equal(u.sendto(reversed(data), from!), d.length);
        }
        assert.equal(await value(child), 'done');
        await finish(child);
      });
    });
  });

  describe('AF_UNIX', () => {
    it('bsdsock connects to a Python server on a path; unbound names are "" in both', async () => {
      const where = path.join(tmp(), 'py.sock');
      const child = python(
        py`
          srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
          srv.bind(sys.argv[1])
          srv.listen(1)
          with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as unbound:
              out([srv.getsockname(), unbound.getsockname()])
          c, addr = srv.accept()
          out([addr, c.getsockname(), c.getpeername()])
          for i, m in enumerate(MSGS):
              check(recv_msg(c), m, f'message {i}')
              send_msg(c, ack(m))
          out(c.recvfrom(64))
          c.sendall(b'from python')
          check(c.recv(1), b'', 'EOF from the client')
          c.close()
          srv.close()
        `,
        [where],
      );
      await withPeer(child, async () => {
        const [pyName, pyUnbound] = (await value(child)) as [unknown, unknown];
        assert.equal(pyName, where);
        const cli = track(socket(AF_UNIX, SOCK_STREAM));
        cli.settimeout(T);
        assert.equal(cli.getsockname(), '');
        assert.deepEqual(cli.getsockname(), pyUnbound);
        cli.connect(where);
        assert.equal(cli.getpeername(), where);
        for (const [i, m] of MESSAGES.entries()) {
          sendMsg(cli, m);
          sameBytes(recvMsg(cli), ack(m), `reply ${i}`);
        }
        // recvfrom on a stream names a bound sender; an unbound one is null / None.
        cli.sendall('from bsdsock');
        assert.deepEqual(cli.recvfrom(64), [Buffer.from('from python'), where]);
        cli.shutdown(SHUT_WR);
        assert.deepEqual(cli.recv(1), Buffer.alloc(0));
        // Python's accept() and getpeername() name the unbound client as it names itself.
        assert.deepEqual(await value(child), [cli.getsockname(), where, cli.getsockname()]);
        assert.deepEqual(await value(child), [Buffer.from('from bsdsock'), null]);
        await finish(child);
      });
    });

    it("a bsdsock server bound with a Buffer path accepts a bound Python client; paths come back as strings", async () => {
      const dir = tmp();
      const serverPath = path.join(dir, 'bsdsock.sock');
      const clientPath = path.join(dir, 'py-client.sock');
      const srv = track(socket(AF_UNIX, SOCK_STREAM));
      srv.settimeout(T);
      srv.bind(Buffer.from(serverPath));
      assert.equal(srv.getsockname(), serverPath);
      srv.listen(1);
      const child = python(
        py`
          c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
          c.bind(sys.argv[2])
          c.connect(sys.argv[1].encode())
          out([c.getsockname(), c.getpeername()])
          for i, m in enumerate(MSGS[:4]):
              send_msg(c, m)
              check(recv_msg(c), ack(m), f'reply {i}')
          c.sendall(b'from python')
          out(c.recvfrom(64))
          c.close()
        `,
        [serverPath, clientPath],
      );
      await withPeer(child, async () => {
        const [pyName, pyPeer] = (await value(child)) as [unknown, unknown];
        assert.equal(pyName, clientPath);
        assert.equal(pyPeer, serverPath);
        const [conn, address] = srv.accept();
        track(conn);
        conn.settimeout(T);
        assert.equal(address, pyName);
        assert.equal(conn.getpeername(), pyName);
        assert.equal(conn.getsockname(), pyPeer);
        for (const [i, m] of MESSAGES.slice(0, 4).entries()) {
          sameBytes(recvMsg(conn), m, `message ${i}`);
          sendMsg(conn, ack(m));
        }
        // recvfrom on a stream names the sender: the client's path, and for
        // data from an accepted socket, the listener's path.
        assert.deepEqual(conn.recvfrom(64), [Buffer.from('from python'), clientPath]);
        conn.sendall('from bsdsock');
        assert.deepEqual(conn.recv(1), Buffer.alloc(0));
        assert.deepEqual(await value(child), [Buffer.from('from bsdsock'), serverPath]);
        await finish(child);
      });
    });

    it('datagrams between paths both ways; an unbound sender is null in bsdsock and None in Python', async () => {
      const dir = tmp();
      const mine = path.join(dir, 'bsdsock.dgram');
      const theirs = path.join(dir, 'py.dgram');
      const u = track(socket(AF_UNIX, SOCK_DGRAM));
      u.settimeout(T);
      u.bind(mine);
      const child = python(
        py`
          to = sys.argv[1]
          s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
          s.bind(sys.argv[2])
          out(s.getsockname())
          for i, d in enumerate(DGRAMS):
              s.sendto(d, to)
              data, addr = s.recvfrom(65536)
              check(data, d[::-1], f'reply {i}')
              if addr != to:
                  raise AssertionError(f'reply {i} from {addr!r}')
          with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as anon:
              anon.sendto(b'from an unbound python socket', to)
          out(s.recvfrom(1024))
          s.close()
        `,
        [mine, theirs],
      );
      await withPeer(child, async () => {
        assert.equal(await value(child), theirs);
        for (const [i, d] of DATAGRAMS.entries()) {
          const [data, from] = u.recvfrom(65536);
          sameBytes(data, d, `datagram ${i}`);
          assert.equal(from, theirs);
          assert.equal(u.sendto(reversed(data), theirs), d.length);
        }
        const [data, from] = u.recvfrom(1024);
        assert.equal(data.toString(), 'from an unbound python socket');
        assert.equal(from, null);
        const anon = track(socket(AF_UNIX, SOCK_DGRAM));
        anon.settimeout(T);
        anon.sendto('from an unbound bsdsock socket', theirs);
        assert.deepEqual(await value(child), [Buffer.from('from an unbound bsdsock socket'), null]);
        await finish(child);
      });
    });

    it('abstract names: bsdsock Buffer <-> Python bytes, bound and autobound, stream and datagram', async () => {
      const streamName = abstractName();
      const dgramName = abstractName();
      // Bound before the child starts: its sendto must find the name.
      const u = track(socket(AF_UNIX, SOCK_DGRAM));
      u.settimeout(T);
      u.bind(abstract(dgramName));
      assert.deepEqual(u.getsockname(), abstract(dgramName));
      const child = python(
        py`
          srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
          srv.bind(b'\0' + sys.argv[1].encode())
          srv.listen(1)
          out(srv.getsockname())
          c, addr = srv.accept()
          out([addr, c.getsockname()])
          check(recv_exact(c, 8), b'abstract', 'stream data')
          c.sendall(b'\0reply\0')
          c.close()
          srv.close()

          d = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
          d.bind('')  # autobind: an abstract name chosen by the kernel
          out(d.getsockname())
          d.sendto(b'dgram', b'\0' + sys.argv[2].encode())
          data, addr = d.recvfrom(1024)
          check(data, b'dgram reply', 'datagram reply')
          out(addr)
          d.close()
        `,
        [streamName, dgramName],
      );
      await withPeer(child, async () => {
        // Stream: a Python server at a chosen name, an autobound bsdsock client.
        assert.deepEqual(await value(child), abstract(streamName));
        const cli = track(socket(AF_UNIX, SOCK_STREAM));
        cli.settimeout(T);
        cli.bind('');
        const auto = cli.getsockname();
        assert.ok(Buffer.isBuffer(auto), 'autobound name is not a Buffer');
        assert.match(auto.toString('latin1'), /^\0[0-9a-f]{5}$/);
        cli.connect(abstract(streamName));
        assert.deepEqual(cli.getpeername(), abstract(streamName));
        cli.sendall('abstract');
        assert.deepEqual(recvExact(cli, 7), Buffer.from('\0reply\0'));
        assert.deepEqual(cli.recv(1), Buffer.alloc(0));
        assert.deepEqual(await value(child), [auto, abstract(streamName)]);

        // Datagram: bsdsock at a chosen name, an autobound Python sender.
        const pyAuto = await value(child);
        assert.ok(Buffer.isBuffer(pyAuto), 'Python autobound name is not bytes');
        assert.match(pyAuto.toString('latin1'), /^\0[0-9a-f]{5}$/);
        const [data, from] = u.recvfrom(1024);
        assert.deepEqual(data, Buffer.from('dgram'));
        assert.deepEqual(from, pyAuto);
        u.sendto('dgram reply', from!);
        assert.deepEqual(await value(child), abstract(dgramName));
        await finish(child);
      });
    });

    it('a socketpair end inherited by Python: same family/type/proto and "" names on both sides', async () => {
      const [mine, theirs] = socketpair();
      track(mine);
      track(theirs);
      mine.settimeout(T);
      const child = python(
        py`
          s = socket.socket(fileno=3)
          out([int(s.family), int(s.type), s.proto, s.getsockname(), s.getpeername()])
          for i, m in enumerate(MSGS):
              send_msg(s, m)
              check(recv_msg(s), ack(m), f'reply {i}')
          s.close()
        `,
        [],
        ['pipe', 'pipe', 'pipe', theirs.fileno()],
      );
      // The child has its own copy as fd 3.
      theirs.close();
      await withPeer(child, async () => {
        const [family, type, proto, name, peer] = (await value(child)) as unknown[];
        assert.deepEqual([family, type, proto], [AF_UNIX, SOCK_STREAM, 0]);
        assert.deepEqual([mine.family, mine.type, mine.proto], [AF_UNIX, SOCK_STREAM, 0]);
        assert.equal(name, '');
        assert.equal(peer, '');
        assert.deepEqual(mine.getsockname(), name);
        assert.deepEqual(mine.getpeername(), peer);
        for (const [i, m] of MESSAGES.entries()) {
          sameBytes(recvMsg(mine), m, `message ${i}`);
          sendMsg(mine, ack(m));
        }
        assert.deepEqual(mine.recv(1), Buffer.alloc(0));
        await finish(child);
      });
    });
  });

  describe('IPv6 on ::1', () => {
    it('bsdsock TCP client -> Python server: 4-tuples agree with [host, port, flowinfo, scopeId]', async () => {
      const child = python(
        py`
          srv = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
          srv.bind(('::1', 0))
          srv.listen(1)
          out(srv.getsockname())
          c, addr = srv.accept()
          out([addr, c.getsockname()])
          for i, m in enumerate(MSGS):
              check(recv_msg(c), m, f'message {i}')
              send_msg(c, ack(m))
          c.close()
          srv.close()
        `,
      );
      await withPeer(child, async () => {
        const pyName = (await value(child)) as [string, number, number, number];
        assert.equal(pyName.length, 4);
        assert.deepEqual(pyName, ['::1', pyName[1], 0, 0]);
        const cli = track(socket(AF_INET6, SOCK_STREAM));
        cli.settimeout(T);
        cli.connect(['::1', pyName[1]]);
        assert.deepEqual(cli.getpeername(), pyName);
        for (const [i, m] of MESSAGES.entries()) {
          sendMsg(cli, m);
          sameBytes(recvMsg(cli), ack(m), `reply ${i}`);
        }
        assert.deepEqual(cli.recv(1), Buffer.alloc(0));
        assert.deepEqual(await value(child), [cli.getsockname(), pyName]);
        await finish(child);
      });
    });

    it('Python UDP sender -> bsdsock on ::1 and back: recvfrom addresses are the getsockname() 4-tuples', async () => {
      const u = track(socket(AF_INET6, SOCK_DGRAM));
      u.settimeout(T);
      u.bind(['::1', 0]);
      const me: SocketAddress = u.getsockname();
      assert.deepEqual(me, ['::1', portOf(u), 0, 0]);
      const child = python(
        py`
          s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
          s.bind(('::1', 0))
          out(s.getsockname())
          s.sendto(DGRAMS[2], ('::1', int(sys.argv[1])))
          data, addr = s.recvfrom(1024)
          check(data, DGRAMS[2][::-1], 'reply')
          out(addr)
          s.close()
        `,
        [String(portOf(u))],
      );
      await withPeer(child, async () => {
        const pyName = await value(child);
        const [data, from] = u.recvfrom(1024);
        sameBytes(data, DATAGRAMS[2]!, 'datagram');
        assert.deepEqual(from, pyName);
        u.sendto(reversed(data), from!);
        assert.deepEqual(await value(child), me);
        await finish(child);
      });
    });

    it("a Python AF_INET sender seen by a dual-stack bsdsock socket is ['::ffff:127.0.0.1', port, 0, 0]", async () => {
      const u = track(socket(AF_INET6, SOCK_DGRAM));
      u.settimeout(T);
      u.setsockopt(IPPROTO_IPV6, IPV6_V6ONLY, 0);
      u.bind(['::ffff:127.0.0.1', 0]);
      const port = portOf(u);
      assert.deepEqual(u.getsockname(), ['::ffff:127.0.0.1', port, 0, 0]);
      const child = python(
        py`
          s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
          s.bind(('127.0.0.1', 0))
          out(s.getsockname())
          s.sendto(b'mapped', ('127.0.0.1', int(sys.argv[1])))
          out(s.recvfrom(1024))
          s.close()
        `,
        [String(port)],
      );
      await withPeer(child, async () => {
        const [pyHost, pyPort] = (await value(child)) as [string, number];
        assert.equal(pyHost, '127.0.0.1');
        const [data, from] = u.recvfrom(1024);
        assert.deepEqual(data, Buffer.from('mapped'));
        assert.deepEqual(from, [`::ffff:${pyHost}`, pyPort, 0, 0]);
        u.sendto('unmapped', from!);
        // The reply leaves the IPv6 socket as plain IPv4.
        assert.deepEqual(await value(child), [Buffer.from('unmapped'), ['127.0.0.1', port]]);
        await finish(child);
      });
    });
  });
});
