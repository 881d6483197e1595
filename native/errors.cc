// Bindings for errno names and descriptions: lib/errors.ts builds its
// tables from errnoTable() once, and asks strerror() for anything else.
#include "binding.h"
#include "sys/errnos.h"

namespace bsdsock {

namespace {

// errnoTable() -> [value, name, description, value, name, ...] for every
// errno value the platform names, in increasing order.
Napi::Value ErrnoTable(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array out = Napi::Array::New(env);
  uint32_t i = 0;
  char buf[256];
  sys::each_errno([&](int value, const char* name) {
    sys::strerror(value, buf, sizeof buf);
    out.Set(i++, Napi::Number::New(env, value));
    out.Set(i++, Napi::String::New(env, name));
    out.Set(i++, Napi::String::New(env, buf));
  });
  return out;
}

// strerror(errno) -> the C library's description, for any int
Napi::Value Strerror(const Napi::CallbackInfo& info) {
  char buf[256];
  sys::strerror(Int(info, 0), buf, sizeof buf);
  return Napi::String::New(info.Env(), buf);
}

}  // namespace

void InitErrors(Napi::Env env, Napi::Object exports) {
  exports.Set("errnoTable", Napi::Function::New(env, ErrnoTable, "errnoTable"));
  exports.Set("strerror", Napi::Function::New(env, Strerror, "strerror"));
}

}  // namespace bsdsock
