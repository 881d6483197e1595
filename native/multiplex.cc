// Bindings for Python's select module: poll(2) over many fds and, on Linux,
// epoll. Blocking calls, as in Python; EINTR is retried in native/sys with
// the time that is left.
#include <poll.h>

#include <cstring>
#include <vector>

#include "binding.h"
#include "sys/sys.h"

#if defined(__linux__)
#include <sys/epoll.h>
#endif

namespace bsdsock {

namespace {

// poll(fds: Int32Array, events: Int32Array, revents: Int32Array, n, timeoutMs)
//   -> the number of ready fds, 0 on timeout, or -errno
Napi::Value Poll(const Napi::CallbackInfo& info) {
  Bytes fds = View(info, 0), events = View(info, 1), revents = View(info, 2);
  uint32_t n = Uint(info, 3);
  size_t need = static_cast<size_t>(n) * sizeof(int32_t);
  if (fds.len < need || events.len < need || revents.len < need)
    throw Napi::RangeError::New(info.Env(), "bsdsock: poll arrays too small");
  std::vector<pollfd> p(n);
  for (uint32_t i = 0; i < n; i++) {
    int32_t fd, ev;
    std::memcpy(&fd, fds.data + i * 4, 4);
    std::memcpy(&ev, events.data + i * 4, 4);
    p[i] = pollfd{fd, static_cast<short>(ev), 0};
  }
  int r = sys::poll(p.data(), n, Int(info, 4));
  for (uint32_t i = 0; i < n && r >= 0; i++) {
    int32_t re = p[i].revents;
    std::memcpy(revents.data + i * 4, &re, 4);
  }
  return Result(info.Env(), r);
}

#if defined(__linux__)
Napi::Value EpollCreate(const Napi::CallbackInfo& info) {
  return Result(info.Env(), sys::epoll_create());
}

// epollCtl(epfd, op, fd, events) -> 0
Napi::Value EpollCtl(const Napi::CallbackInfo& info) {
  return Result(info.Env(),
                sys::epoll_ctl(Int(info, 0), Int(info, 1), Int(info, 2), Uint(info, 3)));
}

// epollWait(epfd, fds: Int32Array, events: Uint32Array, max, timeoutMs)
//   -> the number of ready fds, written to fds[] and events[]
Napi::Value EpollWait(const Napi::CallbackInfo& info) {
  Bytes fds = View(info, 1), events = View(info, 2);
  int max = Int(info, 3);
  if (max <= 0 || fds.len < static_cast<size_t>(max) * 4 ||
      events.len < static_cast<size_t>(max) * 4)
    throw Napi::RangeError::New(info.Env(), "bsdsock: epoll arrays too small");
  std::vector<int> out_fds(static_cast<size_t>(max));
  std::vector<uint32_t> out_events(static_cast<size_t>(max));
  int r = sys::epoll_wait(Int(info, 0), out_fds.data(), out_events.data(), max,
                          Int(info, 4));
  if (r > 0) {
    std::memcpy(fds.data, out_fds.data(), static_cast<size_t>(r) * 4);
    std::memcpy(events.data, out_events.data(), static_cast<size_t>(r) * 4);
  }
  return Result(info.Env(), r);
}
#endif

}  // namespace

void InitMultiplex(Napi::Env env, Napi::Object exports) {
  exports.Set("poll", Napi::Function::New(env, Poll, "poll"));
#if defined(__linux__)
  exports.Set("epollCreate", Napi::Function::New(env, EpollCreate, "epollCreate"));
  exports.Set("epollCtl", Napi::Function::New(env, EpollCtl, "epollCtl"));
  exports.Set("epollWait", Napi::Function::New(env, EpollWait, "epollWait"));
  exports.Set("EPOLL_CTL_ADD", Napi::Number::New(env, EPOLL_CTL_ADD));
  exports.Set("EPOLL_CTL_MOD", Napi::Number::New(env, EPOLL_CTL_MOD));
  exports.Set("EPOLL_CTL_DEL", Napi::Number::New(env, EPOLL_CTL_DEL));
#endif
}

}  // namespace bsdsock
