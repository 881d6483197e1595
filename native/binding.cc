// Module entry point and the argument helpers shared by the binding files.
// The module is context-aware (Node-API modules always are): it keeps no
// global state, so it loads in any number of worker threads at once.
#include "binding.h"

#include <cstring>

namespace bsdsock {

namespace {

[[noreturn]] void ThrowType(Napi::Env env, const char* what) {
  throw Napi::TypeError::New(env, what);
}

}  // namespace

size_t ElementSize(napi_typedarray_type t) {
  switch (static_cast<int>(t)) {
    case napi_int8_array:
    case napi_uint8_array:
    case napi_uint8_clamped_array:
      return 1;
    case napi_int16_array:
    case napi_uint16_array:
    case kFloat16Array:
      return 2;
    case napi_int32_array:
    case napi_uint32_array:
    case napi_float32_array:
      return 4;
    case napi_float64_array:
    case napi_bigint64_array:
    case napi_biguint64_array:
      return 8;
    default:
      return 0;
  }
}

int32_t Int(Napi::Env env, Napi::Value v) {
  if (!v.IsNumber()) ThrowType(env, "bsdsock: expected a number");
  return v.As<Napi::Number>().Int32Value();
}

uint32_t Uint(const Napi::CallbackInfo& info, size_t i) {
  Napi::Value v = info[i];
  if (!v.IsNumber()) ThrowType(info.Env(), "bsdsock: expected a number");
  return v.As<Napi::Number>().Uint32Value();
}

bool Bool(const Napi::CallbackInfo& info, size_t i) {
  Napi::Value v = info[i];
  if (!v.IsBoolean()) ThrowType(info.Env(), "bsdsock: expected a boolean");
  return v.As<Napi::Boolean>().Value();
}

Bytes View(const Napi::CallbackInfo& info, size_t i) {
  Bytes b;
  if (const char* bad = LookupView(info.Env(), info[i], &b.data, &b.len)) ThrowType(info.Env(), bad);
  return b;
}

Bytes ViewRange(const Napi::CallbackInfo& info, size_t i) {
  Bytes whole = View(info, i);
  Napi::Value off_v = info[i + 1], len_v = info[i + 2];
  if (!off_v.IsNumber() || !len_v.IsNumber())
    ThrowType(info.Env(), "bsdsock: expected a byte offset and length");
  double off = off_v.As<Napi::Number>().DoubleValue();
  double len = len_v.As<Napi::Number>().DoubleValue();
  // Written so that NaN fails too.
  if (!(off >= 0 && len >= 0 && off + len <= static_cast<double>(whole.len)))
    throw Napi::RangeError::New(info.Env(),
                                "bsdsock: byte range outside the buffer");
  Bytes b;
  b.data = whole.data + static_cast<size_t>(off);
  b.len = static_cast<size_t>(len);
  return b;
}

void AddrIn(const Napi::CallbackInfo& info, size_t i, SockaddrIn* out) {
  Bytes b = View(info, i);
  if (b.len > sizeof out->storage)
    throw Napi::RangeError::New(info.Env(), "bsdsock: sockaddr too long");
  std::memset(&out->storage, 0, sizeof out->storage);
  // An empty view's data may be a null pointer, which memcpy must not get
  // even for 0 bytes.
  if (b.len > 0) std::memcpy(&out->storage, b.data, b.len);
  out->len = static_cast<socklen_t>(b.len);
}

void AddrOut(const Napi::CallbackInfo& info, size_t i, SockaddrOut* out) {
  Bytes b = View(info, i);
  if (b.len < kAddrOutSize)
    throw Napi::RangeError::New(info.Env(), "bsdsock: address buffer too small");
  out->dest = b.data;
  out->len = sizeof out->storage;
}

void SockaddrOut::Store() const {
  uint32_t n = len > sizeof storage ? sizeof storage : len;
  std::memcpy(dest, &storage, n);
  std::memcpy(dest + sizeof storage, &n, sizeof n);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  InitCalls(env, exports);
  FastState* fast = InitIo(env, exports);
  InitAddress(env, exports);
  InitOptions(env, exports);
  InitConstants(env, exports);
  InitResolve(env, exports);
  InitMultiplex(env, exports);
  InitPoller(env, exports);
  InitNames(env, exports);
  if (fast != nullptr) InitMsg(env, exports, fast);
  if (fast != nullptr) InitMmsg(env, exports, fast);
  InitSendfile(env, exports);
  InitErrors(env, exports);
  InitStructs(env, exports);
  exports.Set("SOCKADDR_STORAGE_SIZE",
              Napi::Number::New(env, sizeof(sockaddr_storage)));
  return exports;
}

}  // namespace bsdsock

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  return bsdsock::Init(env, exports);
}

NODE_API_MODULE(bsdsock, InitModule)
