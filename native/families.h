// The bindings of the address families beyond IP and AF_UNIX (native/families.cc).
#pragma once

#include <napi.h>
#include <sys/socket.h>

namespace bsdsock {

// AF_NETLINK: [pid, groups]; AF_PACKET: [ifname, proto, pkttype, hatype,
// Buffer]; AF_VSOCK: [cid, port]. Empty (undefined) for another family, or
// for a sockaddr too short to hold the family's fields.
Napi::Value DecodeFamilySockaddr(Napi::Env env, int family,
                                 const sockaddr_storage& ss, socklen_t len);

void InitFamilies(Napi::Env env, Napi::Object exports);

}  // namespace bsdsock
