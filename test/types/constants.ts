// Type tests: constants are numbers where every platform has them,
// `number | undefined` where only some do, and a parameter that takes a
// constant refuses undefined; lists of data refuse a bare string.
// Compiled, never run.

import {
  AF_INET,
  AF_UNIX,
  MSG_ERRQUEUE,
  MSG_PEEK,
  SOCK_DGRAM,
  SOCK_STREAM,
  SOL_SOCKET,
  SO_PEERCRED,
  SO_REUSEADDR,
  constants,
  getaddrinfo,
  recvFds,
  sendFds,
  socket,
  socketpair,
  type Family,
} from 'bsdsock';

import { exactly } from './expect';

export function constantTypes(): void {
  const reuse: number = SO_REUSEADDR; // on every platform
  exactly<number>()(reuse + MSG_PEEK);
  exactly<number | undefined>()(SO_PEERCRED);
  // @ts-expect-error: SO_PEERCRED is Linux's
  const cred: number = SO_PEERCRED;
  void cred;
  exactly<number | undefined>()(constants.SO_PEERCRED);
  exactly<AF_INET>()(constants.AF_INET);
  exactly<number | undefined>()(constants['SOME_NAME']);
  // A family constant is a number too, and arithmetic gives plain numbers.
  const n: number = AF_INET;
  exactly<number>()(AF_INET | 0);
  exactly<number>()(n);
  const f: Family = AF_INET;
  void f;
  // @ts-expect-error: a plain number is not a family constant
  const g: Family = 2;
  void g;
}

export function noUndefinedForADefault(): void {
  const s = socket();
  // A constant a platform lacks must not quietly become the default.
  // @ts-expect-error: MSG_ERRQUEUE may be undefined
  s.recv(100, MSG_ERRQUEUE);
  if (MSG_ERRQUEUE !== undefined) s.recv(100, MSG_ERRQUEUE);
  // @ts-expect-error: likewise for a socket's family
  socket(constants.AF_NETLINK);
  // @ts-expect-error: and a getaddrinfo flag
  getaddrinfo('localhost', 80, 0, 0, 0, constants.AI_ADDRCONFIG);
  s.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1);
  socket(AF_INET, SOCK_STREAM, 0);
}

export function dataLists(): void {
  const [a, b] = socketpair();
  a.sendmsg(['hello', Buffer.from(' world')]);
  a.sendmsg(new Set(['a', 'b']));
  // @ts-expect-error: a string is not a list of data, though it is iterable
  a.sendmsg('hello');
  // @ts-expect-error: nor for the async form
  void a.sendmsgAsync('hello');
  const [u] = socketpair(AF_UNIX, SOCK_DGRAM);
  u.sendmmsg(['one', Buffer.from('two')]);
  // @ts-expect-error: a string is not a list of datagrams either
  u.sendmmsg('hello');
  // @ts-expect-error: nor for the async form
  void u.sendmmsgAsync('hello', 0);
  u.close();
  sendFds(a, ['m'], [0]);
  // @ts-expect-error: the trial's sendFds(sock, 'm', [0])
  sendFds(a, 'm', [0]);
  const [data, fds, , sender] = recvFds(b, 16, 1);
  exactly<Buffer>()(data);
  exactly<number[]>()(fds);
  exactly<string | Buffer | null>()(sender);
}
