#!/usr/bin/env python3
"""Regenerates native/constants.inc and lib/constant-names.ts: the names of every integer constant that
CPython's socket and select modules expose on this platform, plus the few
listed in EXTRA that CPython 3.11 lacks.

Most names are emitted behind #ifdef in C++, so the addon exports the
platform's own value and silently skips names a platform lacks; their
TypeScript type is `number | undefined`. The UNIVERSAL names below exist on
every platform bsdsock supports (Linux, macOS, FreeBSD, OpenBSD, NetBSD):
they are emitted without #ifdef, so a build on a platform that lacked one
would fail instead of exporting undefined, and their type is `number`.

Address families (AF_*, and PF_* as the same family) and socket types
(SOCK_STREAM...) are typed with a brand naming them (lib/family.ts), so that
a socket's types can follow its family; their values still come from native.
Run: python3 scripts/gen-constants.py"""
import os
import re
import select
import socket

SKIP = {"EAGAIN", "EBADF", "EWOULDBLOCK"}  # errno values: os.constants.errno
# Enum members in the Linux headers: there is no macro for #ifdef to test, so
# they are emitted under __linux__ alone.
LINUX_ENUMS = {
    "CAN_RAW_FD_FRAMES", "CAN_RAW_FILTER", "CAN_RAW_JOIN_FILTERS",
    "CAN_RAW_LOOPBACK", "CAN_RAW_RECV_OWN_MSGS",
    "J1939_EE_INFO_NONE", "J1939_EE_INFO_TX_ABORT", "J1939_NLA_BYTES_ACKED",
    "J1939_NLA_PAD", "SCM_J1939_DEST_ADDR", "SCM_J1939_DEST_NAME",
    "SCM_J1939_ERRQUEUE", "SCM_J1939_PRIO", "SO_J1939_ERRQUEUE",
    "SO_J1939_FILTER", "SO_J1939_PROMISC", "SO_J1939_SEND_PRIO",
    "TIPC_CLUSTER_SCOPE", "TIPC_NODE_SCOPE",
}
# Enum members of glibc's <netinet/in.h>, not of the kernel's headers: musl
# (Alpine) has no IPPORT_USERRESERVED, and a source build there must compile.
GLIBC_ENUMS = {"IPPORT_USERRESERVED"}
# CPython hard-codes these, newer than the headers here; bsdsock leaves them out.
SKIP |= {"ALG_OP_SIGN", "ALG_OP_VERIFY", "ALG_SET_PUBKEY"}
# CPython names the kernel's BCM opcodes and flags (TX_SETUP, SETTIMER,
# CAN_FD_FRAME... of <linux/can/bcm.h>, enum members and macros) CAN_BCM_*:
# CAN_BCM_TX_SETUP is TX_SETUP. Emitted under __linux__, as the enum members.
def can_bcm_source(n):
    return n[len("CAN_BCM_"):] if n.startswith("CAN_BCM_") else None
# Names CPython 3.11 lacks, from the kernel headers, each behind its #ifdef:
# VMADDR_CID_LOCAL (the loopback CID, Linux 5.6) and VMADDR_CID_HYPERVISOR
# with the other VMADDR_CID_* CPython has, and the AF_VSOCK socket options
# after SO_VM_SOCKETS_BUFFER_*: the connect timeout above all, which a
# vsock client sets before connect().
EXTRA = {
    # Linux's UDP GSO and GRO options, for the batched datagrams (lib/mmsg.ts).
    "UDP_GRO", "UDP_SEGMENT",
    "VMADDR_CID_HYPERVISOR", "VMADDR_CID_LOCAL",
    "SO_VM_SOCKETS_CONNECT_TIMEOUT", "SO_VM_SOCKETS_CONNECT_TIMEOUT_NEW",
    "SO_VM_SOCKETS_CONNECT_TIMEOUT_OLD", "SO_VM_SOCKETS_NONBLOCK_TXRX",
    "SO_VM_SOCKETS_PEER_HOST_VM_ID", "SO_VM_SOCKETS_TRUSTED",
}


# In every POSIX.1-2017 system's headers (<sys/socket.h>, <netinet/in.h>,
# <netinet/tcp.h>, <netdb.h>, <poll.h>), less what one of the supported
# platforms lacks (MSG_NOSIGNAL on older macOS; AI_V4MAPPED, AI_ALL and
# AI_ADDRCONFIG on OpenBSD), plus 4.4BSD names that Linux, macOS and every
# BSD kept (MSG_DONTWAIT, SO_REUSEPORT, SOCK_RDM, the IPv4 multicast and
# header options): read from glibc's headers here, apple-oss-distributions
# xnu's bsd/sys/socket.h and bsd/netinet/in.h, and the sys/sys/socket.h,
# sys/netinet/in.h and include/netdb.h of FreeBSD, OpenBSD and NetBSD.
UNIVERSAL = {
    "AF_INET", "AF_INET6", "AF_UNIX", "AF_UNSPEC",
    "SOCK_DGRAM", "SOCK_RAW", "SOCK_RDM", "SOCK_SEQPACKET", "SOCK_STREAM",
    "SOL_SOCKET", "SOMAXCONN",
    "SO_ACCEPTCONN", "SO_BROADCAST", "SO_DEBUG", "SO_DONTROUTE", "SO_ERROR",
    "SO_KEEPALIVE", "SO_LINGER", "SO_OOBINLINE", "SO_RCVBUF", "SO_RCVLOWAT",
    "SO_RCVTIMEO", "SO_REUSEADDR", "SO_REUSEPORT", "SO_SNDBUF", "SO_SNDLOWAT",
    "SO_SNDTIMEO", "SO_TYPE",
    "MSG_CTRUNC", "MSG_DONTROUTE", "MSG_DONTWAIT", "MSG_EOR", "MSG_OOB",
    "MSG_PEEK", "MSG_TRUNC", "MSG_WAITALL",
    "SCM_RIGHTS", "SHUT_RD", "SHUT_RDWR", "SHUT_WR",
    "IPPROTO_ICMP", "IPPROTO_ICMPV6", "IPPROTO_IGMP", "IPPROTO_IP",
    "IPPROTO_IPV6", "IPPROTO_RAW", "IPPROTO_TCP", "IPPROTO_UDP",
    "INADDR_ANY", "INADDR_BROADCAST", "INADDR_LOOPBACK", "INADDR_NONE",
    "IP_ADD_MEMBERSHIP", "IP_DROP_MEMBERSHIP", "IP_HDRINCL", "IP_MULTICAST_IF",
    "IP_MULTICAST_LOOP", "IP_MULTICAST_TTL", "IP_OPTIONS", "IP_TOS", "IP_TTL",
    "IPV6_JOIN_GROUP", "IPV6_LEAVE_GROUP", "IPV6_MULTICAST_HOPS",
    "IPV6_MULTICAST_IF", "IPV6_MULTICAST_LOOP", "IPV6_UNICAST_HOPS",
    "IPV6_V6ONLY",
    "TCP_MAXSEG", "TCP_NODELAY",
    "AI_CANONNAME", "AI_NUMERICHOST", "AI_NUMERICSERV", "AI_PASSIVE",
    "NI_DGRAM", "NI_MAXHOST", "NI_MAXSERV", "NI_NAMEREQD", "NI_NOFQDN",
    "NI_NUMERICHOST", "NI_NUMERICSERV",
    "EAI_AGAIN", "EAI_BADFLAGS", "EAI_FAIL", "EAI_FAMILY", "EAI_MEMORY",
    "EAI_NONAME", "EAI_OVERFLOW", "EAI_SERVICE", "EAI_SOCKTYPE", "EAI_SYSTEM",
    "POLLERR", "POLLHUP", "POLLIN", "POLLNVAL", "POLLOUT", "POLLPRI",
    "POLLRDBAND", "POLLRDNORM", "POLLWRBAND", "POLLWRNORM",
}
# The socket types (not the SOCK_NONBLOCK and SOCK_CLOEXEC flags).
SOCKET_TYPES = {"SOCK_DGRAM", "SOCK_RAW", "SOCK_RDM", "SOCK_SEQPACKET", "SOCK_STREAM"}


def brand(n):
    """The branded type of a family or socket type constant, else None."""
    if n.startswith("AF_"):
        return f"Family<'{n}'>"
    if n.startswith("PF_"):
        return f"Family<'AF_{n[3:]}'>"  # the same family as AF_*
    if n in SOCKET_TYPES:
        return f"SocketType<'{n}'>"
    return None


def names(module, pred):
    # Upper-case names, plus the odd one out: AF_DECnet.
    return sorted(n for n in dir(module)
                  if re.fullmatch(r"[A-Z][A-Z0-9_]*(DECnet)?", n)
                  and n not in SKIP and pred(n)
                  and isinstance(getattr(module, n), int)
                  and not isinstance(getattr(module, n), bool))


out = ["// Generated by scripts/gen-constants.py: every integer constant of",
       "// CPython's socket and select modules (and a few more, EXTRA). Do not edit by hand.", ""]
all_names = names(socket, lambda n: True)
all_names += names(select, lambda n: n.startswith(("POLL", "EPOLL")))
assert not EXTRA & set(all_names), f"CPython has these now: {EXTRA & set(all_names)}"
all_names += sorted(EXTRA)
missing = UNIVERSAL - set(all_names)
assert not missing, f"UNIVERSAL names CPython does not expose here: {missing}"
for n in all_names:
    if n in UNIVERSAL:
        out += [f"BSDSOCK_CONSTANT({n})  // on every supported platform"]
        continue
    source = can_bcm_source(n)
    if source is not None:
        out += ["#if defined(__linux__)", f"BSDSOCK_CONSTANT_AS({n}, {source})", "#endif"]
        continue
    if n in GLIBC_ENUMS:
        guard = "#if defined(__GLIBC__)"
    elif n in LINUX_ENUMS:
        guard = "#if defined(__linux__)"
    else:
        guard = f"#ifdef {n}"
    out += [guard, f"BSDSOCK_CONSTANT({n})", "#endif"]
root = os.path.join(os.path.dirname(__file__), "..")
with open(os.path.join(root, "native", "constants.inc"), "w") as f:
    f.write("\n".join(out) + "\n")

ts = ["// Generated by scripts/gen-constants.py. Do not edit by hand.",
      "//",
      "// Each constant holds this platform's own value, read from the native",
      "// module. One that exists on every platform bsdsock supports is typed",
      "// `number`; one that only some platforms have is `number | undefined`",
      "// (undefined at run time where the headers lack it, as with Node's",
      "// os.constants), so check before using a Linux-only one. Address",
      "// families and socket types carry their name in their type",
      "// (lib/family.ts), so that a socket's types follow its family.",
      "",
      "import { native } from './binding';",
      "import type { Family, SocketType } from './family';",
      "",
      "const c = native.constants;",
      ""]
iface = ["",
         "/**",
         " * The type of the frozen `constants` object: every name above, optional",
         " * where a platform may lack it.",
         " */",
         "export interface Constants {"]
for n in all_names:
    b = brand(n)
    base = n if b is not None else "number"
    if b is not None and not n.startswith("PF_"):
        ts.append(f"export type {n} = {b};")
    elif b is not None:
        ts.append(f"export type {n} = AF_{n[3:]};")
    if n in UNIVERSAL:
        cast = f" as {n}" if b is not None else ""
        ts.append(f"export const {n}: {base} = c.{n}{cast};")
        iface.append(f"  readonly {n}: {base};")
    else:
        cast = f" as {n} | undefined" if b is not None else ""
        ts.append(f"export const {n}: {base} | undefined = c.{n}{cast};")
        iface.append(f"  readonly {n}?: {base};")
iface.append("  readonly [name: string]: number | undefined;")
iface.append("}")
ts += iface
with open(os.path.join(root, "lib", "constant-names.ts"), "w") as f:
    f.write("\n".join(ts) + "\n")
print(f"{len(all_names)} names")
