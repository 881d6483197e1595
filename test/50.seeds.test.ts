// The classic exercises of the Python socket tutorials, ported in examples/,
// end to end on loopback. The examples run as child processes; where the test
// itself talks to one, it first awaits the port the child prints, then makes
// blocking calls with a timeout, so that a broken example fails the test
// instead of hanging it (a blocking call here also blocks mocha's loop).

import assert = require('node:assert/strict');
import fs = require('node:fs');
import path = require('node:path');
import { setTimeout as sleep } from 'node:timers/promises';

import {
  AF_INET,
  AF_INET6,
  SOCK_DGRAM,
  SOL_SOCKET,
  SO_LINGER,
  SO_REUSEADDR,
  SocketError,
  socket,
  type Socket,
} from '../lib';
import { ROOT, python, sockets, tempDirs, throwsSocketError, tsNode, type Child } from './helpers';

/** Seconds a blocking call of the test may wait for a child. */
const TIMEOUT = 10;

/** The port from a server's first line, `listening <host> <port>`. */
async function listening(child: Child, host = '127.0.0.1'): Promise<number> {
  const line = await child.line();
  const m = /^listening (\S+) (\d+)$/.exec(line);
  assert.ok(m, `unexpected first line: ${JSON.stringify(line)}`);
  assert.equal(m[1], host);
  return Number(m[2]);
}

/** The port of an AF_INET/AF_INET6 address. */
function portOf(address: unknown): number {
  assert.ok(Array.isArray(address), `not an inet address: ${String(address)}`);
  const port: unknown = address[1];
  assert.equal(typeof port, 'number');
  return port as number;
}

/** Lines as a program prints them: each one ended by '\n'. */
function lines(...ls: string[]): string {
  return ls.map((l) => `${l}\n`).join('');
}

/** Reads one '\n'-terminated line from `s`; `rest` keeps what follows it. */
function recvLine(s: Socket, rest: { buf: Buffer }): string {
  // Each pass consumes at least one byte or ends, and each recv has a timeout.
  for (let pass = 0; pass < 1000; pass++) {
    const nl = rest.buf.indexOf(0x0a);
    if (nl >= 0) {
      const line = rest.buf.subarray(0, nl).toString('utf8');
      rest.buf = rest.buf.subarray(nl + 1);
      return line;
    }
    const data = s.recv(65536);
    assert.ok(data.length > 0, 'EOF before the end of the line');
    rest.buf = Buffer.concat([rest.buf, data]);
  }
  throw new Error('no line after 1000 reads');
}

/** The states of the IPv4 TCP sockets whose local port is `port`, from /proc/net/tcp. */
function tcpStates(port: number): string[] {
  const names: Record<string, string> = { '01': 'ESTABLISHED', '06': 'TIME_WAIT', '08': 'CLOSE_WAIT', '0A': 'LISTEN' };
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  return fs
    .readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f[1]?.endsWith(`:${hex}`))
    .map((f) => names[f[3] ?? ''] ?? f[3] ?? '');
}

// Seed 002, section 六, as CPython runs it (Python 3 syntax, port 0 and one
// connection instead of 8888 and for ever): the reference for the port.
const ORIGINAL_ECHO_SERVER = `
import socket
s1 = socket.socket(family=socket.AF_INET, type=socket.SOCK_STREAM)
s1.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s1.bind(('127.0.0.1', 0))
s1.listen(3)
print('listening', *s1.getsockname(), flush=True)
for _ in range(1):
    conn, addr = s1.accept()
    while True:
        try:
            data = conn.recv(1024)
            if not data:
                break
            conn.send(data.upper())
        except Exception:
            break
    conn.close()
s1.close()
`;

describe('50 seeds: the classic exercises (examples/)', () => {
  const track = sockets();
  const tmp = tempDirs();

  /** A TCP client of the test, connected, with a timeout on every call. */
  function connect(port: number, host = '127.0.0.1'): Socket {
    const s = track(host.includes(':') ? socket(AF_INET6) : socket());
    s.settimeout(TIMEOUT);
    s.connect([host, port]);
    return s;
  }

  describe('echo-server.ts: upper-case echo, connection loop + communication loop (seed 002 六)', () => {
    it('survives a client that resets its connection and serves the next one', async () => {
      const server = tsNode('examples/echo-server.ts', ['0', '--max-conns', '2']);
      const port = await listening(server);

      const c1 = connect(port);
      const p1 = portOf(c1.getsockname());
      c1.sendall('hello');
      assert.deepEqual(c1.recv(1024), Buffer.from('HELLO'));
      // struct linger { l_onoff = 1, l_linger = 0 }: two native-endian ints,
      // which an Int32Array is. close() then sends an RST instead of a FIN.
      const linger = new Int32Array([1, 0]);
      c1.setsockopt(SOL_SOCKET, SO_LINGER, linger);
      assert.deepEqual(c1.getsockopt(SOL_SOCKET, SO_LINGER, 8), Buffer.from(linger.buffer));
      c1.close();

      // The connection loop went back to accept().
      const c2 = connect(port);
      const p2 = portOf(c2.getsockname());
      c2.sendall('still there?');
      assert.deepEqual(c2.recv(1024), Buffer.from('STILL THERE?'));
      // bytes.upper(): only ASCII letters change.
      c2.sendall('héllo wörld');
      assert.deepEqual(c2.recv(1024), Buffer.from('HéLLO WöRLD'));
      c2.close();

      const { code, signal, stdout, stderr } = await server.exit();
      assert.equal(stderr, '');
      assert.deepEqual([code, signal], [0, null]);
      assert.equal(
        stdout,
        lines(
          `listening 127.0.0.1 ${port}`,
          `accepted 127.0.0.1 ${p1}`,
          'received hello',
          'error: recv ECONNRESET: Connection reset by peer',
          `closed 127.0.0.1 ${p1}`,
          `accepted 127.0.0.1 ${p2}`,
          'received still there?',
          'received héllo wörld',
          'eof',
          `closed 127.0.0.1 ${p2}`,
        ),
      );
    });
  });

  describe('echo-client.ts: the multi-message client (seed 001)', () => {
    const messages = ['hello', '   ', 'héllo wörld', 'bsd sockets', 'q', 'never sent'];
    const transcript = (port: number, host = '127.0.0.1') =>
      lines(
        `connected ${host} ${port}`,
        'client -> hello',
        'server <- HELLO',
        'client -> héllo wörld',
        'server <- HéLLO WöRLD',
        'client -> bsd sockets',
        'server <- BSD SOCKETS',
        'quit',
      );

    /** Runs the client against a server child; returns the client's output and the server's log after its port line. */
    async function talk(server: Child, port: number, args: string[], host = '127.0.0.1') {
      const client = tsNode('examples/echo-client.ts', [String(port), '--host', host, ...args]);
      const out = await client.exit();
      assert.equal(out.stderr, '');
      assert.deepEqual([out.code, out.signal], [0, null]);
      const log = await server.exit();
      assert.equal(log.stderr, '');
      assert.deepEqual([log.code, log.signal], [0, null]);
      return { stdout: out.stdout, log: log.stdout.split('\n').slice(1) };
    }

    it('sends each message, prints each reply, skips empty ones and stops at q', async () => {
      const server = tsNode('examples/echo-server.ts', ['0', '--max-conns', '1']);
      const port = await listening(server);
      const { stdout, log } = await talk(server, port, messages);
      assert.equal(stdout, transcript(port));
      const accepted = log[0] ?? '';
      assert.match(accepted, /^accepted 127\.0\.0\.1 \d+$/);
      // 'never sent' was not sent: the client closed after 'q', the server saw EOF.
      assert.deepEqual(log.slice(1), [
        'received hello',
        'received héllo wörld',
        'received bsd sockets',
        'eof',
        accepted.replace('accepted', 'closed'),
        '',
      ]);
    });

    it('reads the messages from stdin when none are given', async () => {
      const server = tsNode('examples/echo-server.ts', ['0', '--max-conns', '1']);
      const port = await listening(server);
      const client = tsNode('examples/echo-client.ts', [String(port)]);
      client.write('hello\n\nbsd sockets\nq\nnever sent\n');
      client.proc.stdin?.end();
      const out = await client.exit();
      assert.equal(out.stderr, '');
      assert.equal(out.code, 0);
      assert.equal(
        out.stdout,
        lines(`connected 127.0.0.1 ${port}`, 'client -> hello', 'server <- HELLO', 'client -> bsd sockets', 'server <- BSD SOCKETS', 'quit'),
      );
      assert.equal((await server.exit()).code, 0);
    });

    it('gets the same answers from CPython running the original seed server', async () => {
      const server = python(ORIGINAL_ECHO_SERVER);
      const port = await listening(server);
      const { stdout } = await talk(server, port, messages);
      assert.equal(stdout, transcript(port));
    });

    it('works over IPv6 loopback (::1)', async function () {
      const probe = socket(AF_INET6);
      try {
        probe.bind(['::1', 0]);
      } catch (err) {
        if (err instanceof SocketError && (err.code === 'EADDRNOTAVAIL' || err.code === 'EAFNOSUPPORT')) this.skip();
        throw err;
      } finally {
        probe.close();
      }
      const server = tsNode('examples/echo-server.ts', ['0', '--host', '::1', '--max-conns', '1']);
      const port = await listening(server, '::1');
      const { stdout, log } = await talk(server, port, messages, '::1');
      assert.equal(stdout, transcript(port, '::1'));
      assert.match(log[0] ?? '', /^accepted ::1 \d+$/);
    });
  });

  describe('udp-echo-server.ts / udp-echo-client.ts (seed 002 七)', () => {
    it('answers each datagram in upper case, back to its sender', async () => {
      const server = tsNode('examples/udp-echo-server.ts', ['0', '--max-datagrams', '3']);
      const port = await listening(server);

      const u = track(socket(AF_INET, SOCK_DGRAM));
      u.settimeout(TIMEOUT);
      u.bind(['127.0.0.1', 0]);
      const up = portOf(u.getsockname());
      u.sendto('abc', ['127.0.0.1', port]);
      assert.deepEqual(u.recvfrom(1024), [Buffer.from('ABC'), ['127.0.0.1', port]]);
      u.close();

      const client = tsNode('examples/udp-echo-client.ts', [String(port), 'hello', '', 'udp datagram', 'q', 'never sent']);
      const out = await client.exit();
      assert.equal(out.stderr, '');
      assert.deepEqual([out.code, out.signal], [0, null]);
      assert.equal(
        out.stdout,
        lines(
          `sending to 127.0.0.1 ${port}`,
          'client -> hello',
          `server <- HELLO from 127.0.0.1 ${port}`,
          'client -> udp datagram',
          `server <- UDP DATAGRAM from 127.0.0.1 ${port}`,
          'quit',
        ),
      );

      const log = await server.exit();
      assert.equal(log.stderr, '');
      assert.deepEqual([log.code, log.signal], [0, null]);
      const rest = log.stdout.split('\n').slice(1);
      // The client's port is its own business (an implicit bind at the first
      // sendto); both of its datagrams must come from the same one.
      const m = /^received hello from 127\.0\.0\.1 (\d+)$/.exec(rest[1] ?? '');
      assert.ok(m, rest.join('\n'));
      assert.deepEqual(rest, [
        `received abc from 127.0.0.1 ${up}`,
        `received hello from 127.0.0.1 ${m[1]}`,
        `received udp datagram from 127.0.0.1 ${m[1]}`,
        '',
      ]);
    });
  });

  describe('command-server.ts / command-client.ts: remote commands in JSON (seed 003, seed 000 part 4)', () => {
    it('answers the fixed commands exactly and names the error of a bad one, keeping the connection', async () => {
      const dir = tmp();
      for (const f of ['b.txt', 'a.txt', '.hidden']) fs.writeFileSync(path.join(dir, f), '');
      fs.mkdirSync(path.join(dir, 'sub'));
      const server = tsNode('examples/command-server.ts', ['0', '--dir', dir, '--max-conns', '2']);
      const port = await listening(server);
      const cwd = fs.realpathSync(ROOT); // the helpers start children there

      const c = connect(port);
      const rest = { buf: Buffer.alloc(0) };
      const ask = (request: string): unknown => {
        c.sendall(request);
        return JSON.parse(recvLine(c, rest));
      };
      assert.deepEqual(ask('1\n'), { command: '1', result: ['.hidden', 'a.txt', 'b.txt', 'sub'] });
      assert.deepEqual(ask('2\n'), { command: '2', result: cwd });
      // Not a shell: anything outside the table is an error reply, and the
      // connection stays usable.
      assert.deepEqual(ask('rm -rf /\n'), {
        command: 'rm -rf /',
        error: 'UnknownCommand',
        message: 'no command "rm -rf /"; try 1 or 2',
      });
      assert.deepEqual(ask('constructor\n'), {
        command: 'constructor',
        error: 'UnknownCommand',
        message: 'no command "constructor"; try 1 or 2',
      });
      assert.deepEqual(ask('2\n'), { command: '2', result: cwd });
      // Two requests in one segment get two replies, in order.
      assert.deepEqual(ask('2\n1\n'), { command: '2', result: cwd });
      assert.deepEqual(JSON.parse(recvLine(c, rest)), { command: '1', result: ['.hidden', 'a.txt', 'b.txt', 'sub'] });
      // A command that fails names its error instead of crashing the server.
      fs.rmSync(dir, { recursive: true });
      assert.deepEqual(ask('1\n'), {
        command: '1',
        error: 'ENOENT',
        message: `ENOENT: no such file or directory, scandir '${dir}'`,
      });
      assert.deepEqual(ask('2\n'), { command: '2', result: cwd });
      c.close();

      const client = tsNode('examples/command-client.ts', [String(port), '2', 'nope', '', '2', 'q', '1']);
      const out = await client.exit();
      assert.equal(out.stderr, '');
      assert.deepEqual([out.code, out.signal], [0, null]);
      assert.equal(
        out.stdout,
        lines(
          `connected 127.0.0.1 ${port}`,
          'client -> 2',
          `server <- ${JSON.stringify({ command: '2', result: cwd })}`,
          'client -> nope',
          'server <- {"command":"nope","error":"UnknownCommand","message":"no command \\"nope\\"; try 1 or 2"}',
          'client -> 2',
          `server <- ${JSON.stringify({ command: '2', result: cwd })}`,
          'quit',
        ),
      );

      const log = await server.exit();
      assert.equal(log.stderr, '');
      assert.deepEqual([log.code, log.signal], [0, null]);
      const commands = log.stdout.split('\n').filter((l) => l.startsWith('command '));
      assert.deepEqual(
        commands,
        ['"1"', '"2"', '"rm -rf /"', '"constructor"', '"2"', '"2"', '"1"', '"1"', '"2"', '"2"', '"nope"', '"2"'].map(
          (c) => `command ${c}`,
        ),
      );
    });
  });

  describe('reuseaddr.ts: SO_REUSEADDR before bind (seed 004 3.1)', () => {
    /**
     * Runs the one-shot server with `args` and talks to it. The server closes
     * the connection first, so once this side closes too, the server's end is
     * left in TIME_WAIT on its port. Returns that port.
     */
    async function serveOnce(args: string[]): Promise<number> {
      const server = tsNode('examples/reuseaddr.ts', args);
      const port = await listening(server);
      const c = connect(port);
      const cp = portOf(c.getsockname());
      c.sendall('hello');
      assert.deepEqual(c.recv(1024), Buffer.from('hi'));
      assert.deepEqual(c.recv(1024), Buffer.alloc(0)); // the server's FIN
      c.close();
      const { code, signal, stdout, stderr } = await server.exit();
      assert.equal(stderr, '');
      assert.deepEqual([code, signal], [0, null]);
      assert.equal(stdout, lines(`listening 127.0.0.1 ${port}`, `accepted 127.0.0.1 ${cp}`, 'received hello', 'closed'));
      return port;
    }

    /** Waits, boundedly, for the kernel to move the server's end to TIME_WAIT. */
    async function timeWait(port: number): Promise<string[]> {
      let states = tcpStates(port);
      for (let i = 0; i < 200 && !states.includes('TIME_WAIT'); i++) {
        await sleep(10);
        states = tcpStates(port);
      }
      return states;
    }

    it('rebinds at once while the old connection is in TIME_WAIT; a plain bind fails with EADDRINUSE', async () => {
      const port = await serveOnce(['0']);
      assert.deepEqual(await timeWait(port), ['TIME_WAIT']);

      const plain = track(socket());
      throwsSocketError(() => plain.bind(['127.0.0.1', port]), 'EADDRINUSE', 'bind', {
        errno: 98,
        address: '127.0.0.1',
        port,
        message: `bind EADDRINUSE 127.0.0.1:${port}: Address already in use`,
      });

      const reuse = track(socket());
      reuse.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
      assert.equal(reuse.getsockopt(SOL_SOCKET, SO_REUSEADDR), 1);
      reuse.bind(['127.0.0.1', port]);
      assert.deepEqual(reuse.getsockname(), ['127.0.0.1', port]);
      reuse.listen();
      reuse.close();

      // The example itself, run again on the same port, starts at once...
      assert.equal(await serveOnce([String(port)]), port);
      // ...and fails without the option.
      const refused = tsNode('examples/reuseaddr.ts', [String(port), '--no-reuseaddr']);
      const { code, stdout, stderr } = await refused.exit();
      assert.deepEqual(
        { code, stdout, stderr },
        { code: 1, stdout: '', stderr: `error: bind EADDRINUSE 127.0.0.1:${port}: Address already in use (errno 98)\n` },
      );
    });

    it('on Linux needs the option on the old server too: its TIME_WAIT inherits it from the listener', async () => {
      // CPython gives the same result: TIME_WAIT left by a listener without
      // SO_REUSEADDR blocks even a bind that sets it.
      const port = await serveOnce(['0', '--no-reuseaddr']);
      assert.deepEqual(await timeWait(port), ['TIME_WAIT']);
      const reuse = track(socket());
      reuse.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
      throwsSocketError(() => reuse.bind(['127.0.0.1', port]), 'EADDRINUSE', 'bind', { errno: 98 });
    });
  });

  describe('handoff-server.ts: connections handed to a worker process (sendFds/recvFds)', () => {
    it('a worker process serves each connection the server accepted, survives a reset one, and exits when the server is done', async () => {
      const server = tsNode('examples/handoff-server.ts', ['0', '--max-conns', '3']);
      const port = await listening(server);
      const workers = new Set<number>();
      const clients: string[] = [];
      // A client that resets at once (SO_LINGER {1, 0}): only its own connection is lost.
      const reset = connect(port);
      clients.push(`127.0.0.1 ${portOf(reset.getsockname())}`);
      reset.setsockopt(SOL_SOCKET, SO_LINGER, new Int32Array([1, 0]));
      reset.close();
      for (const text of ['first', 'second']) {
        const c = connect(port);
        clients.push(`127.0.0.1 ${portOf(c.getsockname())}`);
        const rest = { buf: Buffer.alloc(0) };
        const greeting = /^worker (\d+)$/.exec(recvLine(c, rest));
        assert.ok(greeting, 'no greeting from the worker');
        workers.add(Number(greeting[1]));
        c.sendall(text);
        assert.equal(rest.buf.length === 0 ? c.recv(1024).toString() : rest.buf.toString(), text);
        c.close();
      }
      const [pid] = workers;
      assert.equal(workers.size, 1);
      assert.notEqual(pid, server.proc.pid);
      const r = await server.exit();
      assert.equal(r.code, 0, r.stderr);
      // Two processes print: compare as sorted lines. The reset connection
      // may show as an error in the worker, depending on when the RST lands.
      const out = r.stdout.trimEnd().split('\n');
      assert.ok(out.filter((l) => l.startsWith('worker error: ')).length <= 1, r.stdout);
      assert.deepEqual(
        out.filter((l) => !l.startsWith('worker error: ')).sort(),
        [`listening 127.0.0.1 ${port}`, ...clients.map((c) => `handed over ${c}`), ...clients.map((c) => `worker ${pid} took ${c}`), 'worker exited 0'].sort(),
      );
    });
  });

  describe('demo.ts (npm run demo)', () => {
    it('talks to the echo server in a child process, stops it by its PID and exits 0', async () => {
      const demo = tsNode('examples/demo.ts', [], ['ignore', 'pipe', 'pipe']);
      const { code, signal, stdout, stderr } = await demo.exit();
      assert.equal(stderr, '');
      assert.deepEqual([code, signal], [0, null]);
      // Ports and the PID change from run to run; the rest is exact.
      const normal = stdout.replace(/(pid|kill) \d+/g, '$1 N').replace(/127\.0\.0\.1 \d+/g, '127.0.0.1 P');
      assert.equal(
        normal,
        lines(
          'echo server: pid N, listening 127.0.0.1 P',
          '--- client 1: a conversation',
          'client -> hello',
          'server <- HELLO',
          'client -> bsd sockets',
          'server <- BSD SOCKETS',
          'client -> q (closes the connection)',
          '--- client 2: resets its connection',
          'client -> bye',
          'server <- BYE',
          'client 2 closes with SO_LINGER 0: an RST, not a FIN',
          '--- client 3: the server is still there',
          'client -> still there?',
          'server <- STILL THERE?',
          '--- stopping the echo server: kill N SIGTERM',
          'echo server stopped: SIGTERM',
          '--- what the echo server printed',
          '  listening 127.0.0.1 P',
          '  accepted 127.0.0.1 P',
          '  received hello',
          '  received bsd sockets',
          '  eof',
          '  closed 127.0.0.1 P',
          '  accepted 127.0.0.1 P',
          '  received bye',
          '  error: recv ECONNRESET: Connection reset by peer',
          '  closed 127.0.0.1 P',
          '  accepted 127.0.0.1 P',
          '  received still there?',
          '  eof',
          '  closed 127.0.0.1 P',
        ),
      );
    });
  });
});
