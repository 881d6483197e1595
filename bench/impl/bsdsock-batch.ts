// bsdsock, batched datagrams (bench/c/bench.c describes the protocol): the
// batch workloads of bsdsock-sync.ts and bsdsock-async.ts, and the `single`
// implementation, which sends and receives one datagram per syscall for
// comparison (the rate that GSO is measured against).
//
//   sync    sendmmsg of 64 datagrams (gso64, gso1200: two GSO buffers of
//           32 segments), recvmmsgInto 64 buffers (gso64, gso1200: UDP_GRO
//           on, coalesced receives split by their segment size)
//   async   the same with sendmmsgAsync and recvmmsgIntoAsync
//   single  sendto and recvfromInto, one datagram each

import {
  AF_INET,
  AF_UNIX,
  SOCK_DGRAM,
  SOL_SOCKET,
  SOL_UDP,
  SO_RCVBUF,
  UDP_GRO,
  socket,
  type MmsgMessage,
  type Socket,
} from '../../dist';
import { askCount } from './bsdsock-datagrams';
import { BATCH, GSO_SEGS, datagramSize, now, putU64, ready, reportBatch, unsupported, warmDatagrams, type Args } from './common';

type Mode = 'sync' | 'async' | 'single';

function setup(args: Args): { family: number; address: (where: string) => string | [string, number]; size: number; gso: boolean } {
  const family = args.transport === 'unix' ? AF_UNIX : AF_INET;
  return {
    family,
    address: (where) => (args.transport === 'unix' ? where : ['127.0.0.1', Number(where)]),
    size: datagramSize(args.workload),
    gso: args.workload === 'gso64' || args.workload === 'gso1200',
  };
}

function listen(args: Args, mode: Mode): Socket {
  const { family, address, gso } = setup(args);
  const s = socket(family, SOCK_DGRAM);
  s.setsockopt(SOL_SOCKET, SO_RCVBUF, 8 << 20);
  if (gso && mode !== 'single') s.setsockopt(SOL_UDP!, UDP_GRO!, 1); // Linux
  s.bind(address(args.transport === 'unix' ? args.where : '0'));
  ready(args.transport === 'unix' ? args.where : (s.getsockname() as [string, number])[1]);
  return s;
}

/** The receive buffers: one 64 KiB each when receives may be GRO-coalesced, else 2 KiB. */
function buffers(gso: boolean): Buffer[] {
  return Array.from({ length: BATCH }, () => Buffer.alloc(gso ? 65536 : 2048));
}

/**
 * Counts the datagrams of `count` messages received into `bufs`, each split
 * by its GRO segment size: -1 - the message index when an 'E' ends the run.
 */
function tally(bufs: Buffer[], count: number, sizes: Uint32Array, segs: Uint32Array, total: { n: number }): number {
  for (let i = 0; i < count; i++) {
    const n = sizes[i]!;
    const seg = segs[i]! || n || 1;
    const b = bufs[i]!;
    for (let off = 0; off < n; off += seg) {
      const first = b[off];
      if (first === 0x44) total.n++;
      else if (first === 0x45) return -1 - i;
    }
  }
  return 0;
}

/** The batches a client sends: `count` datagrams at most per batch of messages. */
function batchOf(args: Args, to: string | [string, number], data: Buffer, datagrams: number): MmsgMessage[] {
  const { size, gso } = setup(args);
  const unix = args.transport === 'unix';
  const msgs: MmsgMessage[] = [];
  for (let left = datagrams; left > 0; ) {
    if (gso) {
      const k = Math.min(left, GSO_SEGS);
      msgs.push([k === GSO_SEGS ? data : data.subarray(0, k * size), to, size]);
      left -= k;
    } else {
      msgs.push(unix ? data : [data, to]);
      left--;
    }
  }
  return msgs;
}

/** Datagrams in a message of `batchOf`. */
function datagramsOf(m: MmsgMessage, size: number): number {
  return Array.isArray(m) && m.length === 3 ? Math.ceil((m[0] as Buffer).length / size) : 1;
}

export function server(args: Args, mode: Mode): void | Promise<void> {
  const s = listen(args, mode);
  const { gso } = setup(args);
  if (mode === 'single') {
    const buf = Buffer.alloc(65536);
    let count = 0;
    for (;;) {
      const [n, from] = s.recvfromInto(buf);
      if (n > 0 && buf[0] === 0x44) count++;
      else if (n > 0 && buf[0] === 0x45) {
        s.sendto(putU64(count), from!);
        break;
      }
    }
    s.close();
    return;
  }
  const bufs = buffers(gso);
  const total = { n: 0 };
  if (mode === 'sync') {
    for (;;) {
      const r = s.recvmmsgInto(bufs);
      const end = tally(bufs, r.count, r.sizes, r.segmentSizes, total);
      if (end < 0) {
        s.sendto(putU64(total.n), r.address(-1 - end)!);
        break;
      }
    }
    s.close();
    return;
  }
  return (async () => {
    for (;;) {
      const r = await s.recvmmsgIntoAsync(bufs);
      const end = tally(bufs, r.count, r.sizes, r.segmentSizes, total);
      if (end < 0) {
        await s.sendtoAsync(putU64(total.n), r.address(-1 - end)!);
        break;
      }
    }
    s.close();
  })();
}

export function client(args: Args, mode: Mode): void | Promise<void> {
  const { family, address, size, gso } = setup(args);
  const s = socket(family, SOCK_DGRAM);
  const to = address(args.where);
  if (args.transport === 'unix') {
    s.bind('');
    s.connect(to); // see bench/c/bench.c: lets a sender wait for room
  }
  const count = args.count;
  const warm = warmDatagrams(count);
  const data = Buffer.alloc((gso && mode !== 'single' ? GSO_SEGS : 1) * size, 'D');
  if (mode === 'single') {
    for (let i = 0; i < warm; i++) s.sendto(data, to);
    const t0 = now();
    for (let i = 0; i < count; i++) s.sendto(data, to);
    reportBatch(askCount(s, to), warm + count, count, now() - t0, size);
    s.close();
    return;
  }
  const full = batchOf(args, to, data, BATCH);
  // Sends `n` datagrams in batches, the last one cut to what is left.
  const sendSync = (n: number): void => {
    for (let left = n; left > 0; ) {
      let msgs = left >= BATCH ? full : batchOf(args, to, data, left);
      while (msgs.length > 0) {
        const k = s.sendmmsg(msgs);
        for (let i = 0; i < k; i++) left -= datagramsOf(msgs[i]!, size);
        msgs = k === msgs.length ? [] : msgs.slice(k);
      }
    }
  };
  if (mode === 'sync') {
    sendSync(warm);
    const t0 = now();
    sendSync(count);
    reportBatch(askCount(s, to), warm + count, count, now() - t0, size);
    s.close();
    return;
  }
  const sendAsync = async (n: number): Promise<void> => {
    for (let left = n; left > 0; ) {
      const msgs = left >= BATCH ? full : batchOf(args, to, data, left);
      await s.sendmmsgAsync(msgs);
      for (const m of msgs) left -= datagramsOf(m, size);
    }
  };
  return (async () => {
    await sendAsync(warm);
    const t0 = now();
    await sendAsync(count);
    let reply: Buffer | null = null;
    for (let tries = 0; tries < 50 && reply === null; tries++) {
      await s.sendtoAsync('E', to);
      try {
        reply = await s.recvAsync(8, { signal: AbortSignal.timeout(200) });
      } catch {
        reply = null;
      }
    }
    reportBatch(reply, warm + count, count, now() - t0, size);
    s.close();
  })();
}

/** Runs one role of the batch workloads as `mode`. */
export function run(args: Args, mode: Mode): void {
  if (setup(args).gso && args.transport === 'unix') unsupported('no GSO over AF_UNIX');
  const done = args.role === 'server' ? server(args, mode) : client(args, mode);
  if (done !== undefined) {
    done.catch((err: unknown) => {
      process.stderr.write(`${String(err)}\n`);
      process.exit(1);
    });
  }
}
