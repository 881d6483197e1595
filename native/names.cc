// Bindings for the module-level name and number functions (Python's
// socket.getnameinfo, gethostbyname_ex, inet_pton, if_nameindex, ...).
// Failures come back as values (an EAI code, an h_errno, -errno, null), and
// lib/names.ts turns them into errors.
#include <arpa/inet.h>
#include <netdb.h>

#include <string>

#include "binding.h"
#include "sys/sys.h"

namespace bsdsock {

namespace {

std::string Str(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsString()) throw Napi::TypeError::New(info.Env(), "bsdsock: expected a string");
  return info[i].As<Napi::String>().Utf8Value();
}

Napi::Value NameResult(Napi::Env env, int r, int sys_errno, const std::string& host,
                       const std::string& service) {
  if (r != 0) {
    Napi::Object err = Napi::Object::New(env);
    err.Set("gai", Napi::Number::New(env, r));
    err.Set("errno", Napi::Number::New(env, sys_errno));
    return err;
  }
  Napi::Array a = Napi::Array::New(env, 2);
  a.Set(uint32_t{0}, Napi::String::New(env, host));
  a.Set(uint32_t{1}, Napi::String::New(env, service));
  return a;
}

// getnameinfo(sockaddr, flags) -> [host, service], or { gai, errno }
Napi::Value Getnameinfo(const Napi::CallbackInfo& info) {
  SockaddrIn a;
  AddrIn(info, 0, &a);
  std::string host, service;
  int sys_errno = 0;
  int r = sys::getnameinfo(a.get(), a.len, Int(info, 1), &host, &service, &sys_errno);
  return NameResult(info.Env(), r, sys_errno, host, service);
}

class NameLookup : public Napi::AsyncWorker {
 public:
  NameLookup(const Napi::CallbackInfo& info, Napi::Function callback)
      : Napi::AsyncWorker(callback, "bsdsock:getnameinfo") {
    AddrIn(info, 0, &addr_);
    flags_ = Int(info, 1);
  }
  void Execute() override { r_ = sys::getnameinfo(addr_.get(), addr_.len, flags_, &host_, &service_, &sys_errno_); }
  void OnOK() override { Callback().Call({NameResult(Env(), r_, sys_errno_, host_, service_)}); }

 private:
  SockaddrIn addr_;
  int flags_ = 0, r_ = 0, sys_errno_ = 0;
  std::string host_, service_;
};

// getnameinfoAsync(sockaddr, flags, callback(result)) on the libuv thread pool
Napi::Value GetnameinfoAsync(const Napi::CallbackInfo& info) {
  if (!info[2].IsFunction()) throw Napi::TypeError::New(info.Env(), "bsdsock: getnameinfo callback");
  (new NameLookup(info, info[2].As<Napi::Function>()))->Queue();
  return info.Env().Undefined();
}

// gethostname() -> name, or -errno
Napi::Value Gethostname(const Napi::CallbackInfo& info) {
  std::string name;
  int r = sys::gethostname(&name);
  if (r < 0) return Result(info.Env(), r);
  return Napi::String::New(info.Env(), name);
}

// sethostname(bytes) -> 0, or -errno
Napi::Value Sethostname(const Napi::CallbackInfo& info) {
  Bytes name = View(info, 0);
  return Result(info.Env(), sys::sethostname(name.data, name.len));
}

Napi::Value HostResult(Napi::Env env, int r, const sys::HostEntry& he) {
  if (r != 0) return Result(env, r);
  Napi::Array aliases = Napi::Array::New(env, he.aliases.size());
  for (size_t i = 0; i < he.aliases.size(); i++) aliases.Set(i, Napi::String::New(env, he.aliases[i]));
  Napi::Array addrs = Napi::Array::New(env, he.addresses.size());
  for (size_t i = 0; i < he.addresses.size(); i++) addrs.Set(i, Napi::String::New(env, he.addresses[i]));
  Napi::Array a = Napi::Array::New(env, 3);
  a.Set(uint32_t{0}, Napi::String::New(env, he.name));
  a.Set(uint32_t{1}, aliases);
  a.Set(uint32_t{2}, addrs);
  return a;
}

// gethostbyname(name, family) -> [name, aliases, addresses], or h_errno (> 0)
Napi::Value Gethostbyname(const Napi::CallbackInfo& info) {
  sys::HostEntry he;
  int r = sys::gethostbyname(Str(info, 0).c_str(), Int(info, 1), &he);
  return HostResult(info.Env(), r, he);
}

// gethostbyaddr(packed address bytes, family) -> [name, aliases, addresses], or h_errno
Napi::Value Gethostbyaddr(const Napi::CallbackInfo& info) {
  Bytes b = View(info, 0);
  sys::HostEntry he;
  int r = sys::gethostbyaddr(b.data, static_cast<socklen_t>(b.len), Int(info, 1), &he);
  return HostResult(info.Env(), r, he);
}

Napi::Value Hstrerror(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), sys::host_error_message(Int(info, 0)));
}

// getservbyname(name, proto|null) -> port, or -1
Napi::Value Getservbyname(const Napi::CallbackInfo& info) {
  std::string proto = info[1].IsString() ? Str(info, 1) : "";
  return Result(info.Env(), sys::getservbyname(Str(info, 0).c_str(), info[1].IsString() ? proto.c_str() : nullptr));
}

// getservbyport(port, proto|null) -> name, or null
Napi::Value Getservbyport(const Napi::CallbackInfo& info) {
  std::string proto = info[1].IsString() ? Str(info, 1) : "";
  std::string name;
  if (sys::getservbyport(Int(info, 0), info[1].IsString() ? proto.c_str() : nullptr, &name) < 0)
    return info.Env().Null();
  return Napi::String::New(info.Env(), name);
}

// getprotobyname(name) -> number, or -1
Napi::Value Getprotobyname(const Napi::CallbackInfo& info) {
  return Result(info.Env(), sys::getprotobyname(Str(info, 0).c_str()));
}

// inetPton(family, text) -> Buffer, 0 when invalid, or -errno
Napi::Value InetPton(const Napi::CallbackInfo& info) {
  uint8_t out[16];
  int r = sys::inet_pton(Int(info, 0), Str(info, 1).c_str(), out);
  if (r <= 0) return Result(info.Env(), r);
  return Napi::Buffer<uint8_t>::Copy(info.Env(), out, static_cast<size_t>(r));
}

// inetNtop(family, bytes) -> text, or -errno (length checked in lib/)
Napi::Value InetNtop(const Napi::CallbackInfo& info) {
  Bytes b = View(info, 1);
  int family = Int(info, 0);
  if (b.len != (family == AF_INET ? 4u : 16u)) return Result(info.Env(), -EINVAL);
  char text[INET6_ADDRSTRLEN];
  int r = sys::inet_ntop(family, b.data, text, sizeof text);
  if (r < 0) return Result(info.Env(), r);
  return Napi::String::New(info.Env(), text, static_cast<size_t>(r));
}

// inetAton(text) -> 4-byte Buffer, or null
Napi::Value InetAton(const Napi::CallbackInfo& info) {
  uint8_t out[4];
  if (sys::inet_aton(Str(info, 0).c_str(), out) == 0) return info.Env().Null();
  return Napi::Buffer<uint8_t>::Copy(info.Env(), out, 4);
}

Napi::Value IfNametoindex(const Napi::CallbackInfo& info) {
  return Result(info.Env(), sys::if_nametoindex(Str(info, 0).c_str()));
}

// ifIndextoname(index) -> name, or -errno
Napi::Value IfIndextoname(const Napi::CallbackInfo& info) {
  std::string name;
  int r = sys::if_indextoname(Uint(info, 0), &name);
  if (r < 0) return Result(info.Env(), r);
  return Napi::String::New(info.Env(), name);
}

// ifNameindex() -> [[index, name], ...], or -errno
Napi::Value IfNameindex(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<std::pair<unsigned, std::string>> list;
  int r = sys::if_nameindex(&list);
  if (r < 0) return Result(env, r);
  Napi::Array a = Napi::Array::New(env, list.size());
  for (size_t i = 0; i < list.size(); i++) {
    Napi::Array pair = Napi::Array::New(env, 2);
    pair.Set(uint32_t{0}, Napi::Number::New(env, list[i].first));
    pair.Set(uint32_t{1}, Napi::String::New(env, list[i].second));
    a.Set(i, pair);
  }
  return a;
}

}  // namespace

void InitNames(Napi::Env env, Napi::Object exports) {
  exports.Set("getnameinfo", Napi::Function::New(env, Getnameinfo, "getnameinfo"));
  exports.Set("getnameinfoAsync", Napi::Function::New(env, GetnameinfoAsync, "getnameinfoAsync"));
  exports.Set("gethostname", Napi::Function::New(env, Gethostname, "gethostname"));
  exports.Set("sethostname", Napi::Function::New(env, Sethostname, "sethostname"));
#if defined(AF_INET6)
  // CPython's has_ipv6: built with IPv6 support, whether or not this kernel
  // has it enabled.
  exports.Set("HAS_IPV6", Napi::Boolean::New(env, true));
#else
  exports.Set("HAS_IPV6", Napi::Boolean::New(env, false));
#endif
  exports.Set("gethostbyname", Napi::Function::New(env, Gethostbyname, "gethostbyname"));
  exports.Set("gethostbyaddr", Napi::Function::New(env, Gethostbyaddr, "gethostbyaddr"));
  exports.Set("hstrerror", Napi::Function::New(env, Hstrerror, "hstrerror"));
  exports.Set("getservbyname", Napi::Function::New(env, Getservbyname, "getservbyname"));
  exports.Set("getservbyport", Napi::Function::New(env, Getservbyport, "getservbyport"));
  exports.Set("getprotobyname", Napi::Function::New(env, Getprotobyname, "getprotobyname"));
  exports.Set("inetPton", Napi::Function::New(env, InetPton, "inetPton"));
  exports.Set("inetNtop", Napi::Function::New(env, InetNtop, "inetNtop"));
  exports.Set("inetAton", Napi::Function::New(env, InetAton, "inetAton"));
  exports.Set("ifNametoindex", Napi::Function::New(env, IfNametoindex, "ifNametoindex"));
  exports.Set("ifIndextoname", Napi::Function::New(env, IfIndextoname, "ifIndextoname"));
  exports.Set("ifNameindex", Napi::Function::New(env, IfNameindex, "ifNameindex"));
  // h_errno values, for naming gethostbyname/gethostbyaddr failures.
  Napi::Object herr = Napi::Object::New(env);
  herr.Set("HOST_NOT_FOUND", Napi::Number::New(env, HOST_NOT_FOUND));
  herr.Set("TRY_AGAIN", Napi::Number::New(env, TRY_AGAIN));
  herr.Set("NO_RECOVERY", Napi::Number::New(env, NO_RECOVERY));
  herr.Set("NO_DATA", Napi::Number::New(env, NO_DATA));
  exports.Set("hostErrors", herr);
}

}  // namespace bsdsock
