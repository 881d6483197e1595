// The select()-based chat server: one process, one thread, one listening
// socket, and select() over the listener and every client. Each line a
// client sends goes to all the *other* clients, prefixed with the sender's
// address; joins and leaves are announced. The lesson of the exercise is the
// per-client output buffer: the server never blocks on a slow client, it
// queues what that client has not taken yet and flushes it when select()
// says the socket is writable. The Python original:
//
//   import select, socket
//
//   server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
//   server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
//   server.bind(('127.0.0.1', 8888))
//   server.listen(5)
//   server.setblocking(False)
//   print('listening', *server.getsockname())
//
//   inputs = [server]           # sockets to read from
//   queues = {}                 # client -> bytes not yet sent to it
//   partial = {}                # client -> the start of a line not yet ended
//   names = {}                  # client -> 'host:port'
//
//   def broadcast(sender, data):
//       for s in inputs:
//           if s is not server and s is not sender:
//               queues[s] += data
//
//   def drop(s):
//       inputs.remove(s)
//       del queues[s], partial[s]
//       name = names.pop(s)
//       s.close()
//       print('left', *name.split(':'))
//       broadcast(None, b'* %s left\n' % name.encode())
//
//   while inputs:
//       outputs = [s for s in inputs if s is not server and queues[s]]
//       readable, writable, exceptional = select.select(inputs, outputs, inputs)
//       for s in readable:
//           if s is server:                          # a new client
//               conn, addr = server.accept()
//               conn.setblocking(False)
//               names[conn] = '%s:%d' % addr
//               queues[conn], partial[conn] = b'', b''
//               inputs.append(conn)
//               print('joined', *addr)
//               broadcast(conn, b'* %s joined\n' % names[conn].encode())
//           elif s in names:
//               try:
//                   data = s.recv(4096)
//               except BlockingIOError:
//                   continue
//               except ConnectionError:
//                   data = b''
//               if not data:                         # the client went away
//                   drop(s)
//                   continue
//               *lines, partial[s] = (partial[s] + data).split(b'\n')
//               for line in lines:
//                   broadcast(s, b'[%s] %s\n' % (names[s].encode(), line))
//       for s in writable:                           # flush the output buffers
//           if s in names:
//               try:
//                   sent = s.send(queues[s])
//                   queues[s] = queues[s][sent:]
//               except BlockingIOError:
//                   pass
//               except ConnectionError:
//                   drop(s)
//       for s in exceptional:                        # urgent (OOB) data: not
//           if s in names:                           # part of this protocol
//               drop(s)
//
// Usage: tsx examples/select-chat-server.ts [port] [--max-clients N]
//
// The port defaults to 0 (an ephemeral one). Prints `listening 127.0.0.1
// <port>` first, then `joined <host> <port>` and `left <host> <port>` as
// clients come and go. With --max-clients N it stops accepting after N
// clients (closing the listener), ends when the last of them has left, and
// prints `done`. Like Python's select.select, bsdsock's select() blocks the
// (only) thread: that is the point of a select() server.
//
// Differences from the sketch above, each for a reason: the line split keeps
// a list of chunks instead of re-concatenating (a long line arrives in many
// recv()s); an unterminated last line is still delivered when its sender
// leaves; a client that vanished during accept() (ECONNABORTED) is skipped.

import { parseArgs } from 'node:util';

import {
  SOL_SOCKET,
  SO_REUSEADDR,
  SocketError,
  select,
  socket,
  type Socket,
  type InetSocketAddress,
} from '../lib';

const NL = 0x0a;
/** Queued messages shorter than this are coalesced into one send() of at most SEND_CHUNK bytes. */
const SMALL = 16 * 1024;
const SEND_CHUNK = 64 * 1024;

interface Client {
  sock: Socket;
  /** Its address, [host, port]. */
  addr: [string, number];
  /** 'host:port', the prefix of its lines. */
  name: string;
  /** The output buffer: what is due to this client and not yet sent. */
  queue: Buffer[];
  /** The start of a line not yet ended, in pieces. */
  partial: Buffer[];
}

function say(line: string): void {
  // Synchronous on a pipe or a file on Linux: nothing waits for the loop.
  process.stdout.write(`${line}\n`);
}

function hostPort(addr: InetSocketAddress): [string, number] {
  const [host, port] = addr;
  return [host, port];
}

/** A --max-* count: a whole number >= 1, Infinity when absent, NaN when bad. */
function count(value: string | undefined): number {
  if (value === undefined) return Infinity;
  const n = value.trim() === '' ? NaN : Number(value);
  return Number.isInteger(n) && n >= 1 ? n : NaN;
}

/** A socket error that means "this client is gone" (Python's ConnectionError and friends). */
function gone(err: unknown): boolean {
  return (
    err instanceof SocketError &&
    ['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH'].includes(err.code)
  );
}

function wouldBlock(err: unknown): boolean {
  return err instanceof SocketError && err.code === 'EAGAIN';
}

function main(): void {
  const { values, positionals } = parseArgs({
    options: { 'max-clients': { type: 'string' } },
    allowPositionals: true,
  });
  const port = Number(positionals[0] ?? '0');
  const maxClients = count(values['max-clients']);
  if (!Number.isInteger(port) || port < 0 || port > 65535 || Number.isNaN(maxClients)) {
    process.stderr.write('usage: select-chat-server.ts [port] [--max-clients N]\n');
    process.exitCode = 2;
    return;
  }

  const server = socket();
  server.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
  server.bind(['127.0.0.1', port]);
  server.listen(5);
  server.setblocking(false);
  say(`listening ${hostPort(server.getsockname()).join(' ')}`);

  const clients = new Map<Socket, Client>();
  let accepting = true;
  let accepted = 0;

  function broadcast(sender: Client | null, data: Buffer): void {
    for (const c of clients.values()) if (c !== sender) c.queue.push(data);
  }

  function drop(c: Client): void {
    if (!clients.delete(c.sock)) return;
    c.sock.close();
    // An unterminated last line is still a line.
    if (c.partial.length > 0) broadcast(c, Buffer.concat([Buffer.from(`[${c.name}] `), ...c.partial, Buffer.from('\n')]));
    say(`left ${c.addr[0]} ${c.addr[1]}`);
    broadcast(null, Buffer.from(`* ${c.name} left\n`));
  }

  function join(): void {
    let conn: Socket;
    let addr: InetSocketAddress;
    try {
      [conn, addr] = server.accept();
    } catch (err) {
      // Readable, but the connection was reset before accept() took it.
      if (wouldBlock(err) || gone(err)) return;
      throw err;
    }
    conn.setblocking(false);
    const [host, p] = hostPort(addr);
    const c: Client = { sock: conn, addr: [host, p], name: `${host}:${p}`, queue: [], partial: [] };
    clients.set(conn, c);
    say(`joined ${host} ${p}`);
    broadcast(c, Buffer.from(`* ${c.name} joined\n`));
    if (++accepted === maxClients) {
      accepting = false;
      server.close();
    }
  }

  function receive(c: Client): void {
    let data: Buffer;
    try {
      data = c.sock.recv(4096);
    } catch (err) {
      if (wouldBlock(err)) return;
      if (!gone(err)) throw err;
      data = Buffer.alloc(0);
    }
    if (data.length === 0) {
      drop(c);
      return;
    }
    let start = 0;
    for (let nl = data.indexOf(NL); nl >= 0; nl = data.indexOf(NL, start)) {
      const line = Buffer.concat([Buffer.from(`[${c.name}] `), ...c.partial, data.subarray(start, nl + 1)]);
      c.partial = [];
      broadcast(c, line);
      start = nl + 1;
    }
    if (start < data.length) c.partial.push(data.subarray(start));
  }

  function flush(c: Client): void {
    while (c.queue.length > 0) {
      let head = c.queue[0];
      if (head === undefined) return;
      if (c.queue.length > 1 && head.length < SMALL) {
        // Coalesce small messages into one send().
        let n = 0;
        let k = 0;
        while (k < c.queue.length && n < SEND_CHUNK) n += c.queue[k++]?.length ?? 0;
        head = Buffer.concat(c.queue.splice(0, k));
        c.queue.unshift(head);
      }
      let sent: number;
      try {
        sent = c.sock.send(head);
      } catch (err) {
        if (wouldBlock(err)) return;
        if (!gone(err)) throw err;
        drop(c);
        return;
      }
      if (sent < head.length) {
        c.queue[0] = head.subarray(sent);
        return; // the kernel's buffer is full: wait for select() again
      }
      c.queue.shift();
    }
  }

  while (accepting || clients.size > 0) {
    const socks = [...clients.keys()];
    const inputs = accepting ? [server, ...socks] : socks;
    const outputs = socks.filter((s) => (clients.get(s)?.queue.length ?? 0) > 0);
    const [readable, writable, exceptional] = select(inputs, outputs, inputs);
    for (const s of readable) {
      if (s === server) join();
      else {
        const c = clients.get(s);
        if (c !== undefined) receive(c); // undefined: dropped earlier in this round
      }
    }
    for (const s of writable) {
      const c = clients.get(s);
      if (c !== undefined) flush(c);
    }
    for (const s of exceptional) {
      const c = clients.get(s);
      if (c !== undefined) drop(c);
    }
  }
  say('done');
}

main();
