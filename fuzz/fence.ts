// What keeps random calls from reaching past loopback, or from waiting long:
// wrappers over a few functions of the native binding (lib/binding.ts's
// `native`, which every lib/ module calls through at call time), installed
// in the fuzz child before any call.
//
// Always:
// - sethostname(2) never runs: it answers EPERM (the host name is the whole
//   machine's, whatever namespace the child has);
// - socket(2) and socketpair(2) only for AF_UNIX, AF_INET, AF_INET6, and
//   AF_NETLINK with NETLINK_USERSOCK (whose messages only ever reach user
//   sockets). A random family could otherwise be AF_VSOCK (the hypervisor),
//   AF_PACKET or a netlink protocol that talks to the kernel; those get
//   EAFNOSUPPORT or EPROTONOSUPPORT here. Types are left to the kernel.
// - poll(2) and epoll_wait(2) wait 50 ms at most: select(), Poll.poll() and
//   Epoll.poll() with a random timeout would otherwise block the child for
//   as long as the number says (they return early, as for a timeout);
// - no lookup reaches the resolver's name services at all (/etc/hosts may
//   lack a name, 'localhost' for AF_INET6 or '::1' in reverse, and then the
//   query goes to DNS: seen with strace): getaddrinfo gets AI_NUMERICHOST
//   unless there is no host, getnameinfo NI_NUMERICHOST, gethostbyname
//   answers HOST_NOT_FOUND for a name that is not numeric, and
//   gethostbyaddr always. Even inside a namespace, where a query fails at
//   once: the resolver's sockets, opened on the thread pool in the middle of
//   other calls, would blur the fd accounting, and a run should not depend
//   on the host's /etc/hosts and resolv.conf; and what getaddrinfo returns
//   must be loopback or the wildcard (EAI_NONAME otherwise);
// - the lookups running on the thread pool are counted (resolverBusy()):
//   the resolver may open and close fds of its own meanwhile.
//
// Without a network namespace of its own (fuzz/run.ts says which), also:
// - any sockaddr bound, connected to or sent to with sendto or sendmsg must be loopback (127/8, ::1, an IPv4-mapped
//   loopback), the unspecified address for connect (which Linux treats as
//   loopback), or not IP at all; bind() of the wildcard is EADDRNOTAVAIL, so
//   that nothing listens beyond loopback even for a moment. The fuzzer's
//   values hold no other address to begin with (fuzz/values.ts); this is the
//   second wall.
// With its own namespace, none of that is needed: the child's only
// interface is its own `lo`.

import { native, type Native } from '../lib/binding';

const AF_UNIX = 1;
const AF_INET = 2;
const AF_INET6 = 10;
const AF_NETLINK = 16;
const NETLINK_USERSOCK = 2;
const EPERM = 1;
const EAFNOSUPPORT = 97;
const EPROTONOSUPPORT = 93;
const EADDRNOTAVAIL = 99;
const ENETUNREACH = 101;
const MAX_WAIT_MS = 50;

let lookups = 0;

/** Whether a lookup is running on the thread pool (it may hold fds of its own). */
export function resolverBusy(): boolean {
  return lookups > 0;
}

type Mutable = { -readonly [K in keyof Native]: Native[K] };

function allowedSocket(family: number, proto: number): number {
  if (family === AF_UNIX || family === AF_INET || family === AF_INET6) return 0;
  if (family === AF_NETLINK) return proto === NETLINK_USERSOCK ? 0 : -EPROTONOSUPPORT;
  return -EAFNOSUPPORT;
}

/** A Bytes argument as a byte view, or null if it is not one (native throws for it then). */
function bytes(v: unknown): Uint8Array | null {
  if (!ArrayBuffer.isView(v)) return null;
  try {
    return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  } catch {
    return null; // detached
  }
}

/** 'loopback', 'wildcard', 'other-ip', or 'not-ip' for the sockaddr bytes `b`. */
export function classify(b: Uint8Array): 'loopback' | 'wildcard' | 'other-ip' | 'not-ip' {
  if (b.length < 2) return 'not-ip';
  const family = b[0]! | (b[1]! << 8); // sa_family_t, little-endian on the platforms this runs on
  if (family === AF_INET && b.length >= 8) {
    if (b[4] === 127) return 'loopback';
    if (b[4] === 0 && b[5] === 0 && b[6] === 0 && b[7] === 0) return 'wildcard';
    return 'other-ip';
  }
  if (family === AF_INET6 && b.length >= 24) {
    const a = b.subarray(8, 24);
    const zeros = (from: number, to: number) => a.subarray(from, to).every((x) => x === 0);
    if (zeros(0, 15) && a[15] === 1) return 'loopback';
    if (zeros(0, 16)) return 'wildcard';
    if (zeros(0, 10) && a[10] === 0xff && a[11] === 0xff) {
      if (a[12] === 127) return 'loopback';
      if (a[12] === 0 && a[13] === 0 && a[14] === 0 && a[15] === 0) return 'wildcard';
    }
    return 'other-ip';
  }
  if (family === AF_INET || family === AF_INET6) return 'other-ip'; // too short: the kernel refuses it
  return 'not-ip';
}

/** Installs the fences; `netns` says whether the run has a network namespace of its own. */
export function installFence(netns: boolean): void {
  const n = native as Mutable;
  // The host name is the whole machine's (a network namespace does not
  // hold it): sethostname(2) answers EPERM, as it does to a process without
  // CAP_SYS_ADMIN, whatever the name. lib/'s checks before it still run.
  n.sethostname = () => -EPERM;
  const { socket, socketpair, poll, epollWait } = n;
  n.socket = (family, type, proto) => allowedSocket(family, proto) || socket(family, type, proto);
  n.socketpair = (family, type, proto, out) => allowedSocket(family, proto) || socketpair(family, type, proto, out);
  n.poll = (fds, events, revents, count, ms) => poll(fds, events, revents, count, clamp(ms));
  if (epollWait !== undefined) n.epollWait = (epfd, fds, events, max, ms) => epollWait(epfd, fds, events, max, clamp(ms));
  fenceResolver(n);
  if (!netns) fenceAddresses(n);
}

function fenceAddresses(n: Mutable): void {
  const { bind, connect, connectNowait, connectWait, sendmsg, sendto } = n;

  /** -ENETUNREACH (or -EADDRNOTAVAIL for bind) for a sockaddr beyond loopback, else 0. */
  const outward = (sockaddr: unknown, forBind: boolean): number => {
    const b = bytes(sockaddr);
    if (b === null) return 0;
    const c = classify(b);
    if (c === 'other-ip') return forBind ? -EADDRNOTAVAIL : -ENETUNREACH;
    if (c === 'wildcard' && forBind) return -EADDRNOTAVAIL;
    return 0;
  };
  n.bind = (fd, sockaddr) => outward(sockaddr, true) || bind(fd, sockaddr);
  n.connect = (fd, sockaddr) => outward(sockaddr, false) || connect(fd, sockaddr);
  n.connectNowait = (fd, sockaddr) => outward(sockaddr, false) || connectNowait(fd, sockaddr);
  n.connectWait = (fd, sockaddr, ms) => outward(sockaddr, false) || connectWait(fd, sockaddr, ms);
  // sendmsg and sendto take their fd and flags in the frame (lib/fast.ts),
  // and give their result there; sendto's sockaddr is in addrIn, its length
  // in frame slot 4.
  const frame = new Float64Array(n.frame);
  const addrIn = new Uint8Array(n.addrIn);
  n.sendmsg = (buffers, cmsgs, sockaddr) => {
    const refused = sockaddr !== null ? outward(sockaddr, false) : 0;
    if (refused !== 0) frame[7] = refused;
    else sendmsg(buffers, cmsgs, sockaddr);
  };
  n.sendto = (view) => {
    const refused = outward(addrIn.slice(0, frame[4]), false);
    if (refused !== 0) frame[7] = refused;
    else sendto(view);
  };
}

function fenceResolver(n: Mutable): void {
  const { getaddrinfo, getaddrinfoAsync, getnameinfo, getnameinfoAsync, gethostbyname, gethostbyaddr } = n;
  const AI_NUMERICHOST = n.constants.AI_NUMERICHOST!;
  const NI_NUMERICHOST = n.constants.NI_NUMERICHOST!;
  const HOST_NOT_FOUND = n.hostErrors.HOST_NOT_FOUND;
  const EAI_NONAME = n.constants.EAI_NONAME!;

  // No host: the wildcard or loopback address, without a lookup.
  const localName = (host: unknown): boolean => host === null || host === '';
  /** Results only if every address is loopback (or the wildcard, for AI_PASSIVE). */
  const onlyLocal = <T>(r: T): T | { gai: number; errno: number } => {
    if (!Array.isArray(r)) return r;
    for (const ai of r as Array<[number, number, number, string, Buffer]>) {
      if (classify(ai[4]) === 'other-ip') return { gai: EAI_NONAME, errno: 0 };
    }
    return r;
  };
  n.getaddrinfo = (host, service, family, type, proto, flags) =>
    onlyLocal(getaddrinfo(host, service, family, type, proto, localName(host) ? flags : flags | AI_NUMERICHOST));
  n.getaddrinfoAsync = (host, service, family, type, proto, flags, callback) => {
    getaddrinfoAsync(host, service, family, type, proto, localName(host) ? flags : flags | AI_NUMERICHOST, (r) => {
      lookups--;
      callback(onlyLocal(r));
    });
    lookups++;
  };
  const nameFlags = (_sockaddr: unknown, flags: number): number => (typeof flags === 'number' ? flags | NI_NUMERICHOST : flags);
  n.getnameinfo = (sockaddr, flags) => getnameinfo(sockaddr, nameFlags(sockaddr, flags));
  n.getnameinfoAsync = (sockaddr, flags, callback) => {
    getnameinfoAsync(sockaddr, nameFlags(sockaddr, flags), (r) => {
      lookups--;
      callback(r);
    });
    lookups++;
  };
  n.gethostbyname = (name, family) => {
    if (typeof name !== 'string') return gethostbyname(name, family); // native's own TypeError
    const numeric = n.inetAton(name) !== null || typeof n.inetPton(AF_INET6, name) !== 'number';
    return numeric ? gethostbyname(name, family) : HOST_NOT_FOUND;
  };
  // A reverse lookup always goes through the name services.
  n.gethostbyaddr = (packed, family) => (ArrayBuffer.isView(packed) ? HOST_NOT_FOUND : gethostbyaddr(packed, family));
}

function clamp(ms: number): number {
  return typeof ms === 'number' && (ms < 0 || ms > MAX_WAIT_MS) ? MAX_WAIT_MS : ms;
}
