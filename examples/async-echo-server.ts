// The upper-case echo server of examples/echo-server.ts, on the event loop:
// every client is served at once, and the loop stays free for timers and
// signals. The Python original, with asyncio's low-level socket calls:
//
//   import asyncio, socket
//
//   async def handle(loop, conn):
//       while data := await loop.sock_recv(conn, 1024):
//           await loop.sock_sendall(conn, data.upper())
//       conn.close()
//
//   async def main():
//       s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
//       s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
//       s.bind(('127.0.0.1', 8888))
//       s.listen(128)
//       s.setblocking(False)
//       loop = asyncio.get_running_loop()
//       while True:
//           conn, addr = await loop.sock_accept(s)
//           loop.create_task(handle(loop, conn))
//
//   asyncio.run(main())
//
// Usage: tsx examples/async-echo-server.ts [port] [--max-conns N]
//
// The first line printed is `listening 127.0.0.1 <port>` (port 0, the
// default, picks a free one). SIGINT or SIGTERM (or --max-conns N served)
// closes the listener, which rejects the pending acceptAsync() with EBADF and
// ends the accept loop; open connections are finished, then the process
// exits 0. A JS signal handler can run here because nothing blocks the loop.

import { parseArgs } from 'node:util';

import { SOL_SOCKET, SO_REUSEADDR, SocketError, socket, type Socket } from '../lib';

function upper(data: Buffer): Buffer {
  // Python's bytes.upper(): ASCII letters only, the length unchanged.
  const out = Buffer.from(data);
  for (let i = 0; i < out.length; i++) {
    const b = out[i];
    if (b !== undefined && b >= 0x61 && b <= 0x7a) out[i] = b - 0x20;
  }
  return out;
}

async function handle(conn: Socket): Promise<void> {
  try {
    for (;;) {
      const data = await conn.recvAsync(65536);
      if (data.length === 0) break; // the client closed its side
      await conn.sendallAsync(upper(data));
    }
  } catch (err) {
    if (!(err instanceof SocketError)) throw err;
    process.stdout.write(`error: ${err.message}\n`); // a reset client, say
  } finally {
    conn.close();
  }
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    options: { 'max-conns': { type: 'string' } },
    allowPositionals: true,
  });
  const port = Number(positionals[0] ?? '0');
  const maxConns = values['max-conns'] === undefined ? Infinity : Number(values['max-conns']);
  if (!Number.isInteger(port) || port < 0 || port > 65535 || !(maxConns >= 0)) {
    process.stderr.write('usage: async-echo-server.ts [port] [--max-conns N]\n');
    process.exitCode = 2;
    return;
  }

  const s = socket();
  s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
  s.bind(['127.0.0.1', port]);
  s.listen(128);
  const [host, bound] = s.getsockname();
  process.stdout.write(`listening ${host} ${bound}\n`);

  const stop = () => s.close(); // rejects the pending acceptAsync with EBADF
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);

  const clients = new Set<Promise<void>>();
  try {
    for (let served = 0; served < maxConns; served++) {
      const [conn] = await s.acceptAsync();
      const task = handle(conn).finally(() => clients.delete(task));
      clients.add(task);
    }
  } catch (err) {
    if (!(err instanceof SocketError && err.code === 'EBADF')) throw err;
  } finally {
    s.close();
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  await Promise.all(clients);
  process.stdout.write('stopped\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exitCode = 1;
});
