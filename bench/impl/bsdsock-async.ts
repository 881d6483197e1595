// bsdsock, async methods on the event loop: the benchmark protocol written
// as asyncio's loop.sock_* code would be.

import {
  AF_INET,
  AF_UNIX,
  IPPROTO_TCP,
  SOCK_DGRAM,
  SOCK_STREAM,
  SOL_SOCKET,
  SO_RCVBUF,
  SO_REUSEADDR,
  SHUT_WR,
  TCP_NODELAY,
  socket,
  type Socket,
} from '../../dist';
import * as batch from './bsdsock-batch';
import { CHUNK, MSG, getU64, isBatch, now, parseArgs, putU64, ready, report, reportDatagrams, warmBytes, warmDatagrams } from './common';

const args = parseArgs(process.argv.slice(2));
const family = args.transport === 'unix' ? AF_UNIX : AF_INET;
const type = args.workload === 'dgram' ? SOCK_DGRAM : SOCK_STREAM;

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

async function server(): Promise<void> {
  const s = socket(family, type);
  s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
  if (args.workload === 'dgram') s.setsockopt(SOL_SOCKET, SO_RCVBUF, 8 << 20);
  s.bind(address(args.transport === 'unix' ? args.where : '0'));
  ready(args.transport === 'unix' ? args.where : (s.getsockname() as [string, number])[1]);
  const buf = Buffer.alloc(CHUNK);
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
  } else {
    let total = 0;
    for (let n; (n = await c.recvIntoAsync(buf)) > 0; ) total += n;
    await c.sendallAsync(putU64(total));
  }
  c.close();
  s.close();
}

async function client(): Promise<void> {
  const s = socket(family, type);
  const to = address(args.where);
  const buf = Buffer.alloc(CHUNK, 'D');
  const count = args.count;
  if (args.workload === 'dgram') {
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
    if (args.workload === 'pingpong') {
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

if (isBatch(args.workload)) {
  batch.run(args, 'async');
} else {
  (args.role === 'server' ? server() : client()).catch((err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exit(1);
  });
}
