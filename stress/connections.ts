// The concurrent-connections scenario, as two processes (stress/run.ts
// starts both):
//
//   connections.ts server
//     An async bsdsock server on 127.0.0.1 (acceptAsync, recvAsync,
//     sendallAsync). Prints "port <n>", then for each "expect <n>" line on
//     stdin serves that many connections and prints a RESULT line: how many
//     it served, how many were open at once at most, the bytes checked each
//     way, and the errors. Each connection sends a 4-byte id and SIZE bytes
//     made from it; the server checks them and answers them complemented.
//     "stop" closes the listener and prints the socket fds it had before
//     listening and has after.
//
//   connections.ts client <net|bsdsock> <port> <n>
//     Opens n connections at once with Node's net or with bsdsock's async
//     calls, waits until all n are connected (so they are open together),
//     then sends on each and checks every byte of each answer.

import net = require('node:net');
import readline = require('node:readline');

import { SHUT_WR, SOMAXCONN, socket, type Socket } from '../lib';
import { answer, payload, report, socketFdSet, socketFds } from './common';

const SIZE = 1024;

async function readExactly(s: Socket, n: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let got = 0;
  while (got < n) {
    const d = await s.recvAsync(n - got);
    if (d.length === 0) throw new Error(`EOF after ${got} of ${n} bytes`);
    parts.push(d);
    got += d.length;
  }
  return Buffer.concat(parts);
}

async function server(): Promise<void> {
  // Node's and tsx's own sockets are there already: the figure counts the others.
  await new Promise<void>((resolve) => setImmediate(resolve));
  const baseline = socketFdSet();
  const before = socketFds(baseline);
  const l = socket();
  l.bind(['127.0.0.1', 0]);
  l.listen(SOMAXCONN);
  let open = 0;
  let maxOpen = 0;
  let served = 0;
  let bytes = 0;
  const errors: string[] = [];
  let expected = Infinity;
  let done: (() => void) | null = null;
  const serve = async (c: Socket): Promise<void> => {
    try {
      const head = await readExactly(c, 4);
      const id = head.readUInt32LE(0);
      const data = await readExactly(c, SIZE);
      if (!data.equals(payload(id, SIZE))) throw new Error(`connection ${id}: wrong bytes`);
      await c.sendallAsync(answer(data));
      const eof = await c.recvAsync(1);
      if (eof.length !== 0) throw new Error(`connection ${id}: data after the request`);
      bytes += 4 + SIZE;
    } catch (err) {
      if (errors.length < 10) errors.push(String(err));
    } finally {
      c.close();
      open--;
      served++;
      if (served >= expected) done?.();
    }
  };
  void (async () => {
    for (;;) {
      let c: Socket;
      try {
        [c] = await l.acceptAsync();
      } catch {
        return; // the listener closed
      }
      open++;
      maxOpen = Math.max(maxOpen, open);
      void serve(c);
    }
  })();
  process.stdout.write(`port ${(l.getsockname() as [string, number])[1]}\n`);
  for await (const line of readline.createInterface({ input: process.stdin })) {
    if (line.startsWith('expect ')) {
      served = 0;
      maxOpen = 0;
      bytes = 0;
      errors.length = 0;
      expected = Number(line.slice(7));
      await new Promise<void>((resolve) => {
        done = resolve;
      });
      report({ served, maxOpen, bytes, errors, openAfter: open });
    } else if (line === 'stop') {
      l.close();
      await new Promise<void>((resolve) => setImmediate(resolve));
      report({ socketFdsBefore: before, socketFdsAfter: socketFds(baseline) });
      process.stdin.destroy();
      return;
    }
  }
}

async function clientNet(port: number, n: number): Promise<object> {
  const sockets: net.Socket[] = [];
  await Promise.all(
    Array.from({ length: n }, () => new Promise<void>((resolve, reject) => {
      const s = net.connect({ host: '127.0.0.1', port }, resolve);
      s.once('error', reject);
      sockets.push(s);
    })),
  );
  const openTogether = sockets.filter((s) => !s.destroyed).length;
  let checked = 0;
  const errors: string[] = [];
  await Promise.all(
    sockets.map((s, id) => new Promise<void>((resolve) => {
      const chunks: Buffer[] = [];
      s.on('data', (d: Buffer) => chunks.push(d));
      s.on('error', (err) => {
        if (errors.length < 10) errors.push(String(err));
        resolve();
      });
      s.on('end', () => {
        const got = Buffer.concat(chunks);
        if (got.equals(answer(payload(id, SIZE)))) checked++;
        else if (errors.length < 10) errors.push(`connection ${id}: ${got.length} bytes, not the answer`);
        s.destroy();
        resolve();
      });
      const head = Buffer.alloc(4);
      head.writeUInt32LE(id, 0);
      s.end(Buffer.concat([head, payload(id, SIZE)]));
    })),
  );
  return { connected: sockets.length, openTogether, checked, errors };
}

async function clientBsdsock(port: number, n: number): Promise<object> {
  const sockets = Array.from({ length: n }, () => socket());
  const errors: string[] = [];
  await Promise.all(sockets.map((s) => s.connectAsync(['127.0.0.1', port])));
  const openTogether = sockets.filter((s) => !s.closed).length;
  let checked = 0;
  await Promise.all(
    sockets.map(async (s, id) => {
      try {
        const head = Buffer.alloc(4);
        head.writeUInt32LE(id, 0);
        await s.sendallAsync(Buffer.concat([head, payload(id, SIZE)]));
        s.shutdown(SHUT_WR); // the server reads EOF after the request
        const got = await readExactly(s, SIZE);
        if (got.equals(answer(payload(id, SIZE)))) checked++;
        else if (errors.length < 10) errors.push(`connection ${id}: not the answer`);
      } catch (err) {
        if (errors.length < 10) errors.push(String(err));
      } finally {
        s.close();
      }
    }),
  );
  return { connected: n, openTogether, checked, errors };
}

async function main(): Promise<void> {
  const [role, kind, port, n] = process.argv.slice(2);
  if (role === 'server') return server();
  await new Promise<void>((resolve) => setImmediate(resolve));
  const baseline = socketFdSet();
  const result = kind === 'net' ? await clientNet(Number(port), Number(n)) : await clientBsdsock(Number(port), Number(n));
  report({ ...result, socketFdsAfter: socketFds(baseline) });
}

void main();
