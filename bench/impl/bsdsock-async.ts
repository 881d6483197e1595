// bsdsock, async methods on the event loop: the benchmark protocol written
// as asyncio's loop.sock_* code would be.
//
// As in bsdsock-sync.ts, the pingpong, bulk and dgram servers receive into
// one reused buffer (recvIntoAsync, recvfromIntoAsync), and the echo,
// bulk-recv and dgram-recvfrom ones are what users write: `await
// conn.recvAsync(1024)` then `await conn.sendallAsync(data.toString()
// .toUpperCase())`, `await conn.recvAsync(65536)`, `await
// s.recvfromAsync(65536)`.

import {
  AF_INET,
  IPPROTO_TCP,
  SOCK_DGRAM,
  SOCK_STREAM,
  SOL_SOCKET,
  SO_RCVBUF,
  SO_REUSEADDR,
  SHUT_WR,
  TCP_NODELAY,
  AF_UNIX,
  socket,
  socketpair,
  type Address,
  type Socket,
} from '../../dist';
import * as batch from './bsdsock-batch';
import {
  CHUNK,
  ECHO_MSG,
  MSG,
  getU64,
  instructionLoopsAsync,
  isBatch,
  isDatagram,
  now,
  parseArgs,
  putU64,
  ready,
  report,
  reportDatagrams,
  reportMicroAsync,
  warmBytes,
  warmDatagrams,
} from './common';

const args = parseArgs(process.argv.slice(2));
const family = args.transport === 'unix' ? AF_UNIX : AF_INET;
const type = isDatagram(args.workload) ? SOCK_DGRAM : SOCK_STREAM;

function address(where: string): string | [string, number] {
  return args.transport === 'unix' ? where : ['127.0.0.1', Number(where)];
}

async function readExact(s: Socket, buf: Buffer): Promise<boolean> {
  let got = 0;
  while (got < buf.length) {
    const n = await s.recvIntoAsync(got === 0 ? buf : buf.subarray(got));
    if (n === 0) {
      if (got === 0) return false;
      throw new Error('short message');
    }
    got += n;
  }
  return true;
}

// ---- the Python-shaped servers ---------------------------------------------------

/** The seeds' upper-case echo server with the async methods. */
async function echoServer(conn: Socket): Promise<void> {
  for (;;) {
    const data = await conn.recvAsync(1024);
    if (data.length === 0) break;
    await conn.sendallAsync(data.toString().toUpperCase());
  }
}

/** The bulk receiver: `data = await conn.recvAsync(65536)`; the byte count. */
async function bulkRecvServer(conn: Socket): Promise<number> {
  let total = 0;
  for (;;) {
    const data = await conn.recvAsync(65536);
    if (data.length === 0) break;
    total += data.length;
  }
  return total;
}

/** The datagram server: `[data, address] = await s.recvfromAsync(65536)`, the reply by sendtoAsync. */
async function recvfromServer(s: Socket): Promise<void> {
  let count = 0;
  for (;;) {
    const [data, from] = await s.recvfromAsync(65536);
    if (data[0] === 0x44 /* D */) count++;
    else if (data[0] === 0x45 /* E */) {
      await s.sendtoAsync(putU64(count), from!);
      break;
    }
  }
}

async function server(): Promise<void> {
  const s = socket(family, type);
  s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
  if (type === SOCK_DGRAM) s.setsockopt(SOL_SOCKET, SO_RCVBUF, 8 << 20);
  s.bind(address(args.transport === 'unix' ? args.where : '0'));
  ready(args.transport === 'unix' ? args.where : (s.getsockname() as [string, number])[1]);
  const buf = Buffer.alloc(CHUNK);
  if (args.workload === 'dgram-recvfrom') {
    await recvfromServer(s);
    s.close();
    return;
  }
  if (args.workload === 'dgram') {
    let count = 0;
    for (;;) {
      const [n, from] = await s.recvfromIntoAsync(buf);
      if (n > 0 && buf[0] === 0x44) count++;
      else if (n > 0 && buf[0] === 0x45) {
        await s.sendtoAsync(putU64(count), from!);
        break;
      }
    }
    s.close();
    return;
  }
  s.listen(16);
  const [c] = await s.acceptAsync();
  if (args.transport === 'tcp') c.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
  if (args.workload === 'pingpong') {
    const msg = buf.subarray(0, MSG);
    while (await readExact(c, msg)) await c.sendallAsync(msg);
  } else if (args.workload === 'echo') {
    await echoServer(c);
  } else if (args.workload === 'bulk-recv') {
    await c.sendallAsync(putU64(await bulkRecvServer(c)));
  } else {
    let total = 0;
    for (let n; (n = await c.recvIntoAsync(buf)) > 0; ) total += n;
    await c.sendallAsync(putU64(total));
  }
  c.close();
  s.close();
}

// ---- clients ---------------------------------------------------------------------

/** One round trip of the echo client (bsdsock-sync.ts's echoOnce) with the async methods. */
async function echoOnce(s: Socket, msg: string, expected: string): Promise<void> {
  await s.sendallAsync(msg);
  let data = await s.recvAsync(1024);
  while (data.length < 64) {
    const more = await s.recvAsync(1024);
    if (more.length === 0) throw new Error('EOF before the whole reply');
    data = Buffer.concat([data, more]);
  }
  if (data.toString() !== expected) throw new Error(`the reply is not the upper-cased message: ${JSON.stringify(data.toString())}`);
}

async function client(): Promise<void> {
  const s = socket(family, type);
  const to = address(args.where);
  const buf = Buffer.alloc(CHUNK, 'D');
  const count = args.count;
  if (type === SOCK_DGRAM) {
    if (args.transport === 'unix') {
      s.bind('');
      s.connect(to); // see bench/c/bench.c: without it, waiting for room would spin
    }
    const msg = buf.subarray(0, MSG);
    const warm = warmDatagrams(count);
    for (let i = 0; i < warm; i++) await s.sendtoAsync(msg, to);
    const t0 = now();
    for (let i = 0; i < count; i++) await s.sendtoAsync(msg, to);
    let reply: Buffer | null = null;
    for (let tries = 0; tries < 50 && reply === null; tries++) {
      await s.sendtoAsync('E', to);
      try {
        reply = await s.recvAsync(8, { signal: AbortSignal.timeout(200) });
      } catch {
        reply = null;
      }
    }
    reportDatagrams(reply, warm + count, count, now() - t0);
  } else {
    await s.connectAsync(to);
    if (args.transport === 'tcp') s.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
    if (args.workload === 'echo') {
      const msg = ECHO_MSG; // a local, not the import: see common.ts
      const expected = msg.toUpperCase();
      for (let i = 0; i < count / 10; i++) await echoOnce(s, msg, expected);
      const t0 = now();
      for (let i = 0; i < count; i++) await echoOnce(s, msg, expected);
      report(count, count * MSG, now() - t0);
    } else if (args.workload === 'pingpong') {
      const msg = buf.subarray(0, MSG);
      for (let i = 0; i < count / 10; i++) {
        await s.sendallAsync(msg);
        await readExact(s, msg);
      }
      const t0 = now();
      for (let i = 0; i < count; i++) {
        await s.sendallAsync(msg);
        await readExact(s, msg);
      }
      report(count, count * MSG, now() - t0);
    } else {
      // bulk and bulk-recv: the same client
      const warm = warmBytes(count);
      const chunk = buf.length; // a local, not the import: see common.ts
      for (let left = warm; left > 0; left -= chunk) await s.sendallAsync(left >= chunk ? buf : buf.subarray(0, left));
      const t0 = now();
      for (let left = count; left > 0; left -= chunk) await s.sendallAsync(left >= chunk ? buf : buf.subarray(0, left));
      s.shutdown(SHUT_WR);
      const reply = Buffer.alloc(8);
      if (!(await readExact(s, reply))) throw new Error('no count');
      const t1 = now();
      if (getU64(reply) !== warm + count) throw new Error(`server counted ${getU64(reply)}, sent ${warm + count}`);
      report(Math.ceil(count / CHUNK), count, t1 - t0);
    }
  }
  s.close();
}

// ---- in one process ------------------------------------------------------------------

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
 * run.ts's microbenchmark (bsdsock-sync.ts's micro) with `await
 * recvAsync(n)` and `await recvfromAsync(n)`. The sends are the same
 * blocking send/sendto as there, so that only the receive differs.
 */
async function micro(): Promise<void> {
  const [a, b] = socketpair();
  const [ua, ub, to] = udpPair();
  const msg = Buffer.from(ECHO_MSG);
  const recvLoop = (size: number) => async (n: number) => {
    for (let i = 0; i < n; i++) {
      a.send(msg);
      expect64((await b.recvAsync(size)).length);
    }
  };
  const recvfromLoop = (size: number) => async (n: number) => {
    for (let i = 0; i < n; i++) {
      ua.sendto(msg, to);
      expect64((await ub.recvfromAsync(size))[0].length);
    }
  };
  await reportMicroAsync(args.count, [
    ['recv64', recvLoop(64)],
    ['recv1024', recvLoop(1024)],
    ['recv65536', recvLoop(65536)],
    ['recvfrom64', recvfromLoop(64)],
    ['recvfrom65536', recvfromLoop(65536)],
  ]);
  for (const s of [a, b, ua, ub]) s.close();
}

/**
 * The loops of bench/instructions.ts that have an async form, as an async
 * program writes them: `await sendallAsync(...)` and `await recvAsync(n)`.
 * The data is always there, so no call waits for the event loop.
 */
async function instructions(): Promise<void> {
  const [a, b] = socketpair();
  const [ua, ub, to] = udpPair();
  const msg = Buffer.from(ECHO_MSG);
  const text = ECHO_MSG; // a local, not the import: see common.ts
  const into = Buffer.alloc(1024);
  const chunk = Buffer.alloc(65536, 'D');
  const recvLoop = (size: number) => async (n: number) => {
    for (let i = 0; i < n; i++) {
      await a.sendallAsync(msg);
      expect64((await b.recvAsync(size)).length);
    }
  };
  await instructionLoopsAsync(args.count, args.count2, [
    ['pair', recvLoop(1024)],
    [
      'pairStr',
      async (n) => {
        for (let i = 0; i < n; i++) {
          await a.sendallAsync(text);
          expect64((await b.recvAsync(1024)).length);
        }
      },
    ],
    [
      'pairInto',
      async (n) => {
        for (let i = 0; i < n; i++) {
          await a.sendallAsync(msg);
          expect64(await b.recvIntoAsync(into));
        }
      },
    ],
    ['recv64', recvLoop(64)],
    ['recv65536', recvLoop(65536)],
    [
      'bulk',
      async (n) => {
        for (let i = 0; i < n; i++) {
          await a.sendallAsync(chunk);
          for (let got = 0; got < 65536; ) {
            const data = await b.recvAsync(65536);
            if (data.length === 0) throw new Error('EOF');
            got += data.length;
          }
        }
      },
    ],
    [
      'udp',
      async (n) => {
        for (let i = 0; i < n; i++) {
          await ua.sendtoAsync(msg, to);
          expect64((await ub.recvfromAsync(65536))[0].length);
        }
      },
    ],
  ]);
  for (const s of [a, b, ua, ub]) s.close();
}

const main = args.role === 'server' ? server : args.role === 'client' ? client : args.role === 'micro' ? micro : args.role === 'instructions' ? instructions : null;
if (main === null) {
  process.stderr.write(`bsdsock-async has no ${args.role} mode\n`);
  process.exit(2);
}
if (isBatch(args.workload) && (args.role === 'server' || args.role === 'client')) {
  batch.run(args, 'async');
} else {
  main().catch((err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exit(1);
  });
}
