// The floor of event-loop code in a Node process: bsdsock's native poller
// (one libuv uv_poll_t) driven by bare callbacks that make each syscall
// through the binding's raw hot path. No promises, no queues, no argument
// checks, no error objects.
//
// This is not an API and not how to use bsdsock (it reaches into dist/'s
// internal modules). It measures how fast any asynchronous code could be in
// a Node process on this machine, paying only what every event-loop program
// pays: libuv's wait, the callback into JavaScript, the syscalls. bench/run.ts
// compares it with Node's net and dgram to tell a target that the async
// methods miss from one that no Node code could meet.
//
// The echo workload's floor upper-cases the bytes in place, with no string.
// bulk-recv and dgram-recvfrom are declined: their point is a call that
// returns fresh bytes, and the floor's reused buffer is its bulk and dgram.

import { constants } from 'node:os';

import {
  AF_INET,
  AF_UNIX,
  IPPROTO_TCP,
  MSG_DONTWAIT,
  SHUT_WR,
  SOCK_DGRAM,
  SOCK_NONBLOCK,
  SOCK_STREAM,
  SOL_SOCKET,
  SO_RCVBUF,
  SO_REUSEADDR,
  SO_TYPE,
  TCP_NODELAY,
  socket,
  socketpair,
  type Socket,
} from '../../dist';
import { decodeAddrOut, toSockaddr } from '../../dist/address';
import { native } from '../../dist/binding';
import { END, getsockoptInt, recv, recvfrom, send, sendto } from '../../dist/fast';
import { askCount } from './bsdsock-datagrams';
import {
  CHUNK as CHUNK_SIZE,
  ECHO_MSG,
  ECHO_READ as ECHO_READ_SIZE,
  MSG as MSG_SIZE,
  getU64,
  instructionLoops,
  isBatch,
  now,
  parseArgs,
  putU64,
  ready,
  report,
  reportDatagrams,
  reportOverhead,
  unsupported,
  warmBytes,
  warmDatagrams,
} from './common';

const args = parseArgs(process.argv.slice(2));
if (isBatch(args.workload)) unsupported('the floor has no batch calls');
const family: number = args.transport === 'unix' ? AF_UNIX : AF_INET;
const EAGAIN = -constants.errno.EAGAIN;
const ENOBUFS = -constants.errno.ENOBUFS;
// The callbacks read these copies, not the imports, which cost a getter call
// each (see common.ts).
const MSG = MSG_SIZE;
const CHUNK = CHUNK_SIZE;
const ECHO_READ = ECHO_READ_SIZE;

function fail(what: string, r: number): never {
  throw new Error(`${what}: errno ${-r}`);
}

/**
 * Calls `onReady` whenever `s` is ready for `events`; it returns once a
 * syscall would block. The returned stop() closes the poller and gives the
 * socket its blocking mode back (uv_poll_init made the fd non-blocking).
 */
function watch(s: Socket, events: number, onReady: () => void): () => void {
  const poller = new native.Poller(s.fileno(), (status) => {
    if (status < 0) fail('poll', status);
    onReady();
  });
  const r = poller.status() < 0 ? poller.status() : poller.start(events);
  if (r < 0) fail('poller', r);
  return () => {
    poller.close();
    s.setblocking(true);
  };
}

/** Sends 64 bytes; the one message in flight always fits in an empty socket buffer. */
function sendMsg(s: Socket, msg: Buffer): void {
  const n = send(s.fileno(), msg, 0, MSG, MSG_DONTWAIT);
  if (n < 0) fail('send', n);
  if (n < MSG) s.sendall(msg.subarray(n));
}

function server(): void {
  const s = socket(family, SOCK_STREAM);
  s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
  s.bind(args.transport === 'unix' ? args.where : ['127.0.0.1', 0]);
  s.listen(16);
  ready(args.transport === 'unix' ? args.where : (s.getsockname() as [string, number])[1]);
  const [c] = s.accept();
  if (args.transport === 'tcp') c.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
  const fd = c.fileno();
  const buf = Buffer.alloc(CHUNK);
  let stop: () => void;
  const finish = (reply: Buffer | null) => {
    stop();
    if (reply !== null) c.sendall(reply);
    c.close();
    s.close();
  };
  if (args.workload === 'echo') {
    stop = watch(c, native.UV_READABLE, () => {
      for (;;) {
        const n = recv(fd, buf, 0, ECHO_READ, MSG_DONTWAIT);
        if (n === EAGAIN) return;
        if (n < 0) fail('recv', n);
        if (n === 0) return finish(null);
        for (let i = 0; i < n; i++) {
          const b = buf[i]!;
          if (b >= 0x61 && b <= 0x7a) buf[i] = b - 0x20;
        }
        const sent = send(fd, buf, 0, n, MSG_DONTWAIT);
        if (sent < 0) fail('send', sent);
        if (sent < n) c.sendall(buf.subarray(sent, n));
      }
    });
  } else if (args.workload === 'pingpong') {
    let got = 0;
    stop = watch(c, native.UV_READABLE, () => {
      for (;;) {
        const n = recv(fd, buf, got, MSG - got, MSG_DONTWAIT);
        if (n === EAGAIN) return;
        if (n < 0) fail('recv', n);
        if (n === 0) return finish(null);
        got += n;
        if (got === MSG) {
          got = 0;
          sendMsg(c, buf);
        }
      }
    });
  } else {
    let total = 0;
    stop = watch(c, native.UV_READABLE, () => {
      for (;;) {
        const n = recv(fd, buf, 0, CHUNK, MSG_DONTWAIT);
        if (n === EAGAIN) return;
        if (n < 0) fail('recv', n);
        if (n === 0) return finish(putU64(total));
        total += n;
      }
    });
  }
}

function readExact(s: Socket, buf: Buffer): void {
  for (let got = 0; got < buf.length; ) {
    const n = s.recvInto(buf.subarray(got));
    if (n === 0) throw new Error('short reply');
    got += n;
  }
}

function client(): void {
  const s = socket(family, SOCK_STREAM);
  s.connect(args.transport === 'unix' ? args.where : ['127.0.0.1', Number(args.where)]);
  if (args.transport === 'tcp') s.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
  const fd = s.fileno();
  const count = args.count;
  const buf = Buffer.alloc(CHUNK, 'D');
  if (args.workload === 'echo') {
    // Sends the message, reads until 64 bytes are back, checks they are the message upper-cased.
    const msg = Buffer.from(ECHO_MSG);
    const expected = Buffer.from(ECHO_MSG.toUpperCase());
    const warm = Math.floor(count / 10);
    let done = 0;
    let got = 0;
    let t0 = now();
    const stop = watch(s, native.UV_READABLE, () => {
      for (;;) {
        const n = recv(fd, buf, got, ECHO_READ - got, MSG_DONTWAIT);
        if (n === EAGAIN) return;
        if (n <= 0) fail('recv', n);
        got += n;
        if (got < MSG) continue;
        if (got !== MSG || buf.compare(expected, 0, MSG, 0, MSG) !== 0) {
          throw new Error(`the reply is not the upper-cased message: ${JSON.stringify(buf.toString('latin1', 0, got))}`);
        }
        got = 0;
        done++;
        if (done === warm) t0 = now();
        if (done === warm + count) {
          const t1 = now();
          stop();
          s.close();
          return report(count, count * MSG, t1 - t0);
        }
        sendMsg(s, msg);
      }
    });
    sendMsg(s, msg);
    return;
  }
  if (args.workload === 'pingpong') {
    const warm = Math.floor(count / 10);
    let done = 0;
    let got = 0;
    let t0 = now();
    const stop = watch(s, native.UV_READABLE, () => {
      for (;;) {
        const n = recv(fd, buf, got, MSG - got, MSG_DONTWAIT);
        if (n === EAGAIN) return;
        if (n <= 0) fail('recv', n);
        got += n;
        if (got < MSG) continue;
        got = 0;
        done++;
        if (done === warm) t0 = now();
        if (done === warm + count) {
          const t1 = now();
          stop();
          s.close();
          return report(count, count * MSG, t1 - t0);
        }
        sendMsg(s, buf);
      }
    });
    sendMsg(s, buf);
    return;
  }
  const warm = warmBytes(count);
  let left = warm + count;
  let off = 0; // into the current chunk
  let t0 = warm === 0 ? now() : 0;
  const stop = watch(s, native.UV_WRITABLE, () => {
    for (;;) {
      if (left === 0) {
        stop();
        s.shutdown(SHUT_WR);
        const reply = Buffer.alloc(8);
        readExact(s, reply);
        const t1 = now();
        if (getU64(reply) !== warm + count) throw new Error(`server counted ${getU64(reply)}, sent ${warm + count}`);
        s.close();
        return report(Math.ceil(count / CHUNK), count, t1 - t0);
      }
      // The warm-up bytes and the timed ones are chunked separately, as in the other clients.
      const chunk = Math.min(CHUNK, left > count ? left - count : left);
      const n = send(fd, buf, off, chunk - off, MSG_DONTWAIT);
      if (n === EAGAIN) return;
      if (n < 0) fail('send', n);
      off += n;
      if (off === chunk) {
        left -= chunk;
        off = 0;
        if (left === count) t0 = now();
      }
    }
  });
}

// Datagrams: the server reads until a read would block, as the stream
// server does. The client sends until a send would block (over UDP loopback
// it never does: the kernel drops what the receiver has no room for), so its
// sending runs as in a blocking loop, with the event loop's turns only where
// AF_UNIX makes it wait for room.

function dgramServer(): void {
  const s = socket(family, SOCK_DGRAM);
  s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
  s.setsockopt(SOL_SOCKET, SO_RCVBUF, 8 << 20);
  s.bind(args.transport === 'unix' ? args.where : ['127.0.0.1', 0]);
  ready(args.transport === 'unix' ? args.where : (s.getsockname() as [string, number])[1]);
  const fd = s.fileno();
  const buf = Buffer.alloc(CHUNK);
  let count = 0;
  const stop = watch(s, native.UV_READABLE, () => {
    for (;;) {
      const n = recvfrom(fd, buf, 0, CHUNK, MSG_DONTWAIT);
      if (n === EAGAIN) return;
      if (n < 0) fail('recvfrom', n);
      if (n > 0 && buf[0] === 0x44 /* D */) count++;
      else if (n > 0 && buf[0] === 0x45 /* E */) {
        const from = decodeAddrOut();
        stop();
        s.sendto(putU64(count), from!);
        s.close();
        return;
      }
    }
  });
}

function dgramClient(): void {
  const s = socket(family, SOCK_DGRAM);
  const to = args.transport === 'unix' ? args.where : (['127.0.0.1', Number(args.where)] as [string, number]);
  if (args.transport === 'unix') {
    s.bind('');
    s.connect(to); // see bench/c/bench.c: without it, waiting for room would spin
  }
  const sockaddr = toSockaddr(family, to, 'sendto', false)!;
  const fd = s.fileno();
  const msg = Buffer.alloc(MSG, 'D');
  const count = args.count;
  const warm = warmDatagrams(count);
  let left = warm + count;
  let t0 = warm === 0 ? now() : 0;
  const stop = watch(s, native.UV_WRITABLE, () => {
    for (;;) {
      if (left === 0) {
        stop();
        reportDatagrams(askCount(s, to), warm + count, count, now() - t0);
        s.close();
        return;
      }
      const n = sendto(fd, msg, 0, MSG, MSG_DONTWAIT, sockaddr);
      if (n === EAGAIN) return;
      if (n === ENOBUFS) continue; // as C does
      if (n < 0) fail('sendto', n);
      if (--left === count) t0 = now();
    }
  });
}

/**
 * The binding-overhead loops with the raw hot-path calls the Socket methods
 * make, and nothing around them: the cost of crossing into Node-API and back
 * for the same syscall, which bsdsock's own layer adds to.
 */
function overhead(): void {
  const [a, b] = socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK!); // Linux
  const fd = a.fileno();
  const buf = Buffer.alloc(MSG);
  reportOverhead(
    args.count,
    () => {
      if (getsockoptInt(fd, SOL_SOCKET, SO_TYPE) < 0) fail('getsockopt', -1);
    },
    () => {
      if (recv(fd, buf, 0, END, MSG_DONTWAIT) !== EAGAIN) fail('recv', -1);
    },
  );
  a.close();
  b.close();
}

/**
 * The loops of bench/instructions.ts that the raw calls can make: a send
 * and a recv into one buffer, getsockopt(SO_TYPE), and a would-block recv
 * (its -EAGAIN is a return value, not an exception).
 */
function instructions(): void {
  const [a, b] = socketpair();
  const [na, nb] = socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK!);
  const afd = a.fileno();
  const bfd = b.fileno();
  const nbfd = nb.fileno();
  const msg = Buffer.from(ECHO_MSG);
  const buf = Buffer.alloc(CHUNK);
  instructionLoops(args.count, args.count2, [
    [
      'pairInto',
      (n) => {
        for (let i = 0; i < n; i++) {
          if (send(afd, msg, 0, MSG, 0) !== MSG) fail('send', -1);
          if (recv(bfd, buf, 0, ECHO_READ, 0) !== MSG) fail('recv', -1);
        }
      },
    ],
    [
      'getsockopt',
      (n) => {
        for (let i = 0; i < n; i++) if (getsockoptInt(afd, SOL_SOCKET, SO_TYPE) < 0) fail('getsockopt', -1);
      },
    ],
    [
      'eagain',
      (n) => {
        for (let i = 0; i < n; i++) if (recv(nbfd, buf, 0, MSG, 0) !== EAGAIN) fail('recv', -1);
      },
    ],
  ]);
  for (const s of [a, b, na, nb]) s.close();
}

if (args.role === 'overhead') overhead();
else if (args.role === 'instructions') instructions();
else if (args.role === 'micro') {
  process.stderr.write('the floor has no micro mode\n');
  process.exit(2);
} else if (args.workload === 'bulk-recv' || args.workload === 'dgram-recvfrom') {
  unsupported('the floor receives into one buffer: its bulk and dgram runs are the floor of these');
} else if (args.workload === 'dgram') (args.role === 'server' ? dgramServer : dgramClient)();
else (args.role === 'server' ? server : client)();
