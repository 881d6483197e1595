// bsdsock, blocking calls: the benchmark protocol written as a Python
// programmer would with the socket module, one call per syscall.

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
  socket,
  socketpair,
  type Socket,
} from '../../dist';
import * as batch from './bsdsock-batch';
import { askCount } from './bsdsock-datagrams';
import { CHUNK, MSG, getU64, isBatch, now, parseArgs, putU64, ready, report, reportDatagrams, reportOverhead, warmBytes, warmDatagrams } from './common';

const args = parseArgs(process.argv.slice(2));
const family = args.transport === 'unix' ? AF_UNIX : AF_INET;
const type = args.workload === 'dgram' ? SOCK_DGRAM : SOCK_STREAM;

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

function server(): void {
  const s = socket(family, type);
  s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
  if (args.workload === 'dgram') s.setsockopt(SOL_SOCKET, SO_RCVBUF, 8 << 20);
  s.bind(address(args.transport === 'unix' ? args.where : '0'));
  ready(args.transport === 'unix' ? args.where : (s.getsockname() as [string, number])[1]);
  const buf = Buffer.alloc(CHUNK);
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
  } else {
    let total = 0;
    for (let n; (n = c.recvInto(buf)) > 0; ) total += n;
    c.sendall(putU64(total));
  }
  c.close();
  s.close();
}

function client(): void {
  const s = socket(family, type);
  const to = address(args.where);
  const buf = Buffer.alloc(CHUNK, 'D');
  const count = args.count;
  if (args.workload === 'dgram') {
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
    if (args.workload === 'pingpong') {
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

/** ns per call of getsockopt(SO_TYPE) and of a would-block receive (tryRecvInto). */
function overhead(): void {
  const [a, b] = socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK);
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

if (isBatch(args.workload) && args.role !== 'overhead') batch.run(args, 'sync');
else if (args.role === 'server') server();
else if (args.role === 'client') client();
else overhead();
