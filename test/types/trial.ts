// Programs of the strict-TypeScript trial that an example would only
// repeat: type-checked by npm run typecheck (strict, against the published
// declarations), never run here. Like the examples, they use no `as` cast
// and no non-null assertion (test/41.types checks).

import {
  AF_INET,
  AF_INET6,
  AF_UNIX,
  SOCK_DGRAM,
  SOCK_STREAM,
  SocketError,
  createServer,
  fromfd,
  getaddrinfo,
  hasFamily,
  hasType,
  recvFds,
  select,
  sendFds,
  socket,
  socketpair,
} from 'bsdsock';

/** A dual-stack server: IPv4 clients arrive as ::ffff:a.b.c.d, in 4-tuples. */
export function dualStackServer(): void {
  const server = createServer(['::', 0], { family: AF_INET6, dualstackIpv6: true });
  const [conn, [host, port, flowinfo, scopeId]] = server.accept();
  conn.sendall(`you are ${host} port ${port} (flow ${flowinfo}, scope ${scopeId})\n`);
  conn.close();
  server.close();
}

/** A socket handed over as an fd: of unknown family until checked. */
export function adoptedSocket(fd: number): string {
  const s = fromfd(fd, AF_INET, SOCK_STREAM);
  try {
    if (hasFamily(s, AF_INET)) {
      const [host, port] = s.getpeername();
      return `${host}:${port}`;
    }
    if (hasFamily(s, AF_UNIX)) {
      const name = s.getpeername();
      return typeof name === 'string' ? name : name.toString('hex');
    }
    return `family ${s.family}`;
  } finally {
    s.close();
  }
}

/** A datagram socket of unknown type: hasType makes its sender non-null. */
export function echoOnce(fd: number): void {
  const s = fromfd(fd, AF_INET, SOCK_DGRAM);
  if (hasFamily(s, AF_INET) && hasType(s, SOCK_DGRAM)) {
    const [data, sender] = s.recvfrom(2048);
    s.sendto(data, sender);
  }
  s.close();
}

/** Every address of a name, tried in order, as create_connection does. */
export function connectByName(host: string, port: number): string {
  for (const [family, type, proto, , sockaddr] of getaddrinfo(host, port, 0, SOCK_STREAM)) {
    const s = socket(family, type, proto);
    try {
      s.connect(sockaddr);
      const [local, localPort] = s.getsockname();
      s.close();
      return `${local} ${localPort}`;
    } catch (err) {
      s.close();
      if (!(err instanceof SocketError)) throw err;
    }
  }
  return 'no address answered';
}

/** A non-blocking connect completed with select(), then SO_ERROR: Python's recipe. */
export function nonBlockingConnect(port: number): number {
  const s = socket();
  s.setblocking(false);
  const err = s.connectEx(['127.0.0.1', port]);
  if (err !== 0) select([], [s], [], 5);
  const [, peerPort] = s.getpeername();
  s.close();
  return peerPort;
}

/** fd passing to a child, in its smallest form: one fd, one message. */
export function passFd(fd: number): number {
  const [parent, child] = socketpair(AF_UNIX, SOCK_STREAM);
  sendFds(parent, ['fd'], [fd]);
  const [, fds] = recvFds(child, 16, 1);
  parent.close();
  child.close();
  return fds.length;
}
