// Bindings that build and read struct sockaddr. lib/address.ts holds the
// policy (tuples, '' and '<broadcast>', name resolution, caching); these
// functions only move bytes between JavaScript values and sockaddrs.
#include <arpa/inet.h>

#include <cstring>

#include "binding.h"
#include "families.h"
#include "sys/sys.h"

namespace bsdsock {

namespace {

// sockaddrInet(family, host, port, flowinfo, scopeId, scopeGiven)
//   -> Buffer, or -EINVAL when host is not a numeric literal of family
Napi::Value SockaddrInet(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[1].IsString()) throw Napi::TypeError::New(env, "bsdsock: host");
  // Longest literal: an IPv6 address plus "%" and an interface name.
  char host[INET6_ADDRSTRLEN + 1 + 64];
  size_t n = 0;
  napi_get_value_string_utf8(env, info[1], host, sizeof host, &n);
  if (n + 1 >= sizeof host) return Result(env, -EINVAL);
  sockaddr_storage ss;
  socklen_t len = 0;
  int r = sys::inet_sockaddr(Int(info, 0), host,
                             static_cast<uint16_t>(Uint(info, 2)),
                             Uint(info, 3), Uint(info, 4), Bool(info, 5), &ss,
                             &len);
  if (r < 0) return Result(env, r);
  return SockaddrBuffer(env, ss, len);
}

// sockaddrSpecial(family, broadcast, port) -> Buffer, or -errno
Napi::Value SockaddrSpecial(const Napi::CallbackInfo& info) {
  sockaddr_storage ss;
  socklen_t len = 0;
  int r = sys::inet_special(Int(info, 0), Bool(info, 1),
                            static_cast<uint16_t>(Uint(info, 2)), &ss, &len);
  if (r < 0) return Result(info.Env(), r);
  return SockaddrBuffer(info.Env(), ss, len);
}

// sockaddrUnix(pathBytes) -> Buffer, or -ENAMETOOLONG
Napi::Value SockaddrUnix(const Napi::CallbackInfo& info) {
  Bytes path = View(info, 0);
  sockaddr_storage ss;
  socklen_t len = 0;
  int r = sys::unix_sockaddr(path.data, path.len, &ss, &len);
  if (r < 0) return Result(info.Env(), r);
  return SockaddrBuffer(info.Env(), ss, len);
}

// decodeSockaddr(view, length) ->
//   AF_INET:  [host, port]
//   AF_INET6: [host, port, flowinfo, scopeId]
//   AF_UNIX:  Buffer with the path bytes (abstract names keep their NUL)
//   AF_NETLINK, AF_PACKET, AF_VSOCK: see DecodeFamilySockaddr (families.cc)
//   other:    null (lib/ returns the raw bytes)
Napi::Value DecodeSockaddr(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Bytes b = View(info, 0);
  uint32_t len = Uint(info, 1);
  if (len > b.len || len > sizeof(sockaddr_storage))
    throw Napi::RangeError::New(env, "bsdsock: sockaddr length");
  sockaddr_storage ss;
  std::memset(&ss, 0, sizeof ss);
  // An empty view's data may be a null pointer: no memcpy for 0 bytes.
  if (len > 0) std::memcpy(&ss, b.data, len);
  int family = sys::sockaddr_family(&ss, len);
  if (family == AF_INET || family == AF_INET6) {
    char host[INET6_ADDRSTRLEN];
    if (sys::inet_host(&ss, host, sizeof host) < 0) return env.Null();
    if (family == AF_INET) {
      const auto* sin = reinterpret_cast<const sockaddr_in*>(&ss);
      Napi::Array a = Napi::Array::New(env, 2);
      a.Set(uint32_t{0}, Napi::String::New(env, host));
      a.Set(uint32_t{1}, Napi::Number::New(env, ntohs(sin->sin_port)));
      return a;
    }
    const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(&ss);
    Napi::Array a = Napi::Array::New(env, 4);
    a.Set(uint32_t{0}, Napi::String::New(env, host));
    a.Set(uint32_t{1}, Napi::Number::New(env, ntohs(sin6->sin6_port)));
    a.Set(uint32_t{2}, Napi::Number::New(env, ntohl(sin6->sin6_flowinfo)));
    a.Set(uint32_t{3}, Napi::Number::New(env, sin6->sin6_scope_id));
    return a;
  }
  if (family == AF_UNIX) {
    const char* path;
    size_t n;
    sys::unix_path(&ss, len, &path, &n);
    return Napi::Buffer<uint8_t>::Copy(
        env, reinterpret_cast<const uint8_t*>(path), n);
  }
  Napi::Value other = DecodeFamilySockaddr(env, family, ss, len);
  return other.IsEmpty() ? env.Null() : other;
}

// sockaddrFamily(view, length) -> family, or -EINVAL
Napi::Value SockaddrFamily(const Napi::CallbackInfo& info) {
  Bytes b = View(info, 0);
  uint32_t len = Uint(info, 1);
  if (len > b.len || len > sizeof(sockaddr_storage))
    throw Napi::RangeError::New(info.Env(), "bsdsock: sockaddr length");
  sockaddr_storage ss;
  if (len > 0) std::memcpy(&ss, b.data, len);
  return Result(info.Env(), sys::sockaddr_family(&ss, len));
}

// gaiStrerror(code) -> message
Napi::Value GaiStrerror(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), gai_strerror(Int(info, 0)));
}

}  // namespace

void InitAddress(Napi::Env env, Napi::Object exports) {
  exports.Set("sockaddrInet", Napi::Function::New(env, SockaddrInet, "sockaddrInet"));
  exports.Set("sockaddrSpecial",
              Napi::Function::New(env, SockaddrSpecial, "sockaddrSpecial"));
  exports.Set("sockaddrUnix", Napi::Function::New(env, SockaddrUnix, "sockaddrUnix"));
  exports.Set("decodeSockaddr",
              Napi::Function::New(env, DecodeSockaddr, "decodeSockaddr"));
  exports.Set("sockaddrFamily",
              Napi::Function::New(env, SockaddrFamily, "sockaddrFamily"));
  exports.Set("gaiStrerror", Napi::Function::New(env, GaiStrerror, "gaiStrerror"));
  InitFamilies(env, exports);
}

}  // namespace bsdsock
