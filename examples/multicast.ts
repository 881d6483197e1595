// IPv4 multicast on one host: a receiver joins a group (IP_ADD_MEMBERSHIP
// with a struct ip_mreq), a sender sends to the group through a chosen
// interface (IP_MULTICAST_IF), the receiver gets every datagram, leaves
// (IP_DROP_MEMBERSHIP), and gets no more. In Python:
//
//   mreq = struct.pack('4s4s', socket.inet_aton(group), socket.inet_aton(iface))
//   r.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
//   s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(iface))
//   s.sendto(b'hello', (group, port))
//
// Usage: tsx examples/multicast.ts [group] [--iface 127.0.0.1] [--count N]
//
// group defaults to 239.255.0.1 (an administratively scoped group), iface
// to 127.0.0.1: the datagrams stay on the loopback interface, which must
// have multicast on. Linux's lo does not by default; a private network
// namespace keeps the change to itself:
//
//   unshare -n sh -c 'ip link set lo up multicast on && tsx examples/multicast.ts'
//
// Prints `joined <group> on <iface> port <port>`, a `received <text> from
// <host> <port>` line per datagram, `left <group>` and, once nothing more
// comes in 0.3 s, `nothing after leaving`.

import { parseArgs } from 'node:util';

import {
  AF_INET,
  IPPROTO_IP,
  IP_ADD_MEMBERSHIP,
  IP_DROP_MEMBERSHIP,
  IP_MULTICAST_IF,
  IP_MULTICAST_LOOP,
  SOCK_DGRAM,
  SocketTimeoutError,
  inet_aton,
  ip_mreq,
  socket,
} from '../lib';

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

function main(): void {
  const { values, positionals } = parseArgs({
    options: { iface: { type: 'string', default: '127.0.0.1' }, count: { type: 'string', default: '3' } },
    allowPositionals: true,
  });
  const group = positionals[0] ?? '239.255.0.1';
  const iface = values.iface;
  const count = Number(values.count);
  if (!Number.isInteger(count) || count < 1 || count > 1000) {
    process.stderr.write('usage: multicast.ts [group] [--iface 127.0.0.1] [--count N (1-1000)]\n');
    process.exitCode = 2;
    return;
  }
  const receiver = socket(AF_INET, SOCK_DGRAM);
  const sender = socket(AF_INET, SOCK_DGRAM);
  try {
    receiver.bind([group, 0]); // the group's address: only its datagrams arrive
    const [, port] = receiver.getsockname();
    receiver.setsockopt(IPPROTO_IP, IP_ADD_MEMBERSHIP, ip_mreq(group, iface));
    say(`joined ${group} on ${iface} port ${port}`);

    sender.setsockopt(IPPROTO_IP, IP_MULTICAST_IF, inet_aton(iface));
    sender.setsockopt(IPPROTO_IP, IP_MULTICAST_LOOP, 1); // this host's members hear it too
    for (let i = 1; i <= count; i++) sender.sendto(`message ${i}`, [group, port]);
    receiver.settimeout(5);
    for (let i = 1; i <= count; i++) {
      const [data, [host, from]] = receiver.recvfrom(1500);
      say(`received ${data.toString()} from ${host} ${from}`);
    }

    receiver.setsockopt(IPPROTO_IP, IP_DROP_MEMBERSHIP, ip_mreq(group, iface));
    say(`left ${group}`);
    sender.sendto('after leaving', [group, port]);
    receiver.settimeout(0.3);
    try {
      const [data] = receiver.recvfrom(1500);
      say(`still received ${data.toString()}`);
      process.exitCode = 1;
    } catch (err) {
      if (!(err instanceof SocketTimeoutError)) throw err;
      say('nothing after leaving');
    }
  } finally {
    receiver.close();
    sender.close();
  }
}

main();
