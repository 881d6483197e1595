// The hot path: the data calls and getsockopt(int), in raw Node-API.
//
// Every N-API call costs, and on a machine with retpolines and RSB filling
// every extra frame between the JIT's code and the syscall costs again after
// the syscall returns. So these functions do as little as possible:
//
//   * integer arguments and the result travel through a per-env "frame", a
//     Float64Array that lib/fast.ts writes before the call and reads after
//     it: no argument conversion, no result allocation;
//   * the sockaddr of sendto() and the one filled by recvfrom() live in
//     per-env buffers whose addresses native knows: no lookup per call;
//   * the only per-call lookups are napi_get_cb_info and, for the data view,
//     napi_get_buffer_info, which gives bytes and byte length of any view in
//     one call (binding.h's LookupView);
//   * would-block is just -EAGAIN in the frame: no exception, no allocation;
//   * a byte length of -1 means "to the end of the view", and every data call
//     reports the view's byte length, so that JavaScript need not read the
//     view's byteLength (in the optimized sync methods, a generic property
//     load and a builtin call: as costly as the rest of their JavaScript).
//
// The frame's slots are listed in binding.h (FastState).
#include <cerrno>
#include <cmath>
#include <cstring>

#include "binding.h"
#include "sys/sys.h"

namespace bsdsock {

namespace {

// The bytes of the data view argument and the state; false (with a JS
// exception pending) for a non-view or a range outside it.
__attribute__((always_inline)) inline bool Prologue(napi_env env, napi_callback_info info, FastState** state, uint8_t** data,
                     size_t* len) {
  size_t argc = 1;
  napi_value view;
  void* st = nullptr;
  napi_get_cb_info(env, info, &argc, &view, nullptr, &st);
  *state = static_cast<FastState*>(st);
  uint8_t* base = nullptr;
  size_t bytes = 0;
  const char* bad = argc >= 1 ? LookupView(env, view, &base, &bytes) : "bsdsock: expected an ArrayBufferView";
  if (bad != nullptr) {
    napi_throw_type_error(env, nullptr, bad);
    return false;
  }
  double* f = (*state)->frame;
  f[8] = static_cast<double>(bytes);
  const double off = f[1];
  double n = f[2];
  if (n == -1) n = static_cast<double>(bytes) - off;  // to the end (off > bytes fails below)
  // Written so that NaN fails too.
  if (!(off >= 0 && n >= 0 && off + n <= static_cast<double>(bytes))) {
    napi_throw_range_error(env, nullptr, "bsdsock: byte range outside the buffer");
    return false;
  }
  *data = base + static_cast<size_t>(off);
  *len = static_cast<size_t>(n);
  return true;
}

// recv(view): frame fd, offset, length, flags -> result. Receiving into no
// bytes makes no syscall and returns 0, as CPython's recv_into does: recv(2)
// with length 0 would block on an empty socket and consume a datagram. A
// closed socket (fd -1) still gives EBADF. This Python rule lives here, not
// in lib/, because only this side measures the view (END): lib/ would have
// to read byteLength on every call to know the length is 0.
napi_value Recv(napi_env env, napi_callback_info info) {
  FastState* s;
  uint8_t* data;
  size_t len;
  if (!Prologue(env, info, &s, &data, &len)) return nullptr;
  double* f = s->frame;
  const int fd = SlotInt(f[0]);
  f[7] = len == 0 ? (fd < 0 ? -EBADF : 0) : static_cast<double>(sys::recv(fd, data, len, SlotInt(f[3], 0)));
  return nullptr;
}

// send(view): frame fd, offset, length, flags -> result
napi_value Send(napi_env env, napi_callback_info info) {
  FastState* s;
  uint8_t* data;
  size_t len;
  if (!Prologue(env, info, &s, &data, &len)) return nullptr;
  double* f = s->frame;
  f[7] = static_cast<double>(sys::send(SlotInt(f[0]), data, len, SlotInt(f[3], 0)));
  return nullptr;
}

// recvfrom(2) of the frame's fd and flags into data: the result, the
// sender's sockaddr and its length in the address-out buffer.
ssize_t RecvfromInto(FastState* s, uint8_t* data, size_t len) {
  const double* f = s->frame;
  sockaddr_storage from;
  socklen_t flen = sizeof from;
  ssize_t r = sys::recvfrom(SlotInt(f[0]), data, len, SlotInt(f[3], 0), &from, &flen);
  if (r >= 0) StoreAddrOut(s, from, flen);
  return r;
}

// recvfrom(view): frame fd, offset, length, flags -> result; the sender's
// sockaddr and its length land in the address-out buffer.
napi_value Recvfrom(napi_env env, napi_callback_info info) {
  FastState* s;
  uint8_t* data;
  size_t len;
  if (!Prologue(env, info, &s, &data, &len)) return nullptr;
  s->frame[7] = static_cast<double>(RecvfromInto(s, data, len));
  return nullptr;
}

// sendto(view): frame fd, offset, length, flags, sockaddr length -> result;
// the sockaddr is in the address-in buffer.
napi_value Sendto(napi_env env, napi_callback_info info) {
  FastState* s;
  uint8_t* data;
  size_t len;
  if (!Prologue(env, info, &s, &data, &len)) return nullptr;
  double* f = s->frame;
  int alen = SlotInt(f[4], 0);
  if (alen < 0 || alen > static_cast<int>(sizeof(sockaddr_storage))) alen = 0;
  sockaddr_storage to;
  std::memcpy(&to, s->addr_in, static_cast<size_t>(alen));
  f[7] = static_cast<double>(sys::sendto(SlotInt(f[0]), data, len, SlotInt(f[3], 0),
                                         reinterpret_cast<const sockaddr*>(&to),
                                         static_cast<socklen_t>(alen)));
  return nullptr;
}

// The receive pool (lib/pool.ts): a call receives into a slab, the first
// ArrayBuffer argument, at [frame[1], frame[1] + frame[2]); if a second one
// is given (the small-results slab), a result of at most frame[5] bytes is
// then copied to it at frame[4]. frame[6] says whether it was: 1, 0, or -1
// when that slab was too short (detached). Copying here costs a memcpy; in
// JavaScript it costs a typed array (about 400 instructions, callgrind).
//
// The slabs are looked up on every call, never kept: a slab can be detached
// (ArrayBuffer.prototype.transfer on Node 22 ignores markAsUntransferable),
// and every copy of lib/ loaded in the env has slabs of its own. lib/ keeps
// its slabs' sizes rather than asking (a builtin call each time), so a slab
// too short for the range is reported as kNoSlab, for lib/ to take a new
// one; only a range that is not one at all is an exception. An ArrayBuffer
// costs less to look up than a view.
constexpr double kNoSlab = -65536;  // no errno is this large
struct PoolCall {
  FastState* state;
  napi_value small;
  uint8_t* data;
  size_t len;
};

// The arguments of a pool call; false with kNoSlab as the result for a slab
// too short for the range, or with a JavaScript exception pending for a slab
// that is not an ArrayBuffer or a range that is empty or negative.
__attribute__((always_inline)) inline bool PoolPrologue(napi_env env, napi_callback_info info, PoolCall* call) {
  size_t argc = 2;
  napi_value args[2];
  void* st = nullptr;
  napi_get_cb_info(env, info, &argc, args, nullptr, &st);
  call->state = static_cast<FastState*>(st);
  call->small = argc >= 2 ? args[1] : nullptr;
  void* base = nullptr;
  size_t bytes = 0;
  if (argc < 1 || napi_get_arraybuffer_info(env, args[0], &base, &bytes) != napi_ok) {
    napi_throw_type_error(env, nullptr, "bsdsock: expected an ArrayBuffer");
    return false;
  }
  const double* f = call->state->frame;
  const double off = f[1];
  const double n = f[2];
  // Written so that NaN fails too.
  if (!(off >= 0 && n > 0)) {
    napi_throw_range_error(env, nullptr, "bsdsock: byte range outside the receive pool");
    return false;
  }
  if (!(off + n <= static_cast<double>(bytes))) {  // a detached slab has 0 bytes
    call->state->frame[7] = kNoSlab;
    return false;
  }
  call->data = static_cast<uint8_t*>(base) + static_cast<size_t>(off);
  call->len = static_cast<size_t>(n);
  return true;
}

// The result r of a pool call into the frame, and a small one copied to the
// small-results slab if it fits there.
inline void PoolEpilogue(napi_env env, const PoolCall& call, ssize_t r) {
  double* f = call.state->frame;
  f[7] = static_cast<double>(r);
  f[6] = 0;
  if (r < 0 || call.small == nullptr || !(static_cast<double>(r) <= f[5])) return;
  void* base = nullptr;
  size_t bytes = 0;
  const double at = f[4];
  if (napi_get_arraybuffer_info(env, call.small, &base, &bytes) != napi_ok ||
      !(at >= 0 && at + static_cast<double>(r) <= static_cast<double>(bytes))) {
    f[6] = -1;  // left in the slab: lib/ copies it itself
    return;
  }
  std::memcpy(static_cast<uint8_t*>(base) + static_cast<size_t>(at), call.data, static_cast<size_t>(r));
  f[6] = 1;
}

// recvPool(slab, small): recv(2) into the pool: frame fd, offset, length
// (> 0), flags, small offset, copy limit -> result, copied.
napi_value RecvPool(napi_env env, napi_callback_info info) {
  PoolCall call;
  if (!PoolPrologue(env, info, &call)) return nullptr;
  const double* f = call.state->frame;
  PoolEpilogue(env, call, sys::recv(SlotInt(f[0]), call.data, call.len, SlotInt(f[3], 0)));
  return nullptr;
}

// recvfromPool(slab, small): recvPool() with the sender's address, as Recvfrom.
napi_value RecvfromPool(napi_env env, napi_callback_info info) {
  PoolCall call;
  if (!PoolPrologue(env, info, &call)) return nullptr;
  PoolEpilogue(env, call, RecvfromInto(call.state, call.data, call.len));
  return nullptr;
}

// recvmsgPool(slab, small): recvmsg(2) into the pool (recvPool's frame,
// plus ancbufsize, msg_flags and malformed: see binding.h) -> the ancillary
// items, or undefined.
napi_value RecvmsgPool(napi_env env, napi_callback_info info) {
  PoolCall call;
  if (!PoolPrologue(env, info, &call)) return nullptr;
  iovec iov{call.data, call.len};
  napi_value items;
  if (!RecvmsgIov(env, call.state, &iov, 1, &items)) return nullptr;
  PoolEpilogue(env, call, static_cast<ssize_t>(call.state->frame[7]));
  return items;
}

// getsockoptInt(): frame fd, level, name -> result, value in slot 6
napi_value GetsockoptInt(napi_env env, napi_callback_info info) {
  void* st = nullptr;
  size_t argc = 0;
  napi_get_cb_info(env, info, &argc, nullptr, nullptr, &st);
  double* f = static_cast<FastState*>(st)->frame;
  int value = 0;
  socklen_t len = sizeof value;
  int r = sys::getsockopt(SlotInt(f[0]), SlotInt(f[4], 0), SlotInt(f[5], 0), &value, &len);
  f[6] = value;
  f[7] = r;
  return nullptr;
}

// A zeroed ArrayBuffer, or nullptr when Node-API refuses to make one (a
// worker being terminated while it loads the addon).
napi_value NewBuffer(napi_env env, size_t size, uint8_t** data) {
  napi_value ab = nullptr;
  void* p = nullptr;
  if (napi_create_arraybuffer(env, size, &p, &ab) != napi_ok || p == nullptr) return nullptr;
  std::memset(p, 0, size);
  *data = static_cast<uint8_t*>(p);
  return ab;
}

}  // namespace

FastState* InitIo(Napi::Env env, Napi::Object exports) {
  auto* s = new FastState();
  napi_add_env_cleanup_hook(env, [](void* p) { delete static_cast<FastState*>(p); }, s);
  // The buffers are V8's (their memory never moves) and stay alive as
  // properties of the module's exports.
  uint8_t* frame = nullptr;
  napi_value frame_ab = NewBuffer(env, kFrameSlots * sizeof(double), &frame);
  s->frame = reinterpret_cast<double*>(frame);
  napi_value addr_in_ab = NewBuffer(env, sizeof(sockaddr_storage), &s->addr_in);
  napi_value addr_out_ab = NewBuffer(env, kAddrOutSize, &s->addr_out);
  if (frame_ab == nullptr || addr_in_ab == nullptr || addr_out_ab == nullptr) return nullptr;
  exports.Set("frame", Napi::Value(env, frame_ab));
  exports.Set("addrIn", Napi::Value(env, addr_in_ab));
  exports.Set("addrOut", Napi::Value(env, addr_out_ab));
  struct Fn {
    const char* name;
    napi_callback cb;
  };
  for (const Fn& fn : {Fn{"recv", Recv}, Fn{"send", Send}, Fn{"recvfrom", Recvfrom}, Fn{"sendto", Sendto},
                       Fn{"getsockoptInt", GetsockoptInt}, Fn{"recvPool", RecvPool}, Fn{"recvfromPool", RecvfromPool},
                       Fn{"recvmsgPool", RecvmsgPool}}) {
    napi_value f;
    napi_create_function(env, fn.name, NAPI_AUTO_LENGTH, fn.cb, s, &f);
    exports.Set(fn.name, Napi::Value(env, f));
  }
  return s;
}

}  // namespace bsdsock
