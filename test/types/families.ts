// Type tests: the types of a socket follow its family and type. Compiled by
// `npm run typecheck` against the published declarations (dist/, through the
// package's own name), never run. Each `// @ts-expect-error` line must fail
// to compile.

import { Buffer } from 'node:buffer';

import {
  AF_INET,
  AF_INET6,
  AF_KEY,
  AF_UNIX,
  SOCK_DGRAM,
  SOCK_RAW,
  SOCK_STREAM,
  Socket,
  createConnection,
  createConnectionAsync,
  createServer,
  fromfd,
  getaddrinfo,
  hasFamily,
  hasType,
  socket,
  socketpair,
  type AddressOf,
  type Inet6SocketAddress,
  type InetAddress,
  type InetSocketAddress,
  type SenderOf,
  type SocketAddress,
  type SocketAddressOf,
  type UnixSocketAddress,
} from 'bsdsock';

import { check, exactly, type Equal } from './expect';

export function ipv4(): void {
  const s = socket(AF_INET, SOCK_STREAM);
  exactly<Socket<AF_INET, SOCK_STREAM>>()(s);
  exactly<Socket<AF_INET, SOCK_STREAM>>()(socket()); // the defaults
  exactly<InetSocketAddress>()(s.getsockname());
  exactly<InetSocketAddress>()(s.getpeername());
  // The trial's first TS2345: the port of getsockname() is a number.
  const [, port] = s.getsockname();
  exactly<number>()(port);
  socket().connect(['127.0.0.1', port]);
  const [conn, address] = s.accept();
  exactly<Socket<AF_INET, SOCK_STREAM>>()(conn);
  exactly<InetSocketAddress>()(address);
  exactly<Socket<AF_INET, SOCK_STREAM>>()(s.dup());
  exactly<AF_INET>()(s.family);
  exactly<SOCK_STREAM>()(s.type);
  // A stream socket's sender may be absent (recvfrom on a connected stream).
  exactly<readonly [Buffer, InetSocketAddress | null]>()(s.recvfrom(10));
  // @ts-expect-error: an AF_INET socket takes [host, port], not a path
  s.bind('/tmp/x');
  // @ts-expect-error: nor a 4-tuple
  s.connect(['::1', 80, 0, 0]);
}

export function ipv6(): void {
  const s = socket(AF_INET6);
  exactly<Inet6SocketAddress>()(s.getsockname());
  const [host, port, flowinfo, scopeId] = s.getsockname();
  exactly<string>()(host);
  exactly<number>()(port + flowinfo + scopeId);
  s.bind(['::1', 0]);
  s.bind(['::1', 0, 0, 0]);
}

export async function datagrams(): Promise<void> {
  // The UDP echo server: recvfrom's sender goes straight back to sendto.
  const s = socket(AF_INET, SOCK_DGRAM);
  const [data, addr] = s.recvfrom(1024);
  exactly<InetSocketAddress>()(addr);
  s.sendto(data, addr);
  s.sendto(data, 0, addr);
  exactly<readonly [number, InetSocketAddress]>()(s.recvfromInto(new Uint8Array(8)));
  exactly<readonly [Buffer, InetSocketAddress]>()(await s.recvfromAsync(1024));
  exactly<readonly [number, InetSocketAddress]>()(await s.recvfromIntoAsync(new Uint8Array(8), 8, 0));
  const [, , , sender] = s.recvmsg(1024);
  exactly<InetSocketAddress>()(sender);
  exactly<InetSocketAddress>()((await s.recvmsgAsync(1024, 0, 0))[3]);
  exactly<InetSocketAddress>()(s.recvmsgInto([new Uint8Array(8)])[3]);
  exactly<InetSocketAddress>()((await s.recvmsgIntoAsync([new Uint8Array(8)]))[3]);
  await s.sendtoAsync('x', addr);
  const raw = socket(AF_INET6, SOCK_RAW, 58);
  exactly<Inet6SocketAddress>()(raw.recvfrom(1500)[1]);
}

export async function unix(): Promise<void> {
  const s = socket(AF_UNIX, SOCK_STREAM);
  exactly<UnixSocketAddress>()(s.getsockname());
  s.bind('/tmp/app.sock');
  s.bind(Buffer.from('\0abstract'));
  // @ts-expect-error: an AF_UNIX socket takes a path
  s.bind(['127.0.0.1', 0]);
  const d = socket(AF_UNIX, SOCK_DGRAM);
  // An unbound AF_UNIX sender has no address: null, as CPython's None.
  exactly<UnixSocketAddress | null>()(d.recvfrom(10)[1]);
  const [a, b] = socketpair();
  exactly<Socket<AF_UNIX, SOCK_STREAM>>()(a);
  exactly<Socket<AF_UNIX, SOCK_DGRAM>>()(socketpair(AF_UNIX, SOCK_DGRAM)[1]);
  exactly<readonly [Socket<AF_UNIX, SOCK_STREAM>, UnixSocketAddress]>()(await b.acceptAsync());
}

export function otherFamilies(): void {
  // AF_KEY exists only on Linux: undefined elsewhere, so it is checked.
  // @ts-expect-error: possibly undefined
  socket(AF_KEY, SOCK_RAW);
  if (AF_KEY === undefined) return;
  const n = socket(AF_KEY, SOCK_RAW, 2);
  // A family without typed addresses takes and returns the raw struct sockaddr.
  exactly<Buffer>()(n.getsockname());
  n.bind(new Uint8Array(16));
  // @ts-expect-error: not a [host, port]
  n.bind(['127.0.0.1', 0]);
  // @ts-expect-error: not a [pid, groups] either
  n.bind([0, 0]);
  exactly<Buffer | null>()(n.recvfrom(100)[1]); // whether every sender has an address is the family's business
}

export function unknownFamily(fd: number): void {
  // An fd of unknown family: every family's address, until a guard says which.
  const s = fromfd(fd, AF_INET, SOCK_STREAM);
  exactly<Socket>()(s);
  exactly<Socket<number, number>>()(new Socket(undefined, undefined, undefined, fd));
  exactly<SocketAddress>()(s.getsockname());
  // @ts-expect-error: a string or a Buffer has no port
  const [, port]: readonly [string, number] = s.getsockname();
  void port;
  if (hasFamily(s, AF_INET)) {
    const [host, p] = s.getsockname();
    exactly<string>()(host);
    exactly<number>()(p);
    exactly<Socket<AF_INET, number>>()(s);
  }
  if (hasFamily(s, AF_UNIX)) exactly<UnixSocketAddress>()(s.getsockname());
  const u = new Socket(AF_INET6, undefined, undefined, fd); // a family given with an fd is not trusted
  exactly<Socket>()(u);
  // A socket whose family is only known as a number is any family.
  const family: number = AF_INET;
  exactly<Socket<number, SOCK_STREAM>>()(socket(family, SOCK_STREAM));
  // The type guard of the socket type: a datagram's sender is then not null.
  const t = socket(AF_INET, Number(process.env.TYPE));
  exactly<InetSocketAddress | null>()(t.recvfrom(1)[1]);
  if (hasType(t, SOCK_DGRAM)) exactly<InetSocketAddress>()(t.recvfrom(1)[1]);
}

export async function helpers(): Promise<void> {
  exactly<Socket<AF_INET, SOCK_STREAM>>()(createServer(['127.0.0.1', 0]));
  exactly<Socket<AF_INET6, SOCK_STREAM>>()(createServer(['::1', 0], { family: AF_INET6, dualstackIpv6: true }));
  exactly<Socket<AF_UNIX, SOCK_STREAM>>()(createServer('/tmp/app.sock', { family: AF_UNIX }));
  // @ts-expect-error: AF_INET by default: a path is no AF_INET address
  createServer('/tmp/app.sock');
  const [, port] = createServer(['127.0.0.1', 0]).getsockname();
  const c = createConnection(['localhost', port], 5);
  exactly<Socket<AF_INET | AF_INET6, SOCK_STREAM>>()(c);
  // Either family's address: [host, port] first in both.
  const [host, cport] = c.getsockname();
  exactly<string>()(host);
  exactly<number>()(cport);
  exactly<Socket<AF_INET | AF_INET6, SOCK_STREAM>>()(await createConnectionAsync(['localhost', port]));
  // getaddrinfo's entries carry the family with the address: no cast to connect.
  for (const [family, type, proto, , sockaddr] of getaddrinfo('localhost', port)) {
    const s = socket(family, type, proto);
    s.connect(sockaddr);
    const [h, p] = sockaddr;
    exactly<string>()(h);
    exactly<number>()(p);
  }
}

export function typeUtilities(): void {
  check<Equal<AddressOf<AF_INET>, InetAddress>>();
  check<Equal<SocketAddressOf<AF_INET6>, Inet6SocketAddress>>();
  check<Equal<SocketAddressOf<number>, SocketAddress>>();
  check<Equal<SenderOf<AF_INET, SOCK_DGRAM>, InetSocketAddress>>();
  check<Equal<SenderOf<AF_INET, SOCK_STREAM>, InetSocketAddress | null>>();
  check<Equal<SocketAddressOf<AF_INET | AF_INET6>, InetSocketAddress | Inet6SocketAddress>>();
  // @ts-expect-error: not the same type
  check<Equal<SocketAddressOf<AF_INET>, SocketAddress>>();
}
