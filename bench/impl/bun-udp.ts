// Bun's UDP socket (Bun.udpSocket), run by Bun itself (the npm package
// `bun`, a devDependency): the batch workloads over UDP, the client sending
// 64 datagrams per `sendMany` call (Bun's batched send, sendmmsg(2) on
// Linux), waiting for its 'drain' when a call takes fewer; the server
// counting in its `data` handler. Bun's udpSocket has no AF_UNIX, no GSO
// and no receive buffer size option (the other servers ask for 8 MiB).

import { BATCH, datagramSize, isBatch, now, parseArgs, putU64, ready, reportBatch, unsupported, warmDatagrams } from './common';

interface BunUdpSocket {
  readonly port: number;
  send(data: Buffer | string, port: number, address: string): boolean;
  sendMany(packets: Array<Buffer | number | string>): number;
  close(): void;
}
interface BunUdpHandlers {
  data?(socket: BunUdpSocket, data: Buffer, port: number, address: string): void;
  drain?(socket: BunUdpSocket): void;
}
declare const Bun: {
  udpSocket(options: { hostname?: string; port?: number; socket?: BunUdpHandlers }): Promise<BunUdpSocket>;
};

const args = parseArgs(process.argv.slice(2));
if (!isBatch(args.workload)) unsupported('only the batch workloads');
if (args.transport !== 'udp') unsupported("Bun's udpSocket is UDP only");
if (args.workload === 'gso64' || args.workload === 'gso1200') unsupported("Bun's udpSocket has no GSO");

async function server(): Promise<void> {
  let count = 0;
  const s = await Bun.udpSocket({
    hostname: '127.0.0.1',
    port: 0,
    socket: {
      data(sock, buf, port, address) {
        if (buf[0] === 0x44) count++;
        else if (buf[0] === 0x45) {
          sock.send(putU64(count), port, address);
          sock.close();
        }
      },
    },
  });
  ready(s.port);
}

async function client(): Promise<void> {
  let drained: (() => void) | null = null;
  let answered: (() => void) | null = null;
  let reply: Buffer | null = null;
  const s = await Bun.udpSocket({
    socket: {
      drain() {
        drained?.();
      },
      data(_sock, buf) {
        reply = Buffer.from(buf);
        answered?.();
      },
    },
  });
  const port = Number(args.where);
  const size = datagramSize(args.workload);
  const msg = Buffer.alloc(size, 'D');
  const full: Array<Buffer | number | string> = [];
  for (let i = 0; i < BATCH; i++) full.push(msg, port, '127.0.0.1');
  const send = async (n: number): Promise<void> => {
    for (let left = n; left > 0; ) {
      let packets = left >= BATCH ? full : full.slice(0, 3 * left);
      for (;;) {
        const sent = s.sendMany(packets);
        left -= sent;
        if (sent * 3 === packets.length) break;
        packets = packets.slice(sent * 3);
        await new Promise<void>((resolve) => (drained = resolve));
      }
    }
  };
  const count = args.count;
  const warm = warmDatagrams(count);
  await send(warm);
  const t0 = now();
  await send(count);
  for (let tries = 0; tries < 50 && reply === null; tries++) {
    s.send('E', port, '127.0.0.1');
    await new Promise<void>((resolve) => {
      answered = resolve;
      setTimeout(resolve, 200);
    });
  }
  reportBatch(reply, warm + count, count, now() - t0, size);
  s.close();
}

(args.role === 'server' ? server() : client()).catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
