// Bindings for the lifecycle, name and fd-flag calls: one function per
// syscall, each returning the sys layer's result (>= 0, or -errno).
#include "binding.h"
#include "sys/sys.h"

#include <cstring>
#include <unordered_set>

namespace bsdsock {

namespace {

// socket(family, type, proto) -> fd
Napi::Value Socket(const Napi::CallbackInfo& info) {
  return Result(info.Env(), sys::socket(Int(info, 0), Int(info, 1), Int(info, 2)));
}

// socketpair(family, type, proto, out: Int32Array(2)) -> 0
Napi::Value Socketpair(const Napi::CallbackInfo& info) {
  Bytes out = View(info, 3);
  if (out.len < 2 * sizeof(int))
    throw Napi::RangeError::New(info.Env(), "bsdsock: fd buffer too small");
  int fds[2];
  int r = sys::socketpair(Int(info, 0), Int(info, 1), Int(info, 2), fds);
  if (r == 0) std::memcpy(out.data, fds, sizeof fds);
  return Result(info.Env(), r);
}

// bind(fd, sockaddr) -> 0
Napi::Value Bind(const Napi::CallbackInfo& info) {
  SockaddrIn a;
  AddrIn(info, 1, &a);
  return Result(info.Env(), sys::bind(Int(info, 0), a.get(), a.len));
}

// listen(fd, backlog) -> 0
Napi::Value Listen(const Napi::CallbackInfo& info) {
  return Result(info.Env(), sys::listen(Int(info, 0), Int(info, 1)));
}

// accept(fd, nonblock, addrOut) -> new fd
Napi::Value Accept(const Napi::CallbackInfo& info) {
  SockaddrOut a;
  AddrOut(info, 2, &a);
  int r = sys::accept(Int(info, 0), &a.storage, &a.len, Bool(info, 1));
  if (r >= 0) a.Store();
  return Result(info.Env(), r);
}

// acceptNowait(fd, nonblock, addrOut) -> new fd; never blocks (async methods)
Napi::Value AcceptNowait(const Napi::CallbackInfo& info) {
  SockaddrOut a;
  AddrOut(info, 2, &a);
  int r = sys::accept_nowait(Int(info, 0), &a.storage, &a.len, Bool(info, 1));
  if (r >= 0) a.Store();
  return Result(info.Env(), r);
}

// connect(fd, sockaddr) -> 0
Napi::Value Connect(const Napi::CallbackInfo& info) {
  SockaddrIn a;
  AddrIn(info, 1, &a);
  return Result(info.Env(), sys::connect(Int(info, 0), a.get(), a.len));
}

// connectWait(fd, sockaddr, timeoutMs) -> 0, or -EAGAIN when the time is up
// (AF_UNIX in timeout mode: the kernel's wait for room in the backlog)
Napi::Value ConnectWait(const Napi::CallbackInfo& info) {
  SockaddrIn a;
  AddrIn(info, 1, &a);
  int timeout_ms = Int(info, 2);
  if (timeout_ms < 0) throw Napi::RangeError::New(info.Env(), "bsdsock: negative timeout");
  return Result(info.Env(), sys::connect_wait(Int(info, 0), a.get(), a.len, timeout_ms));
}

// connectNowait(fd, sockaddr) -> 0, or -EINPROGRESS; never blocks
Napi::Value ConnectNowait(const Napi::CallbackInfo& info) {
  SockaddrIn a;
  AddrIn(info, 1, &a);
  return Result(info.Env(), sys::connect_nowait(Int(info, 0), a.get(), a.len));
}

Napi::Value Shutdown(const Napi::CallbackInfo& info) {
  return Result(info.Env(), sys::shutdown(Int(info, 0), Int(info, 1)));
}

// The fds this env's sockets and epoll objects own (own() at construction,
// disown() at detach(), close() forgets). A worker can end, or be terminated,
// with sockets open: no finalizer runs then, so the env's cleanup closes
// whatever is still owned, as Node does for its own handles. The hook is
// added when the addon loads, before any poller's, so it runs after them
// (cleanup hooks run in reverse order): every uv_poll_t has stopped watching
// its fd by then.
struct OwnedFds {
  std::unordered_set<int> fds;
};

OwnedFds* Owned(const Napi::CallbackInfo& info) {
  return static_cast<OwnedFds*>(info.Data());
}

void CloseOwned(void* arg) {
  auto* owned = static_cast<OwnedFds*>(arg);
  for (int fd : owned->fds) sys::close(fd);
  delete owned;
}

// own(fd): close fd when the env ends, unless closed or disowned first.
Napi::Value Own(const Napi::CallbackInfo& info) {
  Owned(info)->fds.insert(Int(info, 0));
  return info.Env().Undefined();
}

// disown(fd): the fd has been handed to someone else (detach()).
Napi::Value Disown(const Napi::CallbackInfo& info) {
  Owned(info)->fds.erase(Int(info, 0));
  return info.Env().Undefined();
}

Napi::Value Close(const Napi::CallbackInfo& info) {
  const int fd = Int(info, 0);
  Owned(info)->fds.erase(fd);
  return Result(info.Env(), sys::close(fd));
}

Napi::Value Dup(const Napi::CallbackInfo& info) {
  return Result(info.Env(), sys::dup(Int(info, 0)));
}

// getsockname(fd, addrOut) -> 0
Napi::Value Getsockname(const Napi::CallbackInfo& info) {
  SockaddrOut a;
  AddrOut(info, 1, &a);
  int r = sys::getsockname(Int(info, 0), &a.storage, &a.len);
  if (r == 0) a.Store();
  return Result(info.Env(), r);
}

// getpeername(fd, addrOut) -> 0
Napi::Value Getpeername(const Napi::CallbackInfo& info) {
  SockaddrOut a;
  AddrOut(info, 1, &a);
  int r = sys::getpeername(Int(info, 0), &a.storage, &a.len);
  if (r == 0) a.Store();
  return Result(info.Env(), r);
}

Napi::Value SetNonblocking(const Napi::CallbackInfo& info) {
  return Result(info.Env(), sys::set_nonblocking(Int(info, 0), Bool(info, 1)));
}

Napi::Value GetNonblocking(const Napi::CallbackInfo& info) {
  return Result(info.Env(), sys::get_nonblocking(Int(info, 0)));
}

Napi::Value GetInheritable(const Napi::CallbackInfo& info) {
  return Result(info.Env(), sys::get_inheritable(Int(info, 0)));
}

Napi::Value SetInheritable(const Napi::CallbackInfo& info) {
  return Result(info.Env(), sys::set_inheritable(Int(info, 0), Bool(info, 1)));
}

// wait(fd, events, timeoutMs) -> revents, 0 on timeout
Napi::Value Wait(const Napi::CallbackInfo& info) {
  return Result(info.Env(), sys::wait(Int(info, 0), Int(info, 1), Int(info, 2)));
}

}  // namespace

void InitCalls(Napi::Env env, Napi::Object exports) {
  exports.Set("socket", Napi::Function::New(env, Socket, "socket"));
  exports.Set("socketpair", Napi::Function::New(env, Socketpair, "socketpair"));
  exports.Set("bind", Napi::Function::New(env, Bind, "bind"));
  exports.Set("listen", Napi::Function::New(env, Listen, "listen"));
  exports.Set("accept", Napi::Function::New(env, Accept, "accept"));
  exports.Set("connect", Napi::Function::New(env, Connect, "connect"));
  exports.Set("acceptNowait", Napi::Function::New(env, AcceptNowait, "acceptNowait"));
  exports.Set("connectNowait", Napi::Function::New(env, ConnectNowait, "connectNowait"));
  exports.Set("connectWait", Napi::Function::New(env, ConnectWait, "connectWait"));
  exports.Set("shutdown", Napi::Function::New(env, Shutdown, "shutdown"));
  auto* owned = new OwnedFds();
  napi_add_env_cleanup_hook(env, CloseOwned, owned);
  exports.Set("own", Napi::Function::New(env, Own, "own", owned));
  exports.Set("disown", Napi::Function::New(env, Disown, "disown", owned));
  exports.Set("close", Napi::Function::New(env, Close, "close", owned));
  exports.Set("dup", Napi::Function::New(env, Dup, "dup"));
  exports.Set("getsockname", Napi::Function::New(env, Getsockname, "getsockname"));
  exports.Set("getpeername", Napi::Function::New(env, Getpeername, "getpeername"));
  exports.Set("setNonblocking",
              Napi::Function::New(env, SetNonblocking, "setNonblocking"));
  exports.Set("getNonblocking",
              Napi::Function::New(env, GetNonblocking, "getNonblocking"));
  exports.Set("getInheritable",
              Napi::Function::New(env, GetInheritable, "getInheritable"));
  exports.Set("setInheritable",
              Napi::Function::New(env, SetInheritable, "setInheritable"));
  exports.Set("wait", Napi::Function::New(env, Wait, "wait"));
}

}  // namespace bsdsock
