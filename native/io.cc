// Bindings for the data calls. These are the hot path: each one converts its
// arguments, makes exactly one syscall (plus EINTR retries) straight into or
// out of the caller's memory, and returns a number. No allocation, no copy of
// the data, no exception for EAGAIN: would-block is just -EAGAIN.
#include "binding.h"
#include "sys/sys.h"

namespace bsdsock {

namespace {

// recv(fd, view, offset, length, flags) -> bytes received
Napi::Value Recv(const Napi::CallbackInfo& info) {
  Bytes b = ViewRange(info, 1);
  return Result(info.Env(),
                static_cast<double>(sys::recv(Int(info, 0), b.data, b.len,
                                              Int(info, 4))));
}

// recvfrom(fd, view, offset, length, flags, addrOut) -> bytes received
Napi::Value Recvfrom(const Napi::CallbackInfo& info) {
  Bytes b = ViewRange(info, 1);
  SockaddrOut a;
  AddrOut(info, 5, &a);
  ssize_t r = sys::recvfrom(Int(info, 0), b.data, b.len, Int(info, 4),
                            &a.storage, &a.len);
  if (r >= 0) a.Store();
  return Result(info.Env(), static_cast<double>(r));
}

// send(fd, view, offset, length, flags) -> bytes sent
Napi::Value Send(const Napi::CallbackInfo& info) {
  Bytes b = ViewRange(info, 1);
  return Result(info.Env(),
                static_cast<double>(sys::send(Int(info, 0), b.data, b.len,
                                              Int(info, 4))));
}

// sendto(fd, view, offset, length, flags, sockaddr) -> bytes sent
Napi::Value Sendto(const Napi::CallbackInfo& info) {
  Bytes b = ViewRange(info, 1);
  SockaddrIn a;
  AddrIn(info, 5, &a);
  return Result(info.Env(),
                static_cast<double>(sys::sendto(Int(info, 0), b.data, b.len,
                                                Int(info, 4), a.get(), a.len)));
}

}  // namespace

void InitIo(Napi::Env env, Napi::Object exports) {
  exports.Set("recv", Napi::Function::New(env, Recv, "recv"));
  exports.Set("recvfrom", Napi::Function::New(env, Recvfrom, "recvfrom"));
  exports.Set("send", Napi::Function::New(env, Send, "send"));
  exports.Set("sendto", Napi::Function::New(env, Sendto, "sendto"));
}

}  // namespace bsdsock
