// The injected-faults scenario: each fault is made to happen for real (a
// peer that resets or is killed, a refused or full listener, fd exhaustion,
// a timeout...) and the outcome must be exactly the expected one. Blocking
// and timeout-mode calls meet peers in another process (python3), which
// acts while this thread waits. stress/run.ts runs this with a low fd limit
// (ulimit -n 256), so that EMFILE is near.
//
// Prints one line per fault ("ok|FAIL <name>: expected ..., got ...") and
// a RESULT line.

import { spawn, type ChildProcess } from 'node:child_process';
import fs = require('node:fs');
import os = require('node:os');
import path = require('node:path');

import {
  AF_INET,
  AF_UNIX,
  SOCK_DGRAM,
  SHUT_WR,
  SocketError,
  SocketTimeoutError,
  socket,
  socketpair,
  type InetSocketAddress,
  type UnixSocketAddress,
  type Socket,
} from '../lib';
import { report, sleep } from './common';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bsdsock-faults-'));
const open: Socket[] = [];
const track = <T extends Socket>(s: T): T => (open.push(s), s);
let paths = 0;
/** Peers still running after their fault are killed (by PID). */
const peers: ChildProcess[] = [];

interface Peer {
  proc: ChildProcess;
  line(): Promise<string>;
  exit: Promise<number | null>;
}

/** A python3 peer; `script` gets sys.argv[1:] = args. */
function py(script: string, args: string[] = []): Peer {
  const proc = spawn('python3', ['-u', '-c', script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  peers.push(proc);
  let buf = '';
  const waiting: Array<(l: string) => void> = [];
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    for (let nl = buf.indexOf('\n'); nl >= 0 && waiting.length > 0; nl = buf.indexOf('\n')) {
      const l = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      waiting.shift()!(l);
    }
  });
  return {
    proc,
    line: () => new Promise((resolve) => waiting.push(resolve)),
    exit: new Promise((resolve) => proc.once('exit', (code) => resolve(code))),
  };
}

/** What a call did: 'ok', 'eof', 'timeout', an errno code, or the thrown value. */
async function outcome(fn: () => unknown): Promise<string> {
  try {
    const r = await fn();
    if (Buffer.isBuffer(r) && r.length === 0) return 'eof';
    return 'ok';
  } catch (err) {
    if (err instanceof SocketTimeoutError) return 'timeout';
    if (err instanceof SocketError) return err.code;
    return `threw ${String(err)}`;
  }
}

function tcpListener(backlog = 8) {
  const l = track(socket());
  l.bind(['127.0.0.1', 0]);
  l.listen(backlog);
  return l;
}

const portOf = (s: Socket): number => (s.getsockname() as [string, number])[1];

/** A port with nothing listening: bound, never listened on. */
function closedPort(): InetSocketAddress {
  const s = track(socket());
  s.bind(['127.0.0.1', 0]);
  return s.getsockname();
}

/** A listener whose backlog is full (TCP: further SYNs are dropped; AF_UNIX: connect waits or EAGAIN). */
function fullListener(family: typeof AF_INET): [Socket, InetSocketAddress];
function fullListener(family: typeof AF_UNIX): [Socket, UnixSocketAddress];
function fullListener(family: typeof AF_INET | typeof AF_UNIX): [Socket, InetSocketAddress | UnixSocketAddress] {
  const l = track(socket(family));
  l.bind(family === AF_INET ? ['127.0.0.1', 0] : path.join(dir, `full-${++paths}.sock`));
  l.listen(0);
  for (let i = 0; i < 2; i++) {
    const f = track(socket(family));
    f.setblocking(false);
    const r = f.connectEx(l.getsockname());
    if (family === AF_UNIX && r !== 0) break;
  }
  return [l, l.getsockname()];
}

// Python peers.
const RESET_AFTER = `
import socket, struct, sys, time
s = socket.create_connection(('127.0.0.1', int(sys.argv[1])))
print('connected', flush=True)
time.sleep(float(sys.argv[2]))
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
s.close()
`;
const CONNECT_AND_WAIT = `
import socket, sys, time
s = socket.create_connection(('127.0.0.1', int(sys.argv[1])))
print('connected', flush=True)
time.sleep(60)
`;
const MAKE_ROOM = `
import socket, sys, time
l = socket.socket(fileno=3)
time.sleep(float(sys.argv[1]))
l.accept()[0].close()
c, _ = l.accept()
c.sendall(b'room')
time.sleep(0.2)
`;

type Fault = [name: string, expected: RegExp, run: () => Promise<string>];

/**
 * SIGKILLs `proc` in 0.2 s from another process: a timer of this one
 * cannot fire while a blocking call holds its thread.
 */
function killLater(proc: ChildProcess): void {
  peers.push(spawn('sh', ['-c', `sleep 0.2; kill -9 ${proc.pid}`], { stdio: 'ignore' }));
}

/** A connection accepted from a python peer started with `script`. */
async function accepted(script: string, args: (port: number) => string[], timeout: number | null = null): Promise<[Socket, Peer]> {
  const l = tcpListener();
  const peer = py(script, args(portOf(l)));
  await peer.line();
  const [c] = l.accept();
  track(c).settimeout(timeout);
  return [c, peer];
}

const BIG = Buffer.alloc(64 << 20, 0x61);

const faults: Fault[] = [
  ['sendall (blocking) while the peer resets the connection', /^(ECONNRESET|EPIPE)$/, async () => {
    const [c] = await accepted(RESET_AFTER, (p) => [String(p), '0.2']);
    return outcome(() => c.sendall(BIG));
  }],
  ['sendall (timeout mode) while the peer resets the connection', /^(ECONNRESET|EPIPE)$/, async () => {
    const [c] = await accepted(RESET_AFTER, (p) => [String(p), '0.2'], 10);
    return outcome(() => c.sendall(BIG));
  }],
  ['sendallAsync while the peer resets the connection', /^(ECONNRESET|EPIPE)$/, async () => {
    const [c] = await accepted(RESET_AFTER, (p) => [String(p), '0.2']);
    return outcome(() => c.sendallAsync(BIG));
  }],
  ['recv (blocking) when the peer resets the connection', /^ECONNRESET$/, async () => {
    const [c] = await accepted(RESET_AFTER, (p) => [String(p), '0.2']);
    return outcome(() => c.recv(100));
  }],
  ['recvAsync when the peer resets the connection', /^ECONNRESET$/, async () => {
    const [c] = await accepted(RESET_AFTER, (p) => [String(p), '0.2']);
    return outcome(() => c.recvAsync(100));
  }],
  ['recv (blocking) when the peer process is killed', /^eof$/, async () => {
    const [c, peer] = await accepted(CONNECT_AND_WAIT, (p) => [String(p)]);
    killLater(peer.proc);
    return outcome(() => c.recv(100));
  }],
  ['recvAsync when the peer process is killed', /^eof$/, async () => {
    const [c, peer] = await accepted(CONNECT_AND_WAIT, (p) => [String(p)]);
    setTimeout(() => peer.proc.kill('SIGKILL'), 200);
    return outcome(() => c.recvAsync(100));
  }],
  ['sendall (blocking) when the peer process is killed with data unread', /^(ECONNRESET|EPIPE)$/, async () => {
    const [c, peer] = await accepted(CONNECT_AND_WAIT, (p) => [String(p)]);
    killLater(peer.proc);
    return outcome(() => c.sendall(BIG));
  }],
  ['connect (blocking) to a port nobody listens on', /^ECONNREFUSED$/, async () => outcome(() => track(socket()).connect(closedPort()))],
  ['connect (timeout mode) to a port nobody listens on', /^ECONNREFUSED$/, async () => {
    const s = track(socket());
    s.settimeout(5);
    return outcome(() => s.connect(closedPort()));
  }],
  ['connectAsync to a port nobody listens on', /^ECONNREFUSED$/, async () => outcome(() => track(socket()).connectAsync(closedPort()))],
  ['connect (timeout 0.2 s) to a TCP listener whose backlog is full', /^timeout$/, async () => {
    const [, addr] = fullListener(AF_INET);
    await sleep(20);
    const s = track(socket());
    s.settimeout(0.2);
    return outcome(() => s.connect(addr));
  }],
  ['connectAsync to a TCP listener whose backlog is full, aborted after 0.2 s', /^threw TimeoutError/, async () => {
    const [, addr] = fullListener(AF_INET);
    await sleep(20);
    return outcome(() => track(socket()).connectAsync(addr, { signal: AbortSignal.timeout(200) }));
  }],
  ['connect (blocking) to an AF_UNIX listener whose backlog is full, room made by another process', /^ok room$/, async () => {
    const [l, addr] = fullListener(AF_UNIX);
    const peer = spawn('python3', ['-c', MAKE_ROOM, '0.2'], { stdio: ['ignore', 'ignore', 'inherit', l.fileno()] });
    peers.push(peer);
    const s = track(socket(AF_UNIX));
    const r = await outcome(() => s.connect(addr));
    const data = r === 'ok' ? s.recv(16).toString() : '';
    await new Promise((resolve) => peer.once('exit', resolve));
    return `${r} ${data}`;
  }],
  ['connect (timeout 0.2 s) to an AF_UNIX listener whose backlog is full', /^timeout$/, async () => {
    const [, addr] = fullListener(AF_UNIX);
    const s = track(socket(AF_UNIX));
    s.settimeout(0.2);
    return outcome(() => s.connect(addr));
  }],
  ['connectAsync to an AF_UNIX listener whose backlog is full, room made after 0.1 s', /^ok$/, async () => {
    const [l, addr] = fullListener(AF_UNIX);
    setTimeout(() => track(l.accept()[0]), 100);
    const s = track(socket(AF_UNIX));
    const r = await outcome(() => s.connectAsync(addr, { signal: AbortSignal.timeout(10_000) }));
    return r === 'ok' && s.getpeername() === addr ? 'ok' : `${r}, peer ${String(s.getpeername())}`;
  }],
  ['connect (non-blocking) to an AF_UNIX listener whose backlog is full', /^EAGAIN$/, async () => {
    const [, addr] = fullListener(AF_UNIX);
    const s = track(socket(AF_UNIX));
    s.setblocking(false);
    return outcome(() => s.connect(addr));
  }],
  ['recv (timeout 0.1 s) with nothing coming', /^timeout$/, async () => {
    const [a] = socketpair().map(track);
    a!.settimeout(0.1);
    return outcome(() => a!.recv(1));
  }],
  ['accept (timeout 0.1 s) with no client', /^timeout$/, async () => {
    const l = tcpListener();
    l.settimeout(0.1);
    return outcome(() => l.accept());
  }],
  ['send to a peer that closed: EPIPE, and no SIGPIPE', /^EPIPE$/, async () => {
    const [a, b] = socketpair().map(track);
    b!.close();
    return outcome(() => a!.sendall('x'));
  }],
  ['send after shutdown(SHUT_WR); the peer reads EOF', /^EPIPE eof$/, async () => {
    const [a, b] = socketpair().map(track);
    a!.shutdown(SHUT_WR);
    return `${await outcome(() => a!.send('x'))} ${await outcome(() => b!.recv(1))}`;
  }],
  ['AF_UNIX datagram to a path whose socket closed', /^ECONNREFUSED$/, async () => {
    const file = path.join(dir, `gone-${++paths}.sock`);
    const r = track(socket(AF_UNIX, SOCK_DGRAM));
    r.bind(file);
    r.close();
    return outcome(() => track(socket(AF_UNIX, SOCK_DGRAM)).sendto('x', file));
  }],
  ['UDP to a closed port: the next recv reports the ICMP error', /^ECONNREFUSED$/, async () => {
    const s = track(socket(AF_INET, SOCK_DGRAM));
    s.connect(closedPort());
    s.send('x');
    s.settimeout(2);
    return outcome(() => s.recv(10));
  }],
  ['close() with recvAsync, acceptAsync and sendallAsync pending', /^EBADF EBADF EBADF$/, async () => {
    const [a] = socketpair().map(track);
    const l = tcpListener();
    const [w] = socketpair().map(track);
    const p = [a!.recvAsync(1), l.acceptAsync(), w!.sendallAsync(BIG)].map((x) => outcome(() => x));
    await sleep(10);
    a!.close();
    l.close();
    w!.close();
    return (await Promise.all(p)).join(' ');
  }],
  ['socket() at the fd limit (EMFILE), then again after closing one', /^EMFILE ok$/, async () => {
    const hog: Socket[] = [];
    let r = '';
    try {
      for (let i = 0; i < 100_000; i++) hog.push(socket());
    } catch (err) {
      r = err instanceof SocketError ? err.code : String(err);
    }
    hog.pop()?.close();
    const again = await outcome(() => track(socket()));
    for (const s of hog) s.close();
    return `${r} ${again}`;
  }],
  ['accept() at the fd limit: EMFILE, the connection stays queued and is accepted once an fd is free', /^EMFILE EMFILE ok ok$/, async () => {
    const l = tcpListener();
    const c = track(socket());
    c.connect(l.getsockname());
    c.sendall('queued');
    const hog: Socket[] = [];
    try {
      for (let i = 0; i < 100_000; i++) hog.push(socket());
    } catch {
      // the limit
    }
    l.settimeout(1);
    const first = await outcome(() => l.accept());
    const async = await outcome(() => l.acceptAsync());
    hog.pop()?.close();
    let conn: Socket | null = null;
    const after = await outcome(() => ([conn] = l.accept()));
    for (const s of hog) s.close();
    const data = conn !== null ? ((conn as Socket).settimeout(1), (conn as Socket).recv(10).toString()) : '';
    (conn as Socket | null)?.close();
    return `${first} ${async} ${after} ${data === 'queued' ? 'ok' : data}`;
  }],
];

async function main(): Promise<void> {
  const results: Array<{ name: string; expected: string; got: string; ok: boolean }> = [];
  for (const [name, expected, run] of faults) {
    const started = Date.now();
    let got: string;
    try {
      got = await run();
    } catch (err) {
      got = `the fault itself failed: ${String(err)}`;
    } finally {
      for (const s of open.splice(0)) s.close();
      for (const p of peers.splice(0)) {
        if (p.exitCode === null && p.signalCode === null) {
          p.kill('SIGKILL');
          await new Promise((resolve) => p.once('exit', resolve));
        }
      }
    }
    const ok = expected.test(got);
    results.push({ name, expected: expected.source, got, ok });
    process.stdout.write(`${ok ? 'ok  ' : 'FAIL'} ${name}: ${got} (${Date.now() - started} ms)\n`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
  report({ faults: results.length, asExpected: results.filter((r) => r.ok).length, results });
}

void main();
