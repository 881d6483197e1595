// Bindings for getaddrinfo(3): a blocking one for the sync API (as Python's)
// and one that runs on the libuv thread pool for the async API, so that a
// host name never blocks the event loop.
#include <string>

#include "binding.h"
#include "sys/sys.h"

namespace bsdsock {

namespace {

// The arguments of a lookup, copied out of JavaScript values.
struct Query {
  std::string host, service;
  bool has_host = false, has_service = false;
  int family = 0, type = 0, proto = 0, flags = 0;

  Query(const Napi::CallbackInfo& info) {
    has_host = info[0].IsString();
    has_service = info[1].IsString();
    if (has_host) host = info[0].As<Napi::String>().Utf8Value();
    if (has_service) service = info[1].As<Napi::String>().Utf8Value();
    family = Int(info, 2);
    type = Int(info, 3);
    proto = Int(info, 4);
    flags = Int(info, 5);
  }

  int Run(addrinfo** res, int* sys_errno) const {
    return sys::getaddrinfo(has_host ? host.c_str() : nullptr,
                            has_service ? service.c_str() : nullptr, family,
                            type, proto, flags, res, sys_errno);
  }
};

// [[family, type, proto, canonname, sockaddr Buffer], ...], or on failure
// { gai: EAI code, errno }. Frees `res`.
Napi::Value ToJs(Napi::Env env, int r, int sys_errno, addrinfo* res) {
  if (r != 0) {
    Napi::Object err = Napi::Object::New(env);
    err.Set("gai", Napi::Number::New(env, r));
    err.Set("errno", Napi::Number::New(env, sys_errno));
    return err;
  }
  Napi::Array list = Napi::Array::New(env);
  uint32_t i = 0;
  for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    Napi::Array entry = Napi::Array::New(env, 5);
    entry.Set(uint32_t{0}, Napi::Number::New(env, ai->ai_family));
    entry.Set(uint32_t{1}, Napi::Number::New(env, ai->ai_socktype));
    entry.Set(uint32_t{2}, Napi::Number::New(env, ai->ai_protocol));
    entry.Set(uint32_t{3},
              Napi::String::New(env, ai->ai_canonname ? ai->ai_canonname : ""));
    entry.Set(uint32_t{4}, Napi::Buffer<uint8_t>::Copy(
                               env, reinterpret_cast<const uint8_t*>(ai->ai_addr),
                               ai->ai_addrlen));
    list.Set(i++, entry);
  }
  freeaddrinfo(res);
  return list;
}

// getaddrinfo(host|null, service|null, family, type, proto, flags)
Napi::Value Getaddrinfo(const Napi::CallbackInfo& info) {
  Query q(info);
  addrinfo* res = nullptr;
  int sys_errno = 0;
  int r = q.Run(&res, &sys_errno);
  return ToJs(info.Env(), r, sys_errno, res);
}

class Lookup : public Napi::AsyncWorker {
 public:
  Lookup(const Napi::CallbackInfo& info, Napi::Function callback)
      : Napi::AsyncWorker(callback, "bsdsock:getaddrinfo"), query_(info) {}

  ~Lookup() override {
    if (res_ != nullptr) freeaddrinfo(res_);
  }

  void Execute() override { r_ = query_.Run(&res_, &sys_errno_); }

  void OnOK() override {
    Napi::Env env = Env();
    addrinfo* res = res_;
    res_ = nullptr;  // ToJs frees it
    Callback().Call({ToJs(env, r_, sys_errno_, res)});
  }

 private:
  Query query_;
  addrinfo* res_ = nullptr;
  int r_ = 0;
  int sys_errno_ = 0;
};

// getaddrinfoAsync(host|null, service|null, family, type, proto, flags,
//                  callback(result)) -> undefined; the lookup runs on the
// libuv thread pool and the callback gets what getaddrinfo() returns.
Napi::Value GetaddrinfoAsync(const Napi::CallbackInfo& info) {
  if (!info[6].IsFunction())
    throw Napi::TypeError::New(info.Env(), "bsdsock: getaddrinfo callback");
  auto* work = new Lookup(info, info[6].As<Napi::Function>());
  work->Queue();  // deletes itself after OnOK
  return info.Env().Undefined();
}

}  // namespace

void InitResolve(Napi::Env env, Napi::Object exports) {
  exports.Set("getaddrinfo", Napi::Function::New(env, Getaddrinfo, "getaddrinfo"));
  exports.Set("getaddrinfoAsync",
              Napi::Function::New(env, GetaddrinfoAsync, "getaddrinfoAsync"));
}

}  // namespace bsdsock
