// struct sockaddr construction and inspection. The layouts differ between
// platforms (BSD has sa_len, sun_path is 104 bytes on macOS), so they are
// only ever touched here, never in TypeScript.
#include <arpa/inet.h>
#include <net/if.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "sys.h"

namespace bsdsock::sys {

namespace {

void set_len(sockaddr_storage* out, socklen_t len) {
#if defined(__APPLE__) || defined(__FreeBSD__) || defined(__OpenBSD__) || \
    defined(__NetBSD__)
  out->ss_len = static_cast<uint8_t>(len);
#else
  (void)out;
  (void)len;
#endif
}

// "eth0" or "2" -> interface index, 0 if there is no such interface.
uint32_t scope_index(const char* name) {
  if (*name == 0) return 0;
  char* end = nullptr;
  unsigned long v = std::strtoul(name, &end, 10);
  if (*end == 0 && v <= UINT32_MAX) return static_cast<uint32_t>(v);
  return if_nametoindex(name);
}

}  // namespace

int inet_sockaddr(int family, const char* host, uint16_t port,
                  uint32_t flowinfo, uint32_t scope_id, bool scope_given,
                  sockaddr_storage* out, socklen_t* len) {
  std::memset(out, 0, sizeof *out);
  if (family == AF_INET) {
    auto* sin = reinterpret_cast<sockaddr_in*>(out);
    if (::inet_pton(AF_INET, host, &sin->sin_addr) != 1) return -EINVAL;
    sin->sin_family = AF_INET;
    sin->sin_port = htons(port);
    *len = sizeof *sin;
    set_len(out, *len);
    return 0;
  }
  if (family == AF_INET6) {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(out);
    char literal[INET6_ADDRSTRLEN];
    const char* pct = std::strchr(host, '%');
    uint32_t scope = scope_id;
    if (pct != nullptr) {
      size_t n = static_cast<size_t>(pct - host);
      if (n >= sizeof literal) return -EINVAL;
      std::memcpy(literal, host, n);
      literal[n] = 0;
      host = literal;
      uint32_t named = scope_index(pct + 1);
      if (named == 0) return -EINVAL;
      if (!scope_given) scope = named;
    }
    if (::inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1) return -EINVAL;
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(port);
    sin6->sin6_flowinfo = htonl(flowinfo);
    sin6->sin6_scope_id = scope;
    *len = sizeof *sin6;
    set_len(out, *len);
    return 0;
  }
  return -EAFNOSUPPORT;
}

int inet_special(int family, bool broadcast, uint16_t port,
                 sockaddr_storage* out, socklen_t* len) {
  std::memset(out, 0, sizeof *out);
  if (family == AF_INET) {
    auto* sin = reinterpret_cast<sockaddr_in*>(out);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(port);
    sin->sin_addr.s_addr = htonl(broadcast ? INADDR_BROADCAST : INADDR_ANY);
    *len = sizeof *sin;
  } else if (family == AF_INET6 && !broadcast) {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(out);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(port);
    sin6->sin6_addr = in6addr_any;
    *len = sizeof *sin6;
  } else {
    return -EAFNOSUPPORT;
  }
  set_len(out, *len);
  return 0;
}

int unix_sockaddr(const void* path, size_t n, sockaddr_storage* out,
                  socklen_t* len) {
  std::memset(out, 0, sizeof *out);
  auto* sun = reinterpret_cast<sockaddr_un*>(out);
  const bool abstract = n > 0 && static_cast<const char*>(path)[0] == 0;
  // A filesystem path needs its terminating NUL inside sun_path; an abstract
  // name is exactly `n` bytes with no terminator.
  if (abstract ? n > sizeof sun->sun_path : n >= sizeof sun->sun_path)
    return -ENAMETOOLONG;
  sun->sun_family = AF_UNIX;
  // An empty path may come as a null pointer, which memcpy must not get even
  // for 0 bytes.
  if (n > 0) std::memcpy(sun->sun_path, path, n);
  *len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + n);
  set_len(out, *len);
  return 0;
}

int sockaddr_family(const sockaddr_storage* addr, socklen_t len) {
  if (len < static_cast<socklen_t>(offsetof(sockaddr_storage, ss_family) +
                                   sizeof addr->ss_family))
    return -EINVAL;
  return addr->ss_family;
}

int inet_host(const sockaddr_storage* addr, char* out, size_t outlen) {
  const void* src;
  if (addr->ss_family == AF_INET)
    src = &reinterpret_cast<const sockaddr_in*>(addr)->sin_addr;
  else if (addr->ss_family == AF_INET6)
    src = &reinterpret_cast<const sockaddr_in6*>(addr)->sin6_addr;
  else
    return -EAFNOSUPPORT;
  if (::inet_ntop(addr->ss_family, src, out, static_cast<socklen_t>(outlen)) ==
      nullptr)
    return -errno;
  return static_cast<int>(std::strlen(out));
}

void unix_path(const sockaddr_storage* addr, socklen_t len, const char** path,
               size_t* n) {
  const auto* sun = reinterpret_cast<const sockaddr_un*>(addr);
  const size_t offset = offsetof(sockaddr_un, sun_path);
  size_t avail = len > static_cast<socklen_t>(offset) ? len - offset : 0;
  if (avail > sizeof sun->sun_path) avail = sizeof sun->sun_path;
  *path = sun->sun_path;
  // Abstract names keep every byte; filesystem paths end at the first NUL
  // (the kernel may or may not count the terminator in `len`).
  *n = avail > 0 && sun->sun_path[0] != 0 ? strnlen(sun->sun_path, avail)
                                          : avail;
}

}  // namespace bsdsock::sys

namespace bsdsock::sys {

int getaddrinfo(const char* host, const char* service, int family, int type,
                int protocol, int flags, addrinfo** res, int* sys_errno) {
  addrinfo hints{};
  hints.ai_family = family;
  hints.ai_socktype = type;
  hints.ai_protocol = protocol;
  hints.ai_flags = flags;
  *res = nullptr;
  *sys_errno = 0;
  int r = ::getaddrinfo(host, service, &hints, res);
  if (r == EAI_SYSTEM) *sys_errno = errno;
  return r;
}

}  // namespace bsdsock::sys
