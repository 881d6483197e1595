// Node's own modules, as a Node programmer writes them: net for streams
// (with noDelay, since Nagle would dominate a ping-pong), dgram for UDP.
// Node has no AF_UNIX datagram sockets.
//
// Node hands every 'data' and 'message' event a Buffer of its own, so its
// bulk and dgram servers already receive as the Python-shaped bulk-recv and
// dgram-recvfrom ones do: those run the same code here.

import dgram = require('node:dgram');
import net = require('node:net');

import {
  CHUNK as CHUNK_SIZE,
  ECHO_MSG,
  MSG as MSG_SIZE,
  datagramSize,
  getU64,
  isBatch,
  isDatagram,
  now,
  parseArgs,
  putU64,
  ready,
  report,
  reportBatch,
  unsupported,
  warmBytes,
  warmDatagrams,
} from './common';

const args = parseArgs(process.argv.slice(2));
// The callbacks read these copies, not the imports, which cost a getter call
// each (see common.ts).
const MSG = MSG_SIZE;
const CHUNK = CHUNK_SIZE;

function streamServer(): void {
  const srv = net.createServer({ noDelay: true }, (c) => {
    srv.close();
    if (args.workload === 'echo') {
      // The seeds' upper-case echo, as a Node programmer writes it.
      c.on('data', (d: Buffer) => c.write(d.toString().toUpperCase()));
      c.on('end', () => c.end());
    } else if (args.workload === 'pingpong') {
      // Echo every complete 64-byte message; keep a partial one for later.
      let pending: Buffer = Buffer.alloc(0);
      c.on('data', (d: Buffer) => {
        pending = pending.length === 0 ? d : Buffer.concat([pending, d]);
        const whole = pending.length - (pending.length % MSG);
        if (whole > 0) {
          c.write(pending.subarray(0, whole));
          pending = pending.subarray(whole);
        }
      });
      c.on('end', () => c.end());
    } else {
      let total = 0;
      c.on('data', (d: Buffer) => {
        total += d.length;
      });
      c.on('end', () => c.end(putU64(total)));
    }
  });
  const onListening = () => ready(args.transport === 'unix' ? args.where : (srv.address() as net.AddressInfo).port);
  if (args.transport === 'unix') srv.listen(args.where, onListening);
  else srv.listen(0, '127.0.0.1', onListening);
}

function streamClient(): void {
  const c =
    args.transport === 'unix' ? net.connect(args.where) : net.connect({ port: Number(args.where), host: '127.0.0.1', noDelay: true });
  const count = args.count;
  c.on('connect', () => {
    if (args.workload === 'echo') {
      // Sends the message, gathers the reply until it has 64 bytes, checks it.
      const msg = ECHO_MSG;
      const expected = msg.toUpperCase();
      const warm = Math.floor(count / 10);
      let done = 0;
      let reply = '';
      let t0 = 0;
      c.setEncoding('utf8');
      c.on('data', (d: string) => {
        reply += d;
        if (reply.length < MSG) return;
        if (reply !== expected) throw new Error(`the reply is not the upper-cased message: ${JSON.stringify(reply)}`);
        reply = '';
        done++;
        if (done === warm) t0 = now();
        if (done === warm + count) {
          report(count, count * MSG, now() - t0);
          c.end();
          return;
        }
        c.write(msg);
      });
      if (warm === 0) t0 = now();
      c.write(msg);
    } else if (args.workload === 'pingpong') {
      const msg = Buffer.alloc(MSG, 'D');
      const warm = Math.floor(count / 10);
      let done = 0;
      let got = 0;
      let t0 = 0;
      c.on('data', (d: Buffer) => {
        got += d.length;
        while (got >= MSG) {
          got -= MSG;
          done++;
          if (done === warm) t0 = now();
          if (done === warm + count) {
            report(count, count * MSG, now() - t0);
            c.end();
            return;
          }
          c.write(msg);
        }
      });
      if (warm === 0) t0 = now();
      c.write(msg);
    } else {
      const chunk = Buffer.alloc(CHUNK, 'D');
      const warm = warmBytes(count);
      let t0 = 0;
      let left = warm + count;
      const pump = () => {
        while (left > 0) {
          if (left === count) t0 = now(); // the warm-up part is sent
          // Chunks are cut so that the warm-up ends on a chunk boundary.
          const n = Math.min(left > count ? left - count : left, CHUNK);
          left -= n;
          if (!c.write(n === CHUNK ? chunk : chunk.subarray(0, n))) return void c.once('drain', pump);
        }
        c.end();
      };
      let reply: Buffer = Buffer.alloc(0);
      c.on('data', (d: Buffer) => {
        reply = Buffer.concat([reply, d]);
      });
      c.on('end', () => {
        const t1 = now();
        if (getU64(reply) !== warm + count) throw new Error(`server counted ${getU64(reply)}, sent ${warm + count}`);
        report(Math.ceil(count / CHUNK), count, t1 - t0);
      });
      pump();
    }
  });
}

function dgramServer(): void {
  const s = dgram.createSocket({ type: 'udp4', recvBufferSize: 8 << 20 });
  let count = 0;
  s.on('message', (m, rinfo) => {
    if (m[0] === 0x44) count++;
    else if (m[0] === 0x45) s.send(putU64(count), rinfo.port, rinfo.address, () => s.close());
  });
  s.bind(0, '127.0.0.1', () => ready(s.address().port));
}

function dgramClient(): void {
  const s = dgram.createSocket('udp4');
  const port = Number(args.where);
  // 64 bytes, or 1,200 in batch1200: Node sends one datagram per send.
  const size = datagramSize(args.workload);
  const msg = Buffer.alloc(size, 'D');
  const count = args.count;
  const warm = warmDatagrams(count);
  const total = warm + count;
  let t0 = now();
  let sent = 0;
  let timer: NodeJS.Timeout | undefined;
  s.on('message', (m) => {
    clearInterval(timer);
    reportBatch(m, total, count, now() - t0, size);
    s.close();
  });
  // Node queues sends: keep a bounded number in flight, as a real program must.
  const pump = () => {
    let inFlight = 0;
    const next = () => {
      while (sent < total && inFlight < 64) {
        if (sent === warm) t0 = now();
        sent++;
        inFlight++;
        s.send(msg, port, '127.0.0.1', () => {
          inFlight--;
          if (sent < total) next();
          else if (inFlight === 0) finish();
        });
      }
    };
    next();
  };
  let tries = 0;
  const finish = () => {
    s.send('E', port, '127.0.0.1');
    timer = setInterval(() => {
      if (++tries >= 50) throw new Error('no answer');
      s.send('E', port, '127.0.0.1');
    }, 200);
  };
  s.bind(0, '127.0.0.1', pump);
}

if (args.role !== 'server' && args.role !== 'client') {
  process.stderr.write(`node-net has no ${args.role} mode\n`);
  process.exit(2);
}
// The batch workloads: dgram's code, one datagram per send (dgram has no batch call).
const datagrams = isDatagram(args.workload) || isBatch(args.workload);
if (args.workload === 'gso64' || args.workload === 'gso1200') unsupported('Node dgram has no GSO');
if (datagrams && args.transport === 'unix') unsupported('Node has no AF_UNIX datagram sockets');
if (datagrams) (args.role === 'server' ? dgramServer : dgramClient)();
else (args.role === 'server' ? streamServer : streamClient)();
