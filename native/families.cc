// Bindings that build and read the sockaddrs of AF_NETLINK, AF_PACKET and
// AF_VSOCK. lib/linux-address.ts holds the policy (CPython's tuples, the
// checks of every field, interface names); native/sys/families.cc the layouts.
#include "families.h"

#include "binding.h"
#include "sys/families.h"

namespace bsdsock {

namespace {

// sockaddrNetlink(pid, groups) -> Buffer, or -EAFNOSUPPORT
Napi::Value SockaddrNetlink(const Napi::CallbackInfo& info) {
  sockaddr_storage ss;
  socklen_t len = 0;
  int r = sys::netlink_sockaddr(Uint(info, 0), Uint(info, 1), &ss, &len);
  if (r < 0) return Result(info.Env(), r);
  return SockaddrBuffer(info.Env(), ss, len);
}

// sockaddrPacket(ifindex, proto, pkttype, hatype, addrBytes) -> Buffer, or
// -EINVAL (more than 8 address bytes), -EAFNOSUPPORT
Napi::Value SockaddrPacket(const Napi::CallbackInfo& info) {
  Bytes haddr = View(info, 4);
  sockaddr_storage ss;
  socklen_t len = 0;
  int r = sys::packet_sockaddr(Int(info, 0), static_cast<uint16_t>(Uint(info, 1)),
                               static_cast<uint8_t>(Uint(info, 2)),
                               static_cast<uint16_t>(Uint(info, 3)), haddr.data,
                               haddr.len, &ss, &len);
  if (r < 0) return Result(info.Env(), r);
  return SockaddrBuffer(info.Env(), ss, len);
}

// sockaddrVsock(cid, port) -> Buffer, or -EAFNOSUPPORT
Napi::Value SockaddrVsock(const Napi::CallbackInfo& info) {
  sockaddr_storage ss;
  socklen_t len = 0;
  int r = sys::vsock_sockaddr(Uint(info, 0), Uint(info, 1), &ss, &len);
  if (r < 0) return Result(info.Env(), r);
  return SockaddrBuffer(info.Env(), ss, len);
}

Napi::Array Pair(Napi::Env env, uint32_t a, uint32_t b) {
  Napi::Array pair = Napi::Array::New(env, 2);
  pair.Set(uint32_t{0}, Napi::Number::New(env, a));
  pair.Set(uint32_t{1}, Napi::Number::New(env, b));
  return pair;
}

}  // namespace

Napi::Value DecodeFamilySockaddr(Napi::Env env, int family,
                                 const sockaddr_storage& ss, socklen_t len) {
#ifdef AF_NETLINK
  if (family == AF_NETLINK) {
    sys::NetlinkParts nl;
    if (sys::netlink_parts(&ss, len, &nl) < 0) return Napi::Value();
    return Pair(env, nl.pid, nl.groups);
  }
#endif
#ifdef AF_PACKET
  if (family == AF_PACKET) {
    sys::PacketParts ll;
    if (sys::packet_parts(&ss, len, &ll) < 0) return Napi::Value();
    // As CPython: the interface by name, '' for index 0 or a name that
    // cannot be found (an interface gone since the frame arrived).
    char name[sys::kInterfaceNameSize];
    sys::interface_name(ll.ifindex, name);
    Napi::Array a = Napi::Array::New(env, 5);
    a.Set(uint32_t{0}, Napi::String::New(env, name));
    a.Set(uint32_t{1}, Napi::Number::New(env, ll.proto));
    a.Set(uint32_t{2}, Napi::Number::New(env, ll.pkttype));
    a.Set(uint32_t{3}, Napi::Number::New(env, ll.hatype));
    a.Set(uint32_t{4}, Napi::Buffer<uint8_t>::Copy(env, ll.haddr, ll.halen));
    return a;
  }
#endif
#ifdef AF_VSOCK
  if (family == AF_VSOCK) {
    sys::VsockParts vm;
    if (sys::vsock_parts(&ss, len, &vm) < 0) return Napi::Value();
    return Pair(env, vm.cid, vm.port);
  }
#endif
  (void)env;
  (void)family;
  (void)ss;
  (void)len;
  return Napi::Value();
}

void InitFamilies(Napi::Env env, Napi::Object exports) {
  exports.Set("sockaddrNetlink",
              Napi::Function::New(env, SockaddrNetlink, "sockaddrNetlink"));
  exports.Set("sockaddrPacket",
              Napi::Function::New(env, SockaddrPacket, "sockaddrPacket"));
  exports.Set("sockaddrVsock",
              Napi::Function::New(env, SockaddrVsock, "sockaddrVsock"));
}

}  // namespace bsdsock
