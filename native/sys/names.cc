// Names and numbers: the resolver's other calls, the services and protocols
// databases, address conversions and interface names. Reentrant variants
// (*_r) throughout, so that a worker thread can call them too.
#include <arpa/inet.h>
#include <net/if.h>
#include <netdb.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>

#include "sys.h"

namespace bsdsock::sys {

namespace {

#if defined(__GLIBC__)
// Calls a glibc *_r lookup with a buffer that grows on ERANGE (bounded).
template <typename Call>
int with_buffer(Call call) {
  std::vector<char> buf(1024);
  for (;;) {
    int r = call(buf.data(), buf.size());
    if (r != ERANGE || buf.size() >= (1u << 20)) return r;
    buf.resize(buf.size() * 2);
  }
}
#endif

void copy_hostent(const hostent* he, HostEntry* out) {
  out->name = he->h_name != nullptr ? he->h_name : "";
  for (char** a = he->h_aliases; a != nullptr && *a != nullptr; a++) out->aliases.emplace_back(*a);
  char text[INET6_ADDRSTRLEN];
  for (char** a = he->h_addr_list; a != nullptr && *a != nullptr; a++) {
    if (::inet_ntop(he->h_addrtype, *a, text, sizeof text) != nullptr) out->addresses.emplace_back(text);
  }
}

}  // namespace

int getnameinfo(const sockaddr* addr, socklen_t len, int flags, std::string* host,
                std::string* service, int* sys_errno) {
  char h[NI_MAXHOST], s[NI_MAXSERV];
  *sys_errno = 0;
  int r = ::getnameinfo(addr, len, h, sizeof h, s, sizeof s, flags);
  if (r == EAI_SYSTEM) *sys_errno = errno;
  if (r != 0) return r;
  *host = h;
  *service = s;
  return 0;
}

int gethostname(std::string* name) {
  char buf[HOST_NAME_MAX + 1];
  if (::gethostname(buf, sizeof buf) == -1) return -errno;
  buf[sizeof buf - 1] = 0;
  *name = buf;
  return 0;
}

int sethostname(const void* name, size_t len) {
  // The kernel's length is an int (a size_t on macOS and the BSDs): larger
  // than any host name it takes, but it must not wrap.
  if (len > 0x7fffffff) return -EINVAL;
  // An empty name's bytes may be a null pointer, which glibc declares
  // sethostname(2) never takes (UBSan's nonnull-attribute check).
  static const char kEmpty = 0;
  const char* p = len == 0 ? &kEmpty : static_cast<const char*>(name);
  if (::sethostname(p, len) == -1) return -errno;
  return 0;
}

#if defined(__GLIBC__)
int gethostbyname(const char* name, int family, HostEntry* out) {
  int herr = 0;
  int r = with_buffer([&](char* buf, size_t n) {
    hostent he, *result = nullptr;
    int e = ::gethostbyname2_r(name, family, &he, buf, n, &result, &herr);
    if (e == 0 && result != nullptr) copy_hostent(result, out);
    else if (e == 0) e = -1;  // not found: h_errno says why
    return e;
  });
  if (r == 0) return 0;
  return herr != 0 ? herr : HOST_NOT_FOUND;
}

int gethostbyaddr(const void* addr, socklen_t len, int family, HostEntry* out) {
  int herr = 0;
  int r = with_buffer([&](char* buf, size_t n) {
    hostent he, *result = nullptr;
    int e = ::gethostbyaddr_r(addr, len, family, &he, buf, n, &result, &herr);
    if (e == 0 && result != nullptr) copy_hostent(result, out);
    else if (e == 0) e = -1;
    return e;
  });
  if (r == 0) return 0;
  return herr != 0 ? herr : HOST_NOT_FOUND;
}

int getservbyname(const char* name, const char* proto) {
  int port = -1;
  with_buffer([&](char* buf, size_t n) {
    servent se, *result = nullptr;
    int e = ::getservbyname_r(name, proto, &se, buf, n, &result);
    if (e == 0 && result != nullptr) port = ntohs(static_cast<uint16_t>(result->s_port));
    return e;
  });
  return port;
}

int getservbyport(int port, const char* proto, std::string* name) {
  bool found = false;
  with_buffer([&](char* buf, size_t n) {
    servent se, *result = nullptr;
    int e = ::getservbyport_r(htons(static_cast<uint16_t>(port)), proto, &se, buf, n, &result);
    if (e == 0 && result != nullptr) {
      *name = result->s_name;
      found = true;
    }
    return e;
  });
  return found ? 0 : -1;
}

int getprotobyname(const char* name) {
  int proto = -1;
  with_buffer([&](char* buf, size_t n) {
    protoent pe, *result = nullptr;
    int e = ::getprotobyname_r(name, &pe, buf, n, &result);
    if (e == 0 && result != nullptr) proto = result->p_proto;
    return e;
  });
  return proto;
}
#else
// macOS and the BSDs: no *_r variants; their plain calls use thread-local
// storage (macOS) or are the documented API.
int gethostbyname(const char* name, int family, HostEntry* out) {
  const hostent* he = ::gethostbyname2(name, family);
  if (he == nullptr) return h_errno != 0 ? h_errno : HOST_NOT_FOUND;
  copy_hostent(he, out);
  return 0;
}

int gethostbyaddr(const void* addr, socklen_t len, int family, HostEntry* out) {
  const hostent* he = ::gethostbyaddr(addr, len, family);
  if (he == nullptr) return h_errno != 0 ? h_errno : HOST_NOT_FOUND;
  copy_hostent(he, out);
  return 0;
}

int getservbyname(const char* name, const char* proto) {
  const servent* se = ::getservbyname(name, proto);
  return se == nullptr ? -1 : ntohs(static_cast<uint16_t>(se->s_port));
}

int getservbyport(int port, const char* proto, std::string* name) {
  const servent* se = ::getservbyport(htons(static_cast<uint16_t>(port)), proto);
  if (se == nullptr) return -1;
  *name = se->s_name;
  return 0;
}

int getprotobyname(const char* name) {
  const protoent* pe = ::getprotobyname(name);
  return pe == nullptr ? -1 : pe->p_proto;
}
#endif

const char* host_error_message(int h_errno_value) { return ::hstrerror(h_errno_value); }

int inet_pton(int family, const char* src, uint8_t* dst) {
  if (family != AF_INET && family != AF_INET6) return -EAFNOSUPPORT;
  int r = ::inet_pton(family, src, dst);
  if (r < 0) return -errno;
  return r == 0 ? 0 : (family == AF_INET ? 4 : 16);
}

int inet_ntop(int family, const uint8_t* src, char* dst, size_t dstlen) {
  if (::inet_ntop(family, src, dst, static_cast<socklen_t>(dstlen)) == nullptr) return -errno;
  return static_cast<int>(std::strlen(dst));
}

int inet_aton(const char* src, uint8_t dst[4]) {
  in_addr a;
  if (::inet_aton(src, &a) == 0) return 0;
  std::memcpy(dst, &a.s_addr, 4);
  return 1;
}

unsigned if_nametoindex(const char* name) { return ::if_nametoindex(name); }

int if_indextoname(unsigned index, std::string* name) {
  char buf[IF_NAMESIZE + 1];
  if (::if_indextoname(index, buf) == nullptr) return -errno;
  *name = buf;
  return 0;
}

int if_nameindex(std::vector<std::pair<unsigned, std::string>>* out) {
  struct if_nameindex* list = ::if_nameindex();
  if (list == nullptr) return -errno;
  for (struct if_nameindex* i = list; i->if_index != 0 || i->if_name != nullptr; i++) {
    out->emplace_back(i->if_index, i->if_name);
  }
  ::if_freenameindex(list);
  return 0;
}

}  // namespace bsdsock::sys
