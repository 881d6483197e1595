// Shared helpers for the binding files. Each binding function converts its
// arguments, calls one function of native/sys, and returns a number: the
// result, or -errno. Only programming errors (a wrong argument type, a range
// outside a buffer) throw, and lib/ validates before it gets here, so those
// throws are a second line of defence against a crash, not an API.
#pragma once

#include <napi.h>
#include <sys/socket.h>

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace bsdsock {

// Size of the "address out" buffers that lib/ passes to accept, recvfrom,
// getsockname and getpeername: a sockaddr_storage followed by a uint32 (in
// native byte order) that receives the address length.
constexpr size_t kAddrOutSize = sizeof(sockaddr_storage) + sizeof(uint32_t);

inline Napi::Value Result(Napi::Env env, double r) {
  return Napi::Number::New(env, r);
}

// A sockaddr's first len bytes, copied into a new Buffer.
inline Napi::Value SockaddrBuffer(Napi::Env env, const sockaddr_storage& ss,
                                  socklen_t len) {
  return Napi::Buffer<uint8_t>::Copy(
      env, reinterpret_cast<const uint8_t*>(&ss), len);
}

// A value as an int32; a TypeError if it is not a number.
int32_t Int(Napi::Env env, Napi::Value v);
// Argument i as an int32; a TypeError if it is not a number.
inline int32_t Int(const Napi::CallbackInfo& info, size_t i) {
  return Int(info.Env(), info[i]);
}
// Argument i as a uint32; a TypeError if it is not a number.
uint32_t Uint(const Napi::CallbackInfo& info, size_t i);
// Argument i as a bool (truthiness is decided in lib/; here it must be one).
bool Bool(const Napi::CallbackInfo& info, size_t i);

// Float16Array's napi_typedarray_type in newer Node-API headers (behind
// NAPI_EXPERIMENTAL), and a value no TypedArray has (within the enum's range):
// Node 24 returns napi_ok for a Float16Array without writing the type, so
// callers preset this one.
constexpr int kFloat16Array = 11;
constexpr napi_typedarray_type kUnknownTypedArray = static_cast<napi_typedarray_type>(15);

// The size in bytes of one element of a TypedArray of this type; 0 for a
// type this build does not know (its byte length cannot be trusted).
size_t ElementSize(napi_typedarray_type t);

// The memory of an ArrayBufferView (any TypedArray, Buffer or DataView):
// nullptr, or the TypeError message for a value that is not one, or (in the
// fallback lookup, for a view napi_get_buffer_info turns down) for a
// TypedArray whose element type this build does not know. Inline: the hot
// path (io.cc) calls it on every data call.
inline const char* LookupView(napi_env env, napi_value v, uint8_t** data, size_t* bytes) {
  void* base = nullptr;
  // napi_get_buffer_info gives the byte length straight away, where the
  // typed-array lookup gives an element count and an element type that costs
  // a chain of type tests: 33 fewer instructions per data call (callgrind).
  // Node accepts any ArrayBufferView here and returns napi_invalid_arg for
  // anything else (checked from 20.19.0, the oldest Node package.json allows,
  // to 26); Node-API documents only Buffer and Uint8Array, so whatever it
  // turns down still gets the general lookup below.
  if (napi_get_buffer_info(env, v, &base, bytes) == napi_ok) {
    *data = static_cast<uint8_t*>(base);
    return nullptr;
  }
  napi_typedarray_type type = kUnknownTypedArray;
  size_t length = 0;
  if (napi_get_typedarray_info(env, v, &type, &length, &base, nullptr, nullptr) == napi_ok) {
    const size_t size = ElementSize(type);
    if (size == 0) return "bsdsock: unsupported TypedArray type";
    *bytes = length * size;
  } else if (napi_get_dataview_info(env, v, bytes, &base, nullptr, nullptr) != napi_ok) {
    return "bsdsock: expected an ArrayBufferView";
  }
  *data = static_cast<uint8_t*>(base);
  return nullptr;
}

// Bytes of an ArrayBufferView (any TypedArray, Buffer or DataView).
struct Bytes {
  uint8_t* data = nullptr;
  size_t len = 0;
};
// Argument i as a whole view.
Bytes View(const Napi::CallbackInfo& info, size_t i);
// Arguments i, i+1, i+2 as (view, byteOffset, byteLength), range-checked
// against the view: a RangeError rather than a read past its end.
Bytes ViewRange(const Napi::CallbackInfo& info, size_t i);

// A sockaddr passed in as a Buffer holding exactly the address bytes. It is
// copied into aligned storage: a Buffer from Node's pool may start anywhere.
struct SockaddrIn {
  sockaddr_storage storage;
  socklen_t len = 0;
  const sockaddr* get() const {
    return reinterpret_cast<const sockaddr*>(&storage);
  }
};
void AddrIn(const Napi::CallbackInfo& info, size_t i, SockaddrIn* out);

// The address-out buffer at argument i (see kAddrOutSize): a call fills
// `storage` and `len`, then Store() copies both out to JavaScript.
struct SockaddrOut {
  uint8_t* dest = nullptr;
  sockaddr_storage storage;
  socklen_t len = sizeof(sockaddr_storage);
  void Store() const;
};
void AddrOut(const Napi::CallbackInfo& info, size_t i, SockaddrOut* out);

// The hot path's per-env state (native/io.cc): the frame, a Float64Array
// that lib/fast.ts fills with a call's integer arguments and reads its
// results from, and the sockaddr buffers in and out. Frame slots:
//   0 fd, 1 byte offset, 2 byte length (-1: to the end), 3 flags,
//   4 sockaddr length, option level or small-results offset,
//   5 option name or copy limit, 6 option value out or copied out
//   (recvmmsgViews: 1 in to ask whether more is queued, 1 out if so),
//   7 result (>= 0 or -errno), 8 the data view's byte length out,
//   9 recvmsg's ancbufsize (recvmmsg's: control bytes per message), 10 its
//   msg_flags out, 11 1 when it received a malformed ancillary item,
//   12 the number of messages of a batch (native/mmsg.cc), 13 the capacity
//   of its mmsg memory, 14 the bytes per message of recvmmsgPool.
constexpr size_t kFrameSlots = 15;
struct FastState {
  double* frame = nullptr;
  uint8_t* addr_in = nullptr;   // sockaddr for sendto, length in frame[4]
  uint8_t* addr_out = nullptr;  // sockaddr + uint32 length (kAddrOutSize), from recvfrom
};

// An integer from a frame slot; NaN and out-of-range values become `bad`
// (never undefined behaviour from a cast).
inline int SlotInt(double v, int bad = -1) {
  return v >= -2147483648.0 && v <= 2147483647.0 ? static_cast<int>(v) : bad;
}

// Copies a received sockaddr of `len` bytes (clipped to the storage) and its
// length to the address-out buffer.
inline void StoreAddrOut(FastState* s, const sockaddr_storage& from, socklen_t len) {
  uint32_t n = len > sizeof from ? sizeof from : len;
  std::memcpy(s->addr_out, &from, n);
  std::memcpy(s->addr_out + sizeof from, &n, sizeof n);
}

// One recvmsg(2) into `iov` (native/msg.cc), with the frame's fd, flags and
// ancbufsize: the result in frame[7], msg_flags in frame[10], the sender in
// the address-out buffer, and in *items the ancillary items received as a
// flat array (level, type, Buffer, ...), or undefined for none. False with
// a JavaScript exception pending if they could not be made (their fds are
// closed then).
bool RecvmsgIov(napi_env env, FastState* s, iovec* iov, size_t iovcnt, napi_value* items);

// Registration of each binding file's functions on the module's exports.
void InitCalls(Napi::Env env, Napi::Object exports);
FastState* InitIo(Napi::Env env, Napi::Object exports);
void InitAddress(Napi::Env env, Napi::Object exports);
void InitOptions(Napi::Env env, Napi::Object exports);
void InitConstants(Napi::Env env, Napi::Object exports);
void InitResolve(Napi::Env env, Napi::Object exports);
void InitMultiplex(Napi::Env env, Napi::Object exports);
void InitPoller(Napi::Env env, Napi::Object exports);
void InitNames(Napi::Env env, Napi::Object exports);
void InitMsg(Napi::Env env, Napi::Object exports, FastState* state);
void InitSendfile(Napi::Env env, Napi::Object exports);
void InitErrors(Napi::Env env, Napi::Object exports);
void InitStructs(Napi::Env env, Napi::Object exports);
void InitMmsg(Napi::Env env, Napi::Object exports, FastState* state);

}  // namespace bsdsock
