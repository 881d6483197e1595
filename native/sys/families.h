// struct sockaddr of the families CPython types beyond AF_INET, AF_INET6 and
// AF_UNIX: AF_NETLINK, AF_PACKET and AF_VSOCK, all three Linux's (CPython
// types them on Linux only). Elsewhere the builders return -EAFNOSUPPORT and
// the readers -EAFNOSUPPORT, and lib/ passes such addresses as raw bytes.
// The layouts are only ever touched here (native/sys/families.cc).
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>

namespace bsdsock::sys {

// The longest interface name, with its NUL (IF_NAMESIZE).
constexpr size_t kInterfaceNameSize = 16;
// The most hardware address bytes a sockaddr_ll holds (sll_addr).
constexpr size_t kHardwareAddressSize = 8;

// A struct sockaddr_nl: the port id (`pid`) and the multicast groups mask.
int netlink_sockaddr(uint32_t pid, uint32_t groups, sockaddr_storage* out,
                     socklen_t* len);
struct NetlinkParts {
  uint32_t pid;
  uint32_t groups;
};
// Reads a sockaddr_nl of `len` bytes: 0, or -EINVAL when `len` is too short
// to hold one (-EAFNOSUPPORT where there is no netlink).
int netlink_parts(const sockaddr_storage* addr, socklen_t len,
                  NetlinkParts* out);

// A struct sockaddr_ll. `proto` (an ETH_P_* value) and `hatype` are in host
// byte order; `haddr` holds at most kHardwareAddressSize bytes, else -EINVAL.
int packet_sockaddr(int ifindex, uint16_t proto, uint8_t pkttype,
                    uint16_t hatype, const uint8_t* haddr, size_t halen,
                    sockaddr_storage* out, socklen_t* len);
struct PacketParts {
  int ifindex;
  uint16_t proto;  // host byte order
  uint8_t pkttype;
  uint16_t hatype;
  const uint8_t* haddr;  // into the sockaddr read
  size_t halen;
};
// Reads a sockaddr_ll of `len` bytes (the kernel returns the header plus
// sll_halen bytes from getsockname, the whole struct from recvfrom). The
// hardware address is the sll_halen bytes the kernel wrote, clipped to
// `len`: more than sll_addr's 8 bytes for a long address (InfiniBand's 20).
// 0, or -EINVAL when `len` cannot hold the header.
int packet_parts(const sockaddr_storage* addr, socklen_t len,
                 PacketParts* out);
// The name of interface `ifindex` (if_indextoname(3)) into `out`
// (kInterfaceNameSize bytes): false, with `out` empty, for index 0 or an
// index that names no interface (any more).
bool interface_name(int ifindex, char* out);

// A struct sockaddr_vm: the context id and the port.
int vsock_sockaddr(uint32_t cid, uint32_t port, sockaddr_storage* out,
                   socklen_t* len);
struct VsockParts {
  uint32_t cid;
  uint32_t port;
};
// Reads a sockaddr_vm of `len` bytes: 0, or -EINVAL when it is too short.
int vsock_parts(const sockaddr_storage* addr, socklen_t len, VsockParts* out);

}  // namespace bsdsock::sys
