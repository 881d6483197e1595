// Bindings for getsockopt(2) and setsockopt(2), as a C int or as raw bytes.
#include <cstring>

#include "binding.h"
#include "sys/sys.h"

namespace bsdsock {

namespace {

// getsockoptBuf(fd, level, name, view) -> the length the kernel reported
Napi::Value GetsockoptBuf(const Napi::CallbackInfo& info) {
  Bytes b = View(info, 3);
  socklen_t len = static_cast<socklen_t>(b.len);
  int r = sys::getsockopt(Int(info, 0), Int(info, 1), Int(info, 2), b.data, &len);
  return Result(info.Env(), r < 0 ? r : static_cast<int>(len));
}

// setsockoptInt(fd, level, name, value) -> 0
Napi::Value SetsockoptInt(const Napi::CallbackInfo& info) {
  int value = Int(info, 3);
  return Result(info.Env(), sys::setsockopt(Int(info, 0), Int(info, 1),
                                            Int(info, 2), &value, sizeof value));
}

// setsockoptBuf(fd, level, name, view, offset, length) -> 0
Napi::Value SetsockoptBuf(const Napi::CallbackInfo& info) {
  Bytes b = ViewRange(info, 3);
  return Result(info.Env(),
                sys::setsockopt(Int(info, 0), Int(info, 1), Int(info, 2), b.data,
                                static_cast<socklen_t>(b.len)));
}

// setsockoptNull(fd, level, name, optlen) -> 0: a NULL optval, as Python's
// setsockopt(level, name, None, optlen).
Napi::Value SetsockoptNull(const Napi::CallbackInfo& info) {
  return Result(info.Env(), sys::setsockopt(Int(info, 0), Int(info, 1),
                                            Int(info, 2), nullptr, Uint(info, 3)));
}

}  // namespace

void InitOptions(Napi::Env env, Napi::Object exports) {
  exports.Set("getsockoptBuf", Napi::Function::New(env, GetsockoptBuf, "getsockoptBuf"));
  exports.Set("setsockoptInt", Napi::Function::New(env, SetsockoptInt, "setsockoptInt"));
  exports.Set("setsockoptBuf", Napi::Function::New(env, SetsockoptBuf, "setsockoptBuf"));
  exports.Set("setsockoptNull",
              Napi::Function::New(env, SetsockoptNull, "setsockoptNull"));
}

}  // namespace bsdsock
