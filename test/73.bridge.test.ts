// The bridge into Node (DESIGN §7): toNetServer() moves a listening bsdsock
// socket into a net.Server (an http.Server here), so that options Node has no
// API for (SO_REUSEPORT) can be set first; toNetSocket() moves a connected one
// into a net.Socket. Ownership moves: the bsdsock socket is detached, Node
// closes the fd, and whatever was set on the socket before stays in effect.
// A failed handover (not listening, not connected, a datagram socket, a
// closed one) leaves the socket as it was.
//
// Everything runs on loopback. Blocking bsdsock calls would stop Node from
// serving (one thread), so the clients that talk to Node's servers use the
// async methods, or Node's own net/http. Node closes its handles
// asynchronously: every test awaits the 'close' of what it opened, since the
// root hook counts fds.

import assert = require('node:assert/strict');
import { once } from 'node:events';
import fs = require('node:fs');
import http = require('node:http');
import net = require('node:net');
import path = require('node:path');

import {
  AF_INET,
  AF_INET6,
  AF_UNIX,
  IPPROTO_TCP,
  SHUT_WR,
  SOCK_DGRAM,
  SOCK_SEQPACKET,
  SOCK_STREAM,
  SOL_SOCKET,
  SO_KEEPALIVE,
  SO_REUSEADDR,
  SO_REUSEPORT,
  SocketError,
  TCP_NODELAY,
  socket,
  socketpair,
  type InetAddress,
  type Socket,
} from '../lib';
import { TCP_INFO, TCP_KEEPIDLE } from './linux';
import { errno, fdIsOpen, python, sockets, tempDirs, throwsCode, throwsSocketError } from './helpers';

// ---- helpers --------------------------------------------------------------------

/** Every byte value, so that no encoding can slip through unnoticed. */
const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

/** The port of a bound AF_INET socket. */
function portOf(s: Socket): number {
  return (s.getsockname() as InetAddress)[1];
}

/** A loopback TCP listener with `opts` set before bind; not handed over yet. */
function tcpListener(
  track: <T extends Socket>(s: T) => T,
  opts: { reuseport?: boolean; reuseaddr?: boolean; backlog?: number } = {},
): Socket {
  const s = track(socket(AF_INET, SOCK_STREAM));
  if (opts.reuseport === true) s.setsockopt(SOL_SOCKET, SO_REUSEPORT, 1);
  if (opts.reuseaddr === true) s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
  s.bind(['127.0.0.1', 0]);
  s.listen(opts.backlog);
  return s;
}

/**
 * The listen backlog of a listening TCP socket, as the kernel has it: for a
 * listener, struct tcp_info's tcpi_sacked holds sk_max_ack_backlog (Linux,
 * tcp_get_info). tcpi_sacked is the u32 at offset 28.
 */
function backlogOf(s: Socket): number {
  const info = s.getsockopt(IPPROTO_TCP, TCP_INFO, 104);
  assert.ok(Buffer.isBuffer(info) && info.length >= 32, 'TCP_INFO too short');
  return info.readUInt32LE(28);
}

const SOMAXCONN = Number(fs.readFileSync('/proc/sys/net/core/somaxconn', 'utf8').trim());

/** Reads a Node stream to its end; resolves once it has also emitted 'close'. */
async function readAll(stream: net.Socket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  stream.on('data', (d: Buffer) => chunks.push(d));
  const closed = once(stream, 'close');
  await once(stream, 'end');
  await closed;
  return Buffer.concat(chunks);
}

/** Receives with the async methods until EOF (bounded). */
async function recvAllAsync(s: Socket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for (let i = 0; i < 10000; i++) {
    const d = await s.recvAsync(65536);
    if (d.length === 0) return Buffer.concat(chunks);
    chunks.push(d);
  }
  throw new Error('no EOF after 10000 reads');
}

interface HttpReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** GET http://127.0.0.1:port/path with a fresh connection (no keep-alive agent). */
function httpGet(port: number, urlPath: string): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
  });
}

/**
 * Binds a new socket to 127.0.0.1:port with SO_REUSEADDR only. That gets past
 * the TIME_WAIT connections of a listener that had SO_REUSEADDR too (Linux
 * wants it on both), never past a socket that is still listening: so it
 * succeeds exactly when that listener is gone.
 */
function bindFreshly(port: number): Socket {
  const s = socket(AF_INET, SOCK_STREAM);
  try {
    s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
    s.bind(['127.0.0.1', port]);
    return s;
  } catch (err) {
    s.close();
    throw err;
  }
}

function hasIpv6(): boolean {
  const s = socket(AF_INET6, SOCK_STREAM);
  try {
    s.bind(['::1', 0]);
    return true;
  } catch {
    return false;
  } finally {
    s.close();
  }
}

// A second listener in another process: binds 127.0.0.1:<port>, with
// SO_REUSEPORT when argv[2] is '1'; prints 'bind-error <errno>' or
// 'listening'; then answers each connection with an HTTP response whose body
// is 'python', until stdin closes; then prints 'served <n>'.
const PY_LISTENER = String.raw`
import select, socket, sys
port, reuse = int(sys.argv[1]), sys.argv[2] == '1'
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
if reuse:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
try:
    s.bind(('127.0.0.1', port))
except OSError as e:
    print('bind-error', e.errno)
    sys.exit(0)
s.listen(64)
print('listening')
served = 0
while True:
    r, _, _ = select.select([s, sys.stdin], [], [])
    if s in r:
        c, _ = s.accept()
        head = b''
        while b'\r\n\r\n' not in head:
            chunk = c.recv(4096)
            if not chunk:
                break
            head += chunk
        c.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\npython')
        c.close()
        served += 1
    if sys.stdin in r and not sys.stdin.readline():
        break
print('served', served)
`;

// ---- tests ---------------------------------------------------------------------

describe('73 bridge to Node', () => {
  const track = sockets();
  const tmp = tempDirs();

  // Node handles opened by a test, closed after it even when it fails.
  let servers: net.Server[] = [];
  let netSockets: net.Socket[] = [];
  const server = <T extends net.Server>(srv: T): T => {
    servers.push(srv);
    srv.on('connection', (c: net.Socket) => netSockets.push(c));
    return srv;
  };
  const netSocket = (s: net.Socket): net.Socket => {
    netSockets.push(s);
    return s;
  };
  afterEach(async () => {
    const socks = netSockets;
    const srvs = servers;
    netSockets = [];
    servers = [];
    await Promise.all(
      socks.map(async (s) => {
        if (s.closed) return;
        const closed = once(s, 'close');
        s.destroy();
        await closed;
      }),
    );
    await Promise.all(
      srvs.map(
        (srv) =>
          new Promise<void>((resolve) => {
            if (srv instanceof http.Server) srv.closeAllConnections();
            srv.close(() => resolve()); // ERR_SERVER_NOT_RUNNING for a closed one: fine here
          }),
      ),
    );
  });

  /** Closes a server and waits for it. */
  async function closeServer(srv: net.Server): Promise<void> {
    if (srv instanceof http.Server) srv.closeAllConnections();
    await new Promise<void>((resolve, reject) => srv.close((err) => (err ? reject(err) : resolve())));
  }

  async function listening(srv: net.Server): Promise<void> {
    if (!srv.listening) await once(srv, 'listening');
    // Node emits 'listening' on the next tick even for a handle that listens already.
    assert.equal(srv.listening, true);
  }

  const hello = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const body = `hello ${req.method ?? '?'} ${req.url ?? '?'}`;
    res.writeHead(201, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(body), 'X-Served-By': 'node' });
    res.end(body);
  };

  // ---- toNetServer ----------------------------------------------------------

  describe('toNetServer()', () => {
    it('hands a SO_REUSEPORT listener to http.createServer: exact responses, the socket is detached', async () => {
      const s = tcpListener(track, { reuseport: true, reuseaddr: true });
      assert.equal(s.getsockopt(SOL_SOCKET, SO_REUSEPORT), 1);
      const port = portOf(s);
      const fd = s.fileno();
      const srv = server(http.createServer(hello));

      const returned = s.toNetServer(srv);
      assert.equal(returned, srv);
      // Ownership moved: detached, not closed behind Node's back.
      assert.equal(s.closed, true);
      assert.equal(s.fileno(), -1);
      assert.equal(s.detach(), -1);
      assert.ok(fdIsOpen(fd), 'Node owns the fd now; it must still be open');
      throwsSocketError(() => s.getsockname(), 'EBADF', 'getsockname');
      s.close(); // a no-op: it must not close Node's fd
      assert.ok(fdIsOpen(fd));

      await listening(srv);
      assert.deepEqual(srv.address(), { address: '127.0.0.1', family: 'IPv4', port });

      // Node's http client.
      const r1 = await httpGet(port, '/first?x=1');
      assert.equal(r1.status, 201);
      assert.equal(r1.body, 'hello GET /first?x=1');
      assert.equal(r1.headers['x-served-by'], 'node');
      assert.equal(r1.headers['content-type'], 'text/plain');

      // A bsdsock client speaking raw HTTP/1.1, with the async methods.
      const c = track(socket(AF_INET, SOCK_STREAM));
      await c.connectAsync(['127.0.0.1', port]);
      await c.sendallAsync('GET /raw/path HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
      const raw = (await recvAllAsync(c)).toString('latin1');
      const split = raw.indexOf('\r\n\r\n');
      assert.ok(split > 0, raw);
      const head = raw.slice(0, split).split('\r\n');
      assert.equal(head[0], 'HTTP/1.1 201 Created');
      assert.ok(head.includes(`Content-Length: ${'hello GET /raw/path'.length}`), head.join(' | '));
      assert.ok(head.includes('X-Served-By: node'), head.join(' | '));
      assert.ok(head.includes('Connection: close'), head.join(' | '));
      assert.equal(raw.slice(split + 4), 'hello GET /raw/path');
      c.close();

      // While Node serves, the port is taken (SO_REUSEADDR does not get past a listener)...
      throwsSocketError(() => bindFreshly(port).close(), 'EADDRINUSE', 'bind', { address: '127.0.0.1', port });
      // ... and closing the http server releases it: Node closed the fd.
      await closeServer(srv);
      const again = track(bindFreshly(port));
      assert.deepEqual(again.getsockname(), ['127.0.0.1', port]);
      again.listen();
    });

    it('SO_REUSEPORT: a second listener in another process binds only with SO_REUSEPORT, and both get connections', async () => {
      const s = tcpListener(track, { reuseport: true });
      const port = portOf(s);
      let nodeServed = 0;
      const srv = server(
        http.createServer((_req, res) => {
          nodeServed++;
          res.writeHead(200, { 'Content-Length': 4, Connection: 'close' });
          res.end('node');
        }),
      );
      s.toNetServer(srv);
      await listening(srv);

      // Without SO_REUSEPORT: EADDRINUSE (98), in this process and in the child.
      const plain = track(socket(AF_INET, SOCK_STREAM));
      throwsSocketError(() => plain.bind(['127.0.0.1', port]), 'EADDRINUSE', 'bind');
      assert.equal(errno.EADDRINUSE, 98);
      const refused = python(PY_LISTENER, [String(port), '0']);
      assert.equal(await refused.line(), 'bind-error 98');
      assert.equal((await refused.exit()).code, 0);

      // With it: the child's bind succeeds while Node's http server serves.
      const py = python(PY_LISTENER, [String(port), '1']);
      assert.equal(await py.line(), 'listening');
      const seen = { node: 0, python: 0 };
      let requests = 0;
      // The kernel spreads connections by a hash of the 4-tuple: loop until
      // each listener has had one (bounded; no share is asserted).
      while ((seen.node === 0 || seen.python === 0) && requests < 200) {
        requests++;
        const r = await httpGet(port, `/n${requests}`);
        assert.equal(r.status, 200);
        assert.ok(r.body === 'node' || r.body === 'python', r.body);
        seen[r.body as 'node' | 'python']++;
      }
      assert.ok(seen.node > 0 && seen.python > 0, `after ${requests} requests: ${JSON.stringify(seen)}`);
      assert.equal(seen.node + seen.python, requests);
      assert.equal(nodeServed, seen.node);
      py.proc.stdin?.end();
      assert.equal(await py.line(), `served ${seen.python}`);
      const exit = await py.exit();
      assert.equal(exit.code, 0, exit.stderr);
      await closeServer(srv);
    });

    it('without a server: a new net.Server that listens and serves a net.connect client', async () => {
      const s = tcpListener(track);
      const port = portOf(s);
      const srv = server(s.toNetServer());
      assert.ok(srv instanceof net.Server);
      assert.ok(!(srv instanceof http.Server));
      assert.equal(s.closed, true);
      assert.equal(s.fileno(), -1);
      await listening(srv);
      assert.deepEqual(srv.address(), { address: '127.0.0.1', family: 'IPv4', port });

      const received: Buffer[] = [];
      srv.on('connection', (conn: net.Socket) => {
        conn.on('data', (d: Buffer) => received.push(d));
        conn.on('end', () => conn.end(Buffer.concat([Buffer.from('got:'), ...received])));
      });
      const client = netSocket(net.connect(port, '127.0.0.1'));
      await once(client, 'connect');
      client.end(Buffer.concat([Buffer.from('abc'), ALL_BYTES]));
      const reply = await readAll(client);
      assert.deepEqual(reply, Buffer.concat([Buffer.from('got:abc'), ALL_BYTES]));
      await closeServer(srv);
    });

    it('an AF_UNIX listener becomes a net.Server for net.connect({ path })', async () => {
      const p = path.join(tmp(), 'srv.sock');
      const s = track(socket(AF_UNIX, SOCK_STREAM));
      s.bind(p);
      s.listen();
      const srv = server(s.toNetServer());
      assert.equal(s.fileno(), -1);
      await listening(srv);
      srv.on('connection', (conn: net.Socket) => {
        conn.on('data', (d: Buffer) => conn.write(Buffer.from(d.toString('latin1').toUpperCase(), 'latin1')));
        conn.on('end', () => conn.end());
      });
      const client = netSocket(net.connect({ path: p }));
      await once(client, 'connect');
      client.end('over unix');
      assert.equal((await readAll(client)).toString(), 'OVER UNIX');
      await closeServer(srv);
    });

    it('backlog: without one, Node listens again with 511 (capped by somaxconn)', async () => {
      const a = tcpListener(track, { backlog: 3 });
      const probeA = track(a.dup()); // the same socket, to look at it after the handover
      assert.equal(backlogOf(probeA), 3);
      const srvA = server(a.toNetServer());
      await listening(srvA);
      assert.equal(backlogOf(probeA), Math.min(511, SOMAXCONN));
      probeA.close();
      await closeServer(srvA);
    });

    it('backlog: the one given is the listen(2) backlog', async () => {
      // Node's listen({ fd, backlog }) ignores options.backlog for an fd: only
      // listen(handle, backlog) passes it on.
      const b = tcpListener(track, { backlog: 3 });
      const probeB = track(b.dup());
      const srvB = server(b.toNetServer(undefined, 7));
      await listening(srvB);
      assert.equal(backlogOf(probeB), 7);

      const c = tcpListener(track, { backlog: 3 });
      const probeC = track(c.dup());
      const srvC = server(c.toNetServer(server(http.createServer(hello)), 9));
      await listening(srvC);
      assert.equal(backlogOf(probeC), 9);
      const r = await httpGet(portOf(probeC), '/backlog');
      assert.equal(r.body, 'hello GET /backlog');

      probeB.close();
      probeC.close();
      await Promise.all([closeServer(srvB), closeServer(srvC)]);
    });

    it('a bad backlog is a RangeError, and the socket is not handed over', () => {
      const s = tcpListener(track);
      const fd = s.fileno();
      throwsCode(() => s.toNetServer(undefined, 2 ** 31), RangeError, 'ERR_OUT_OF_RANGE', /"backlog"/);
      throwsCode(() => s.toNetServer(undefined, 1.5), RangeError, 'ERR_OUT_OF_RANGE', /"backlog"/);
      throwsCode(() => s.toNetServer(undefined, '5' as unknown as number), TypeError, 'ERR_INVALID_ARG_TYPE', /"backlog"/);
      assert.equal(s.closed, false);
      assert.equal(s.fileno(), fd);
    });

    it('a socket that is not listening: SocketError EINVAL (syscall listen), not detached', () => {
      const fresh = track(socket(AF_INET, SOCK_STREAM));
      const bound = track(socket(AF_INET, SOCK_STREAM));
      bound.bind(['127.0.0.1', 0]);
      const [a, b] = socketpair(AF_UNIX, SOCK_STREAM);
      track(a);
      track(b);
      for (const s of [fresh, bound, a]) {
        const fd = s.fileno();
        throwsSocketError(() => s.toNetServer(), 'EINVAL', 'listen');
        throwsSocketError(() => s.toNetServer(new net.Server()), 'EINVAL', 'listen');
        assert.equal(s.closed, false);
        assert.equal(s.fileno(), fd);
        assert.ok(fdIsOpen(fd));
      }
      // Still fully usable: listen now, and the handover works.
      bound.listen();
      const srv = server(bound.toNetServer());
      assert.equal(bound.fileno(), -1);
      return closeServer(srv);
    });

    it('a datagram socket: TypeError ERR_INVALID_ARG_VALUE, not detached', () => {
      const udp = track(socket(AF_INET, SOCK_DGRAM));
      udp.bind(['127.0.0.1', 0]);
      const seq = track(socket(AF_UNIX, SOCK_SEQPACKET));
      const unixDgram = track(socket(AF_UNIX, SOCK_DGRAM));
      for (const s of [udp, seq, unixDgram]) {
        const fd = s.fileno();
        throwsCode(() => s.toNetServer(), TypeError, 'ERR_INVALID_ARG_VALUE', /^The argument 'this' must be a SOCK_STREAM socket/);
        throwsCode(() => s.toNetSocket(), TypeError, 'ERR_INVALID_ARG_VALUE', /^The argument 'this' must be a SOCK_STREAM socket/);
        assert.equal(s.fileno(), fd);
      }
    });

    it('a closed socket: SocketError EBADF', () => {
      const s = tcpListener(track);
      s.close();
      throwsSocketError(() => s.toNetServer(), 'EBADF', 'toNetServer');
      throwsSocketError(() => s.toNetSocket(), 'EBADF', 'toNetSocket');
      const d = tcpListener(track);
      const fd = d.detach();
      try {
        throwsSocketError(() => d.toNetServer(), 'EBADF', 'toNetServer');
      } finally {
        fs.closeSync(fd);
      }
    });

    it('pending async calls are rejected with EBADF; the connection they waited for goes to Node', async () => {
      const s = tcpListener(track);
      const port = portOf(s);
      const accepting = s.acceptAsync();
      const srv = server(s.toNetServer());
      await assert.rejects(accepting, (err: unknown) => {
        assert.ok(err instanceof SocketError);
        assert.equal(err.code, 'EBADF');
        assert.equal(err.errno, errno.EBADF);
        assert.equal(err.syscall, 'accept');
        return true;
      });
      await listening(srv);
      const accepted = once(srv, 'connection') as Promise<[net.Socket]>;
      const client = netSocket(net.connect(port, '127.0.0.1'));
      const [conn] = await accepted;
      conn.end('from node');
      assert.equal((await readAll(client)).toString(), 'from node');
      await closeServer(srv);
    });

    it('a server that cannot take it (already listening): the socket is not consumed', async () => {
      // The error is Node's own (ERR_SERVER_ALREADY_LISTEN), raised before the
      // socket changes hands: the socket stays as it was, as for the other
      // failures.
      const busy = server(net.createServer());
      busy.listen(0, '127.0.0.1');
      await listening(busy);
      const s = tcpListener(track);
      const fd = s.fileno();
      assert.throws(() => s.toNetServer(busy), { code: 'ERR_SERVER_ALREADY_LISTEN' });
      assert.deepEqual({ closed: s.closed, fileno: s.fileno() }, { closed: false, fileno: fd });
      await closeServer(busy);
    });

    it('a server argument that is not a net.Server: a coded TypeError, the socket not consumed', () => {
      // Checked before the socket changes hands (not "srv.listen is not a
      // function" from inside Node, after the fd was given away).
      for (const bad of [{}, 'server', 42]) {
        const s = tcpListener(track);
        const fd = s.fileno();
        throwsCode(() => s.toNetServer(bad as unknown as net.Server), TypeError, 'ERR_INVALID_ARG_TYPE', /"server"/);
        assert.deepEqual({ closed: s.closed, fileno: s.fileno() }, { closed: false, fileno: fd });
      }
    });
  });

  // ---- toNetSocket ------------------------------------------------------------

  describe('toNetSocket()', () => {
    /** A Node net server that sends `greeting`, collects what the client sends until EOF, then ends. */
    async function nodeServer(
      listenOn: number | string,
      greeting: Buffer,
    ): Promise<{ srv: net.Server; got: Promise<Buffer>; address: InetAddress | string }> {
      let deliver: (b: Buffer) => void = () => {};
      const got = new Promise<Buffer>((resolve) => {
        deliver = resolve;
      });
      const srv = server(
        net.createServer((conn) => {
          const chunks: Buffer[] = [];
          conn.on('data', (d: Buffer) => chunks.push(d));
          conn.on('end', () => {
            deliver(Buffer.concat(chunks));
            conn.end();
          });
          conn.write(greeting);
        }),
      );
      if (typeof listenOn === 'number') srv.listen(listenOn, '127.0.0.1');
      else srv.listen(listenOn);
      await listening(srv);
      const a = srv.address();
      const address: InetAddress | string = typeof a === 'string' ? a : [a!.address, a!.port];
      return { srv, got, address };
    }

    it('a connected TCP client becomes a net.Socket: exact bytes both ways, end and close; options survive', async () => {
      const greeting = Buffer.concat([Buffer.from('server says hi\n'), ALL_BYTES]);
      const { srv, got, address } = await nodeServer(0, greeting);
      const [, port] = address as InetAddress;
      const c = track(socket(AF_INET, SOCK_STREAM));
      c.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
      c.setsockopt(SOL_SOCKET, SO_KEEPALIVE, 1);
      c.setsockopt(IPPROTO_TCP, TCP_KEEPIDLE, 77);
      c.connect(['127.0.0.1', port]); // loopback: completed in the backlog, no deadlock
      const local = c.getsockname() as InetAddress;
      const probe = track(c.dup()); // the same socket, seen from bsdsock after the handover
      const fd = c.fileno();

      const ns = netSocket(c.toNetSocket());
      assert.ok(ns instanceof net.Socket);
      assert.equal(c.closed, true);
      assert.equal(c.fileno(), -1);
      assert.ok(fdIsOpen(fd), 'Node owns the fd now');
      assert.equal(ns.remoteAddress, '127.0.0.1');
      assert.equal(ns.remotePort, port);
      assert.equal(ns.localAddress, local[0]);
      assert.equal(ns.localPort, local[1]);
      // Set before, still in effect after (Node does not reset them).
      assert.equal(probe.getsockopt(IPPROTO_TCP, TCP_NODELAY), 1);
      assert.equal(probe.getsockopt(SOL_SOCKET, SO_KEEPALIVE), 1);
      assert.equal(probe.getsockopt(IPPROTO_TCP, TCP_KEEPIDLE), 77);
      probe.close(); // before the exchange: the last reference is Node's

      const payload = Buffer.concat([Buffer.from('client says hi\n'), ALL_BYTES, Buffer.alloc(100000, 0x5a)]);
      ns.end(payload);
      const fromServer = await readAll(ns);
      assert.deepEqual(fromServer, greeting);
      assert.deepEqual(await got, payload);
      assert.equal(ns.destroyed, true);
      await closeServer(srv);
    });

    it('a connected AF_UNIX client becomes a net.Socket', async () => {
      const p = path.join(tmp(), 'node.sock');
      const { srv, got } = await nodeServer(p, Buffer.from('unix greeting'));
      const c = track(socket(AF_UNIX, SOCK_STREAM));
      c.connect(p);
      const ns = netSocket(c.toNetSocket());
      assert.equal(c.fileno(), -1);
      ns.end(ALL_BYTES);
      assert.equal((await readAll(ns)).toString(), 'unix greeting');
      assert.deepEqual(await got, ALL_BYTES);
      await closeServer(srv);
    });

    it('both ends of a socketpair become net.Sockets that talk to each other', async () => {
      const [a, b] = socketpair(AF_UNIX, SOCK_STREAM);
      track(a);
      track(b);
      const na = netSocket(a.toNetSocket());
      const nb = netSocket(b.toNetSocket());
      assert.deepEqual([a.closed, b.closed], [true, true]);
      const fromA = Buffer.concat([Buffer.from('a->b '), ALL_BYTES]);
      const fromB = Buffer.concat([Buffer.from('b->a '), Buffer.from(ALL_BYTES).reverse()]);
      na.end(fromA);
      nb.end(fromB);
      const [gotB, gotA] = await Promise.all([readAll(nb), readAll(na)]);
      assert.deepEqual(gotB, fromA);
      assert.deepEqual(gotA, fromB);
    });

    it('net.Socket options pass through: allowHalfOpen keeps writing after the peer ends', async () => {
      const [a, b] = socketpair(AF_UNIX, SOCK_STREAM);
      track(a);
      track(b);
      const na = netSocket(a.toNetSocket({ allowHalfOpen: true }));
      const ended = once(na, 'end');
      na.resume();
      b.shutdown(SHUT_WR); // the peer is done writing
      await ended;
      assert.equal(na.writable, true);
      na.end('still here');
      assert.equal((await recvAllAsync(b)).toString(), 'still here');
      if (!na.closed) await once(na, 'close');
    });

    it('an IPv6 client too', async function () {
      if (!hasIpv6()) this.skip();
      const srv = server(net.createServer((conn) => conn.end('v6')));
      srv.listen(0, '::1');
      await listening(srv);
      const { port } = srv.address() as net.AddressInfo;
      const c = track(socket(AF_INET6, SOCK_STREAM));
      c.connect(['::1', port]);
      const ns = netSocket(c.toNetSocket());
      assert.equal(ns.remoteAddress, '::1');
      assert.equal(ns.remoteFamily, 'IPv6');
      ns.end();
      assert.equal((await readAll(ns)).toString(), 'v6');
      await closeServer(srv);
    });

    it('an unconnected socket: SocketError ENOTCONN (syscall getpeername), not detached, still usable', async () => {
      const { srv, got, address } = await nodeServer(0, Buffer.from('later'));
      const c = track(socket(AF_INET, SOCK_STREAM));
      const l = tcpListener(track); // listening is not connected either
      for (const s of [c, l]) {
        const fd = s.fileno();
        throwsSocketError(() => s.toNetSocket(), 'ENOTCONN', 'getpeername');
        assert.equal(s.closed, false);
        assert.equal(s.fileno(), fd);
        assert.ok(fdIsOpen(fd));
      }
      // The failed call changed nothing: connect now and hand it over.
      assert.ok(typeof address !== 'string'); // a port was asked for
      await c.connectAsync(address);
      const ns = netSocket(c.toNetSocket());
      ns.end('x');
      assert.equal((await readAll(ns)).toString(), 'later');
      assert.equal((await got).toString(), 'x');
      await closeServer(srv);
    });

    it('pending async calls are rejected with EBADF; the data they waited for goes to the net.Socket', async () => {
      const [a, b] = socketpair(AF_UNIX, SOCK_STREAM);
      track(a);
      track(b);
      const reading = a.recvAsync(100);
      const into = a.recvIntoAsync(Buffer.alloc(10));
      const ns = netSocket(a.toNetSocket());
      for (const [p, syscall] of [
        [reading, 'recv'],
        [into, 'recv'],
      ] as const) {
        await assert.rejects(p, (err: unknown) => {
          assert.ok(err instanceof SocketError);
          assert.equal(err.code, 'EBADF');
          assert.equal(err.errno, errno.EBADF);
          assert.equal(err.syscall, syscall);
          return true;
        });
      }
      // The poller that watched the fd is gone; Node's own watch works.
      b.sendall('for node');
      b.shutdown(SHUT_WR);
      ns.end('for bsdsock');
      assert.equal((await readAll(ns)).toString(), 'for node');
      b.settimeout(10);
      assert.equal(b.recv(100).toString(), 'for bsdsock');
      assert.equal(b.recv(100).length, 0);
    });

    it('async methods after the handover reject with EBADF', async () => {
      const [a, b] = socketpair(AF_UNIX, SOCK_STREAM);
      track(a);
      track(b);
      const ns = netSocket(a.toNetSocket());
      await assert.rejects(a.recvAsync(1), { code: 'EBADF', syscall: 'recv' });
      await assert.rejects(a.sendAsync('x'), { code: 'EBADF', syscall: 'send' });
      await assert.rejects(a.sendallAsync('x'), { code: 'EBADF', syscall: 'send' });
      ns.destroy();
      await once(ns, 'close');
    });

    it('an options argument net.Socket rejects: the socket is not consumed', () => {
      // What net.Socket would reject (ERR_INVALID_ARG_TYPE for this signal) is
      // checked before the fd is handed over: the bsdsock socket stays as it
      // was.
      const [a, b] = socketpair(AF_UNIX, SOCK_STREAM);
      track(a);
      track(b);
      const fd = a.fileno();
      throwsCode(
        () => a.toNetSocket({ signal: 'not a signal' } as unknown as net.SocketConstructorOpts),
        TypeError,
        'ERR_INVALID_ARG_TYPE',
      );
      assert.deepEqual({ closed: a.closed, fileno: a.fileno() }, { closed: false, fileno: fd });
    });

    it('stream options net.Socket rejects (highWaterMark, encoding, objectMode): Node\'s error, the socket not consumed', () => {
      const [a, b] = socketpair(AF_UNIX, SOCK_STREAM);
      track(a);
      track(b);
      const fd = a.fileno();
      const bad: [object, string][] = [
        [{ highWaterMark: -1 }, 'ERR_INVALID_ARG_VALUE'],
        [{ readableHighWaterMark: Number.NaN }, 'ERR_INVALID_ARG_VALUE'],
        [{ encoding: 'bogus' }, 'ERR_UNKNOWN_ENCODING'],
        [{ objectMode: 'x' }, 'ERR_INVALID_ARG_VALUE'],
      ];
      for (const [options, code] of bad) {
        assert.throws(
          () => a.toNetSocket(options as net.SocketConstructorOpts),
          (err: unknown) => (err as { code?: unknown }).code === code,
          JSON.stringify(options),
        );
        assert.deepEqual({ closed: a.closed, fileno: a.fileno() }, { closed: false, fileno: fd });
      }
      b.sendall('still mine');
      assert.equal(a.recv(100).toString(), 'still mine');
    });
  });
});
