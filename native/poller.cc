// The poller: one libuv uv_poll_t per socket, used by the async methods. It is
// the only stateful native object and the only file that includes uv.h.
//
// It only reports readiness; all I/O policy (try the syscall, on EAGAIN wait
// for the poller, retry) lives in lib/async.ts, as in serialport's poller.
//
// Lifetime rules, each learned the hard way by someone:
//   * the handle lives on the loop of the env that created it
//     (napi_get_uv_event_loop), never uv_default_loop(), so workers work;
//   * lib/ closes the poller before it closes the fd: libuv must not watch a
//     closed fd, whose number may already belong to another socket;
//   * the memory is freed in the uv_close callback, never before;
//   * an async env cleanup hook closes the handle when a worker is terminated
//     with the poller still open (otherwise the process aborts in
//     CheckedUvLoopClose); the close callback removes the hook;
//   * the JS callback is held strongly only while polling: a socket waiting
//     for I/O stays alive, an idle one can be garbage-collected;
//   * a callback that throws is handed to napi_fatal_exception, so the error
//     becomes an ordinary uncaughtException instead of vanishing;
//   * while a worker is terminated, N-API calls fail without an exception to
//     throw: NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS (binding.gyp) keeps
//     node-addon-api from turning that into std::terminate.
//
// Whether the handle keeps the loop alive (uv_ref/uv_unref) follows lib/'s
// "something is pending" through a small buffer both sides see (kShared*).
// Inside the handle's own callback, and the microtasks it runs, lib/ only
// writes what it wants, and OnPoll applies that once the callback returns:
// a read that completes and a next read queued by the code awaiting it cost
// no ref/unref call at all. Anywhere else lib/ calls ref()/unref().
#include <cerrno>

#include <uv.h>

#include "binding.h"

namespace bsdsock {

namespace {

class Poller;

// Per-env bookkeeping: how many poll handles are open (for leak tests).
struct EnvData {
  int64_t open_pollers = 0;
};

EnvData* GetEnvData(napi_env env) {
  void* data = nullptr;
  napi_get_instance_data(env, &data);
  return static_cast<EnvData*>(data);
}

// The shared state, int32 slots: what lib/ wants (1: keep the loop alive),
// what the handle is (1: ref'd), and whether its callback is running.
constexpr int kSharedWant = 0;
constexpr int kSharedRefed = 1;
constexpr int kSharedInCallback = 2;
constexpr size_t kSharedSlots = 3;

// Outlives the JS object when needed: freed in the uv_close callback.
struct PollState {
  uv_poll_t handle;
  napi_env env = nullptr;
  napi_ref callback = nullptr;  // refcount 1 while polling, 0 (weak) otherwise
  napi_async_context context = nullptr;
  napi_async_cleanup_hook_handle cleanup = nullptr;  // removed in OnClose
  Poller* owner = nullptr;  // the JS wrapper, until it is collected
  int32_t* shared = nullptr;     // kSharedSlots, in the ArrayBuffer below
  napi_ref shared_ref = nullptr;  // strong: the memory stays until OnClose
  int events = 0;
  bool closing = false;
};

void SetRef(PollState* s, bool on) {
  if (on)
    uv_ref(reinterpret_cast<uv_handle_t*>(&s->handle));
  else
    uv_unref(reinterpret_cast<uv_handle_t*>(&s->handle));
  s->shared[kSharedRefed] = on ? 1 : 0;
}

void OnClose(uv_handle_t* h);

void BeginClose(PollState* s) {
  if (s->closing) return;
  s->closing = true;
  uv_close(reinterpret_cast<uv_handle_t*>(&s->handle), OnClose);
}

// The env is going away (a worker terminated) with the handle still open.
// The hook is removed, which tells Node the cleanup is complete, in OnClose.
void OnCleanup(napi_async_cleanup_hook_handle, void* arg) {
  BeginClose(static_cast<PollState*>(arg));
}

void OnPoll(uv_poll_t* h, int status, int events);

class Poller : public Napi::ObjectWrap<Poller> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Poller",
                       {InstanceMethod<&Poller::Status>("status"),
                        InstanceMethod<&Poller::Start>("start"),
                        InstanceMethod<&Poller::Stop>("stop"),
                        InstanceMethod<&Poller::Close>("close"),
                        InstanceMethod<&Poller::Ref>("ref"),
                        InstanceMethod<&Poller::Unref>("unref"),
                        InstanceMethod<&Poller::Shared>("shared")});
  }

  // new Poller(fd, callback(status, events)): uv_poll_init on the env's own
  // loop. A failure is kept for status() rather than thrown (lib/ turns
  // -errno into a SocketError). uv_poll_init makes the fd O_NONBLOCK; lib/
  // restores the mode it wants. The callback is held weakly until start().
  explicit Poller(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Poller>(info) {
    napi_env env = info.Env();
    int fd = Int(info, 0);
    if (!info[1].IsFunction())
      throw Napi::TypeError::New(info.Env(), "bsdsock: poller callback");
    uv_loop_t* loop = nullptr;
    if (napi_get_uv_event_loop(env, &loop) != napi_ok)
      throw Napi::Error::New(info.Env(), "bsdsock: no event loop");
    // The shared state first: once a worker is being terminated, Node-API
    // refuses to create it, and then there must be no handle to undo.
    void* shared = nullptr;
    napi_value shared_ab = nullptr;
    napi_ref shared_ref = nullptr;
    if (napi_create_arraybuffer(env, kSharedSlots * sizeof(int32_t), &shared, &shared_ab) != napi_ok ||
        shared == nullptr || napi_create_reference(env, shared_ab, 1, &shared_ref) != napi_ok) {
      status_ = -ENOMEM;
      return;
    }
    // Everything that can throw comes before the handle exists.
    Napi::String name = Napi::String::New(env, "bsdsock:poll");
    auto* s = new PollState();
    status_ = uv_poll_init(loop, &s->handle, fd);  // -errno on Unix
    if (status_ != 0) {
      napi_delete_reference(env, shared_ref);
      delete s;
      return;
    }
    s->handle.data = s;
    s->env = env;
    s->owner = this;
    s->shared = static_cast<int32_t*>(shared);
    s->shared_ref = shared_ref;
    s->shared[kSharedWant] = 1;   // a new handle is ref'd, and nobody has
    s->shared[kSharedRefed] = 1;  // asked for anything else yet
    s->shared[kSharedInCallback] = 0;
    napi_create_reference(env, info[1], 0, &s->callback);
    napi_async_init(env, nullptr, name, &s->context);
    napi_add_async_cleanup_hook(env, OnCleanup, s, &s->cleanup);
    if (EnvData* d = GetEnvData(env)) d->open_pollers++;
    state_ = s;
  }

  // Collected without close(): close the handle now (lib/ always closes it
  // before the fd, so this only happens once the fd is already gone).
  ~Poller() override {
    if (state_ != nullptr) {
      state_->owner = nullptr;
      BeginClose(state_);
    }
  }

  void Detach() { state_ = nullptr; }

 private:
  // status() -> 0, or the -errno of uv_poll_init (EEXIST: the fd is already
  // polled on this loop).
  Napi::Value Status(const Napi::CallbackInfo& info) {
    return Result(info.Env(), status_);
  }

  // start(events) -> 0 or -errno; events are UV_READABLE | UV_WRITABLE bits,
  // 0 stops polling.
  Napi::Value Start(const Napi::CallbackInfo& info) {
    napi_env env = info.Env();
    int events = Int(info, 0);
    if (state_ == nullptr || state_->closing) return Result(env, -EBADF);
    if (events == 0) {
      StopState(env, state_);
      return Result(env, 0);
    }
    int r = uv_poll_start(&state_->handle, events, OnPoll);
    if (r != 0) return Result(env, r);
    if (state_->events == 0) {
      uint32_t count;
      napi_reference_ref(env, state_->callback, &count);
    }
    state_->events = events;
    return Result(env, 0);
  }

  Napi::Value Stop(const Napi::CallbackInfo& info) {
    if (state_ != nullptr && !state_->closing) StopState(info.Env(), state_);
    return info.Env().Undefined();
  }

  // close(): stop and uv_close; the memory goes in the close callback.
  Napi::Value Close(const Napi::CallbackInfo& info) {
    if (state_ != nullptr) {
      StopState(info.Env(), state_);
      state_->owner = nullptr;
      BeginClose(state_);
      state_ = nullptr;
    }
    return info.Env().Undefined();
  }

  // ref()/unref(): now, and the wish stays until lib/ writes another.
  Napi::Value Ref(const Napi::CallbackInfo& info) {
    if (state_ != nullptr && !state_->closing) {
      state_->shared[kSharedWant] = 1;
      SetRef(state_, true);
    }
    return info.Env().Undefined();
  }

  Napi::Value Unref(const Napi::CallbackInfo& info) {
    if (state_ != nullptr && !state_->closing) {
      state_->shared[kSharedWant] = 0;
      SetRef(state_, false);
    }
    return info.Env().Undefined();
  }

  // shared() -> the ArrayBuffer of the shared state (kShared*), or undefined
  // after a failed uv_poll_init.
  Napi::Value Shared(const Napi::CallbackInfo& info) {
    napi_value ab = nullptr;
    if (state_ != nullptr) napi_get_reference_value(info.Env(), state_->shared_ref, &ab);
    return ab != nullptr ? Napi::Value(info.Env(), ab) : info.Env().Undefined();
  }

  static void StopState(napi_env env, PollState* s) {
    uv_poll_stop(&s->handle);
    if (s->events != 0) {
      uint32_t count;
      napi_reference_unref(env, s->callback, &count);
      s->events = 0;
    }
  }

  int status_ = 0;
  PollState* state_ = nullptr;
};

void OnPoll(uv_poll_t* h, int status, int events) {
  auto* s = static_cast<PollState*>(h->data);
  napi_env env = s->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value fn = nullptr;
  napi_get_reference_value(env, s->callback, &fn);
  // On an error (POLLERR: a pending socket error) libuv has stopped the
  // handle itself: the callback is no longer held for polling. lib/ starts
  // the handle again if something still waits.
  if (status < 0 && s->events != 0) {
    uint32_t count;
    napi_reference_unref(env, s->callback, &count);
    s->events = 0;
  }
  if (fn != nullptr) {
    napi_value global, args[2], result;
    napi_get_global(env, &global);
    napi_create_int32(env, status, &args[0]);
    napi_create_int32(env, events, &args[1]);
    // MakeCallback (not call_function): it drains the microtask queue, so
    // the promises settled by the callback run now, not at some later tick.
    s->shared[kSharedInCallback] = 1;
    napi_status st = napi_make_callback(env, s->context, global, fn, 2, args, &result);
    s->shared[kSharedInCallback] = 0;
    // What lib/ wanted while its callback ran (s lives until OnClose).
    if (!s->closing && s->shared[kSharedWant] != s->shared[kSharedRefed])
      SetRef(s, s->shared[kSharedWant] != 0);
    bool pending = false;
    // A worker being terminated fails the call with no exception to report.
    if (st == napi_pending_exception && napi_is_exception_pending(env, &pending) == napi_ok && pending) {
      napi_value err;
      napi_get_and_clear_last_exception(env, &err);
      napi_fatal_exception(env, err);
    }
  }
  napi_close_handle_scope(env, scope);
}

void OnClose(uv_handle_t* h) {
  auto* s = static_cast<PollState*>(h->data);
  if (s->owner != nullptr) s->owner->Detach();
  if (EnvData* d = GetEnvData(s->env)) d->open_pollers--;
  napi_delete_reference(s->env, s->callback);
  napi_delete_reference(s->env, s->shared_ref);
  napi_async_destroy(s->env, s->context);
  napi_async_cleanup_hook_handle cleanup = s->cleanup;
  delete s;
  // Last: on env teardown this lets Node finish destroying the env.
  if (cleanup != nullptr) napi_remove_async_cleanup_hook(cleanup);
}

// pollerCount() -> the number of poll handles of this env not yet closed
Napi::Value PollerCount(const Napi::CallbackInfo& info) {
  EnvData* d = GetEnvData(info.Env());
  return Result(info.Env(), d != nullptr ? static_cast<double>(d->open_pollers) : 0);
}

}  // namespace

void InitPoller(Napi::Env env, Napi::Object exports) {
  auto* data = new EnvData();
  napi_set_instance_data(
      env, data, [](napi_env, void* p, void*) { delete static_cast<EnvData*>(p); },
      nullptr);
  exports.Set("Poller", Poller::Define(env));
  exports.Set("pollerCount", Napi::Function::New(env, PollerCount, "pollerCount"));
  exports.Set("UV_READABLE", Napi::Number::New(env, UV_READABLE));
  exports.Set("UV_WRITABLE", Napi::Number::New(env, UV_WRITABLE));
}

}  // namespace bsdsock
