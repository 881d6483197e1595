// bsdsock, blocking calls: the benchmark protocol written as a Python
// programmer would with the socket module, one call per syscall.
//
// Two kinds of server here. The pingpong, bulk and dgram ones receive into
// one reused buffer (recvInto, recvfromInto), the primitive that costs least.
// The echo, bulk-recv and dgram-recvfrom ones are what users write when they
// port the classic Python exercises: `data = conn.recv(1024)`, then
// `conn.sendall(data.toString().toUpperCase())` as the README's quick start
// does; `conn.recv(65536)` returning bytes; `s.recvfrom(65536)` returning
// `[data, address]` and a reply by `sendto` to that address.

import {
  AF_INET,
  AF_UNIX,
  IPPROTO_TCP,
  SOCK_DGRAM,
  SOCK_NONBLOCK,
  SOCK_STREAM,
  SOL_SOCKET,
  SO_RCVBUF,
  SO_REUSEADDR,
  SO_TYPE,
  SHUT_WR,
  TCP_NODELAY,
  SocketError,
  socket,
  socketpair,
  type Address,
  type Socket,
} from '../../dist';
import * as batch from './bsdsock-batch';
import { askCount } from './bsdsock-datagrams';
import {
  CHUNK,
  ECHO_MSG,
  MSG,
  getU64,
  instructionLoops,
  isBatch,
  isDatagram,
  now,
  parseArgs,
  putU64,
  ready,
  report,
  reportDatagrams,
  reportMicro,
  reportOverhead,
  warmBytes,
  warmDatagrams,
} from './common';

const args = parseArgs(process.argv.slice(2));
const family = args.transport === 'unix' ? AF_UNIX : AF_INET;
const type = isDatagram(args.workload) ? SOCK_DGRAM : SOCK_STREAM;

function address(where: string): string | [string, number] {
  return args.transport === 'unix' ? where : ['127.0.0.1', Number(where)];
}

/** Receives exactly `buf.length` bytes; false at EOF before any. */
function readExact(s: Socket, buf: Buffer): boolean {
  let got = 0;
  while (got < buf.length) {
    const n = s.recvInto(got === 0 ? buf : buf.subarray(got));
    if (n === 0) {
      if (got === 0) return false;
      throw new Error('short message');
    }
    got += n;
  }
  return true;
}

// ---- the Python-shaped servers ---------------------------------------------------

/** The seeds' upper-case echo server, as the README's quick start ports it. */
function echoServer(conn: Socket): void {
  for (;;) {
    const data = conn.recv(1024);
    if (data.length === 0) break;
    conn.sendall(data.toString().toUpperCase());
  }
}

/** The bulk receiver of a Python program: `data = conn.recv(65536)`; the byte count. */
function bulkRecvServer(conn: Socket): number {
  let total = 0;
  for (;;) {
    const data = conn.recv(65536);
    if (data.length === 0) break;
    total += data.length;
  }
  return total;
}

/** The datagram server of a Python program: `data, address = s.recvfrom(65536)`, the reply by sendto. */
function recvfromServer(s: Socket): void {
  let count = 0;
  for (;;) {
    const [data, from] = s.recvfrom(65536);
    if (data[0] === 0x44 /* D */) count++;
    else if (data[0] === 0x45 /* E */) {
      s.sendto(putU64(count), from!);
      break;
    }
  }
}

function server(): void {
  const s = socket(family, type);
  s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
  if (type === SOCK_DGRAM) s.setsockopt(SOL_SOCKET, SO_RCVBUF, 8 << 20);
  s.bind(address(args.transport === 'unix' ? args.where : '0'));
  ready(args.transport === 'unix' ? args.where : (s.getsockname() as [string, number])[1]);
  const buf = Buffer.alloc(CHUNK);
  if (args.workload === 'dgram-recvfrom') {
    recvfromServer(s);
    s.close();
    return;
  }
  if (args.workload === 'dgram') {
    let count = 0;
    for (;;) {
      const [n, from] = s.recvfromInto(buf);
      if (n > 0 && buf[0] === 0x44 /* D */) count++;
      else if (n > 0 && buf[0] === 0x45 /* E */) {
        s.sendto(putU64(count), from!);
        break;
      }
    }
    s.close();
    return;
  }
  s.listen(16);
  const [c] = s.accept();
  if (args.transport === 'tcp') c.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
  if (args.workload === 'pingpong') {
    const msg = buf.subarray(0, MSG);
    while (readExact(c, msg)) c.sendall(msg);
  } else if (args.workload === 'echo') {
    echoServer(c);
  } else if (args.workload === 'bulk-recv') {
    c.sendall(putU64(bulkRecvServer(c)));
  } else {
    let total = 0;
    for (let n; (n = c.recvInto(buf)) > 0; ) total += n;
    c.sendall(putU64(total));
  }
  c.close();
  s.close();
}

// ---- clients ---------------------------------------------------------------------

/**
 * One round trip of the seeds' echo client: sendall the message (a string,
 * as the README's quick start sends), recv(1024) until 64 bytes are back,
 * and check they are the message upper-cased.
 */
function echoOnce(s: Socket, msg: string, expected: string): void {
  s.sendall(msg);
  let data = s.recv(1024);
  while (data.length < 64) {
    const more = s.recv(1024);
    if (more.length === 0) throw new Error('EOF before the whole reply');
    data = Buffer.concat([data, more]);
  }
  if (data.toString() !== expected) throw new Error(`the reply is not the upper-cased message: ${JSON.stringify(data.toString())}`);
}

function client(): void {
  const s = socket(family, type);
  const to = address(args.where);
  const buf = Buffer.alloc(CHUNK, 'D');
  const count = args.count;
  if (type === SOCK_DGRAM) {
    if (args.transport === 'unix') {
      s.bind('');
      s.connect(to); // see bench/c/bench.c: lets an event-loop sender wait for room
    }
    const msg = buf.subarray(0, MSG);
    const warm = warmDatagrams(count);
    for (let i = 0; i < warm; i++) s.sendto(msg, to);
    const t0 = now();
    for (let i = 0; i < count; i++) s.sendto(msg, to);
    reportDatagrams(askCount(s, to), warm + count, count, now() - t0);
  } else {
    s.connect(to);
    if (args.transport === 'tcp') s.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
    if (args.workload === 'echo') {
      const msg = ECHO_MSG; // a local, not the import: see common.ts
      const expected = msg.toUpperCase();
      for (let i = 0; i < count / 10; i++) echoOnce(s, msg, expected);
      const t0 = now();
      for (let i = 0; i < count; i++) echoOnce(s, msg, expected);
      report(count, count * MSG, now() - t0);
    } else if (args.workload === 'pingpong') {
      const msg = buf.subarray(0, MSG);
      for (let i = 0; i < count / 10; i++) {
        s.sendall(msg);
        readExact(s, msg);
      }
      const t0 = now();
      for (let i = 0; i < count; i++) {
        s.sendall(msg);
        readExact(s, msg);
      }
      report(count, count * MSG, now() - t0);
    } else {
      // bulk and bulk-recv: the same client
      const warm = warmBytes(count);
      const chunk = buf.length; // a local, not the import: see common.ts
      for (let left = warm; left > 0; left -= chunk) s.sendall(left >= chunk ? buf : buf.subarray(0, left));
      const t0 = now();
      for (let left = count; left > 0; left -= chunk) s.sendall(left >= chunk ? buf : buf.subarray(0, left));
      s.shutdown(SHUT_WR);
      const reply = Buffer.alloc(8);
      if (!readExact(s, reply)) throw new Error('no count');
      const t1 = now();
      if (getU64(reply) !== warm + count) throw new Error(`server counted ${getU64(reply)}, sent ${warm + count}`);
      report(Math.ceil(count / CHUNK), count, t1 - t0);
    }
  }
  s.close();
}

// ---- in one process ------------------------------------------------------------------

/** ns per call of getsockopt(SO_TYPE) and of a would-block receive (tryRecvInto). */
function overhead(): void {
  const [a, b] = socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK!); // Linux
  const buf = Buffer.alloc(MSG);
  reportOverhead(
    args.count,
    () => a.getsockopt(SOL_SOCKET, SO_TYPE),
    () => {
      if (a.tryRecvInto(buf) !== -1) throw new Error('data?');
    },
  );
  a.close();
  b.close();
}

/** Two UDP sockets on loopback: the sender, the receiver and its address. */
function udpPair(): [Socket, Socket, Address] {
  const receiver = socket(AF_INET, SOCK_DGRAM);
  receiver.bind(['127.0.0.1', 0]);
  return [socket(AF_INET, SOCK_DGRAM), receiver, receiver.getsockname() as [string, number]];
}

function expect64(n: number): void {
  if (n !== 64) throw new Error(`received ${n} bytes, not 64`);
}

/**
 * run.ts's microbenchmark: ns per iteration of one send of 64 bytes and one
 * receive of up to n bytes, with recv(n) (the bytes it returns) and with
 * recvInto a buffer of n bytes (the primitive), over an AF_UNIX socketpair;
 * and sendto + recvfrom(n) / recvfromInto over UDP loopback.
 */
function micro(): void {
  const [a, b] = socketpair();
  const [ua, ub, to] = udpPair();
  const msg = Buffer.from(ECHO_MSG);
  const recvLoop = (size: number) => (n: number) => {
    for (let i = 0; i < n; i++) {
      a.send(msg);
      expect64(b.recv(size).length);
    }
  };
  const recvIntoLoop = (size: number) => {
    const buf = Buffer.alloc(size);
    return (n: number) => {
      for (let i = 0; i < n; i++) {
        a.send(msg);
        expect64(b.recvInto(buf));
      }
    };
  };
  const recvfromLoop = (size: number) => (n: number) => {
    for (let i = 0; i < n; i++) {
      ua.sendto(msg, to);
      expect64(ub.recvfrom(size)[0].length);
    }
  };
  const recvfromIntoLoop = (size: number) => {
    const buf = Buffer.alloc(size);
    return (n: number) => {
      for (let i = 0; i < n; i++) {
        ua.sendto(msg, to);
        expect64(ub.recvfromInto(buf)[0]);
      }
    };
  };
  reportMicro(args.count, [
    ['recv64', recvLoop(64)],
    ['recv1024', recvLoop(1024)],
    ['recv65536', recvLoop(65536)],
    ['recvfrom64', recvfromLoop(64)],
    ['recvfrom65536', recvfromLoop(65536)],
    ['recvInto64', recvIntoLoop(64)],
    ['recvInto1024', recvIntoLoop(1024)],
    ['recvInto65536', recvIntoLoop(65536)],
    ['recvfromInto64', recvfromIntoLoop(64)],
    ['recvfromInto65536', recvfromIntoLoop(65536)],
  ]);
  for (const s of [a, b, ua, ub]) s.close();
}

/** The loops of bench/instructions.ts (bench/c/bench.c's instructions()), written as users write them. */
function instructions(): void {
  const [a, b] = socketpair();
  const [ua, ub, to] = udpPair();
  const [na, nb] = socketpair();
  nb.setblocking(false);
  const msg = Buffer.from(ECHO_MSG);
  const text = ECHO_MSG; // a local, not the import: see common.ts
  const into = Buffer.alloc(1024);
  const chunk = Buffer.alloc(65536, 'D');
  const recvLoop = (size: number) => (n: number) => {
    for (let i = 0; i < n; i++) {
      a.sendall(msg);
      expect64(b.recv(size).length);
    }
  };
  instructionLoops(args.count, args.count2, [
    ['pair', recvLoop(1024)],
    [
      'pairStr',
      (n) => {
        for (let i = 0; i < n; i++) {
          a.sendall(text);
          expect64(b.recv(1024).length);
        }
      },
    ],
    [
      'pairInto',
      (n) => {
        for (let i = 0; i < n; i++) {
          a.sendall(msg);
          expect64(b.recvInto(into));
        }
      },
    ],
    ['recv64', recvLoop(64)],
    ['recv65536', recvLoop(65536)],
    [
      'bulk',
      (n) => {
        for (let i = 0; i < n; i++) {
          a.sendall(chunk);
          for (let got = 0; got < 65536; ) {
            const data = b.recv(65536);
            if (data.length === 0) throw new Error('EOF');
            got += data.length;
          }
        }
      },
    ],
    [
      'udp',
      (n) => {
        for (let i = 0; i < n; i++) {
          ua.sendto(msg, to);
          expect64(ub.recvfrom(65536)[0].length);
        }
      },
    ],
    [
      'getsockopt',
      (n) => {
        for (let i = 0; i < n; i++) if (a.getsockopt(SOL_SOCKET, SO_TYPE) !== SOCK_STREAM) throw new Error('SO_TYPE?');
      },
    ],
    [
      'eagain',
      (n) => {
        for (let i = 0; i < n; i++) {
          let data: Buffer | null = null;
          try {
            data = nb.recv(64);
          } catch (err) {
            if (!(err instanceof SocketError) || err.code !== 'EAGAIN') throw err;
          }
          if (data !== null) throw new Error('data?');
        }
      },
      10, // a tenth as many: each exception costs tens of thousands of instructions
    ],
  ]);
  for (const s of [a, b, ua, ub, na, nb]) s.close();
}

if (isBatch(args.workload) && (args.role === 'server' || args.role === 'client')) batch.run(args, 'sync');
else if (args.role === 'server') server();
else if (args.role === 'client') client();
else if (args.role === 'micro') micro();
else if (args.role === 'instructions') instructions();
else overhead();
