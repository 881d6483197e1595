// AF_NETLINK, AF_PACKET and AF_VSOCK addresses (see families.h).
#include "families.h"

#include <cerrno>
#include <cstring>

#if defined(__linux__)
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <linux/vm_sockets.h>
#include <net/if.h>
#endif

namespace bsdsock::sys {

#if defined(__linux__)

namespace {

// Whether a sockaddr of `len` bytes reaches `need` bytes: a reader never
// takes a field the kernel did not write.
bool holds(socklen_t len, size_t need) {
  return static_cast<size_t>(len) >= need;
}

}  // namespace

static_assert(IF_NAMESIZE == kInterfaceNameSize, "IF_NAMESIZE");
static_assert(sizeof(sockaddr_ll{}.sll_addr) == kHardwareAddressSize,
              "sll_addr");

int netlink_sockaddr(uint32_t pid, uint32_t groups, sockaddr_storage* out,
                     socklen_t* len) {
  std::memset(out, 0, sizeof *out);
  auto* nl = reinterpret_cast<sockaddr_nl*>(out);
  nl->nl_family = AF_NETLINK;
  nl->nl_pid = pid;
  nl->nl_groups = groups;
  *len = sizeof *nl;
  return 0;
}

int netlink_parts(const sockaddr_storage* addr, socklen_t len,
                  NetlinkParts* out) {
  if (!holds(len, sizeof(sockaddr_nl))) return -EINVAL;
  const auto* nl = reinterpret_cast<const sockaddr_nl*>(addr);
  out->pid = nl->nl_pid;
  out->groups = nl->nl_groups;
  return 0;
}

int packet_sockaddr(int ifindex, uint16_t proto, uint8_t pkttype,
                    uint16_t hatype, const uint8_t* haddr, size_t halen,
                    sockaddr_storage* out, socklen_t* len) {
  if (halen > kHardwareAddressSize) return -EINVAL;
  std::memset(out, 0, sizeof *out);
  auto* ll = reinterpret_cast<sockaddr_ll*>(out);
  ll->sll_family = AF_PACKET;
  ll->sll_protocol = htons(proto);
  ll->sll_ifindex = ifindex;
  ll->sll_hatype = hatype;
  ll->sll_pkttype = pkttype;
  ll->sll_halen = static_cast<unsigned char>(halen);
  if (halen > 0) std::memcpy(ll->sll_addr, haddr, halen);
  *len = sizeof *ll;
  return 0;
}

int packet_parts(const sockaddr_storage* addr, socklen_t len,
                 PacketParts* out) {
  const size_t header = offsetof(sockaddr_ll, sll_addr);
  if (!holds(len, header)) return -EINVAL;
  const auto* ll = reinterpret_cast<const sockaddr_ll*>(addr);
  out->ifindex = ll->sll_ifindex;
  out->proto = ntohs(ll->sll_protocol);
  out->pkttype = ll->sll_pkttype;
  out->hatype = ll->sll_hatype;
  out->haddr = ll->sll_addr;
  size_t avail = static_cast<size_t>(len) - header;
  if (avail > sizeof *addr - header) avail = sizeof *addr - header;
  out->halen = ll->sll_halen < avail ? ll->sll_halen : avail;
  return 0;
}

bool interface_name(int ifindex, char* out) {
  out[0] = 0;
  if (ifindex <= 0) return false;
  if (::if_indextoname(static_cast<unsigned>(ifindex), out) == nullptr) {
    out[0] = 0;
    return false;
  }
  return true;
}

int vsock_sockaddr(uint32_t cid, uint32_t port, sockaddr_storage* out,
                   socklen_t* len) {
  std::memset(out, 0, sizeof *out);
  auto* vm = reinterpret_cast<sockaddr_vm*>(out);
  vm->svm_family = AF_VSOCK;
  vm->svm_cid = cid;
  vm->svm_port = port;
  *len = sizeof *vm;
  return 0;
}

int vsock_parts(const sockaddr_storage* addr, socklen_t len, VsockParts* out) {
  if (!holds(len, offsetof(sockaddr_vm, svm_cid) + sizeof(uint32_t)))
    return -EINVAL;
  const auto* vm = reinterpret_cast<const sockaddr_vm*>(addr);
  out->cid = vm->svm_cid;
  out->port = vm->svm_port;
  return 0;
}

#else  // no netlink, packet or vsock addresses on this platform

int netlink_sockaddr(uint32_t, uint32_t, sockaddr_storage*, socklen_t*) {
  return -EAFNOSUPPORT;
}
int netlink_parts(const sockaddr_storage*, socklen_t, NetlinkParts*) {
  return -EAFNOSUPPORT;
}
int packet_sockaddr(int, uint16_t, uint8_t, uint16_t, const uint8_t*, size_t,
                    sockaddr_storage*, socklen_t*) {
  return -EAFNOSUPPORT;
}
int packet_parts(const sockaddr_storage*, socklen_t, PacketParts*) {
  return -EAFNOSUPPORT;
}
bool interface_name(int, char* out) {
  out[0] = 0;
  return false;
}
int vsock_sockaddr(uint32_t, uint32_t, sockaddr_storage*, socklen_t*) {
  return -EAFNOSUPPORT;
}
int vsock_parts(const sockaddr_storage*, socklen_t, VsockParts*) {
  return -EAFNOSUPPORT;
}

#endif

}  // namespace bsdsock::sys
