// Bindings for sendmsg(2) and recvmsg(2): scatter/gather I/O and ancillary
// data (SCM_RIGHTS fd passing, credentials, IP_PKTINFO and the rest), and
// the CMSG_LEN/CMSG_SPACE macros. lib/message.ts validates every argument
// first; the checks here only keep a bad call from reaching memory.
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "binding.h"
#include "sys/sys.h"

namespace bsdsock {

namespace {

constexpr size_t kSizeLimit = INT_MAX;  // socklen_t's limit, as CPython's
// More items than this fail before any allocation, with the errno the kernel
// gives for too many (it takes at most IOV_MAX, 1024, buffers, and far less
// ancillary data than this many items).
constexpr uint32_t kMaxItems = 1u << 20;

// At most this many views or control bytes live on the stack; more go to
// the heap.
constexpr size_t kStackViews = 8;
constexpr size_t kStackControl = 256;

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};

// The elements of a JavaScript array, all read before any of them is looked
// at: a getter (lib/ passes plain arrays, but this is native's own line of
// defence) then cannot run JavaScript between one view's lookup and the
// syscall, to detach or free it. Up to kStackViews on the stack.
class Elements {
 public:
  // False with a TypeError pending for a value that is not an array.
  bool Read(napi_env env, napi_value array, const char* what) {
    bool is_array = false;
    if (napi_is_array(env, array, &is_array) != napi_ok || !is_array ||
        napi_get_array_length(env, array, &n_) != napi_ok) {
      napi_throw_type_error(env, nullptr, what);
      return false;
    }
    if (n_ > kMaxItems) return true;  // the caller answers with an errno
    napi_value* out = n_ <= kStackViews ? small_ : (heap_.resize(n_), heap_.data());
    for (uint32_t k = 0; k < n_; k++) {
      if (napi_get_element(env, array, k, &out[k]) != napi_ok) return false;
    }
    values_ = out;
    return true;
  }
  uint32_t size() const { return n_; }
  bool too_many() const { return n_ > kMaxItems; }
  napi_value operator[](uint32_t k) const { return values_[k]; }

 private:
  uint32_t n_ = 0;
  napi_value small_[kStackViews];
  std::vector<napi_value> heap_;
  napi_value* values_ = small_;
};

// Views as iovecs over their bytes; up to kStackViews on the stack.
class Iovecs {
 public:
  // False with a TypeError pending for an element that is not a view.
  bool Fill(napi_env env, const Elements& views) {
    const uint32_t n = views.size();
    iov_ = n <= kStackViews ? small_ : (heap_.resize(n), heap_.data());
    for (uint32_t k = 0; k < n; k++) {
      uint8_t* data = nullptr;
      size_t len = 0;
      if (const char* bad = LookupView(env, views[k], &data, &len)) {
        napi_throw_type_error(env, nullptr, bad);
        return false;
      }
      iov_[k] = iovec{data, len};
    }
    n_ = n;
    return true;
  }
  iovec* data() { return iov_; }
  size_t size() const { return n_; }

 private:
  size_t n_ = 0;
  iovec small_[kStackViews];
  std::vector<iovec> heap_;
  iovec* iov_ = small_;
};

// Control buffer memory: on the stack when small, else allocated (failing
// with ENOMEM rather than aborting: CPython allows up to 2^31 - 1 bytes).
class Control {
 public:
  // Null only when size > 0 and the allocation failed.
  unsigned char* Get(size_t size, bool zeroed) {
    if (size == 0) return nullptr;
    if (size <= kStackControl) {
      if (zeroed) std::memset(small_, 0, size);
      return small_;
    }
    heap_.reset(static_cast<unsigned char*>(zeroed ? std::calloc(size, 1) : std::malloc(size)));
    return heap_.get();
  }

 private:
  alignas(cmsghdr) unsigned char small_[kStackControl];
  std::unique_ptr<unsigned char, FreeDeleter> heap_;
};

// The number argument i as an int, or false with a TypeError pending.
bool IntArg(napi_env env, napi_value v, int32_t* out) {
  if (napi_get_value_int32(env, v, out) != napi_ok) {
    napi_throw_type_error(env, nullptr, "bsdsock: expected a number");
    return false;
  }
  return true;
}

// sendmsg(buffers, cmsgs, sockaddr | null): sendmsg(2) with the frame's fd
// (slot 0) and flags (3); the result in slot 7. cmsgs is flat: level, type,
// data, level, type, data, ...; each item takes CMSG_SPACE(its length) of
// the control buffer.
napi_value Sendmsg(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value args[3];
  void* st = nullptr;
  napi_get_cb_info(env, info, &argc, args, nullptr, &st);
  auto* s = static_cast<FastState*>(st);
  double* f = s->frame;
  if (argc < 3) {
    napi_throw_type_error(env, nullptr, "bsdsock: sendmsg takes 3 arguments");
    return nullptr;
  }
  Elements views;
  Elements items;
  if (!views.Read(env, args[0], "bsdsock: expected an array of buffers")) return nullptr;
  if (!items.Read(env, args[1], "bsdsock: expected an array of ancillary data")) return nullptr;
  if (views.too_many()) {
    f[7] = -EMSGSIZE;
    return nullptr;
  }
  if (items.too_many()) {
    f[7] = -ENOBUFS;
    return nullptr;
  }
  const uint32_t n = items.size();
  if (n % 3 != 0) {
    napi_throw_type_error(env, nullptr, "bsdsock: ancillary data comes in threes");
    return nullptr;
  }
  Iovecs iov;
  if (!iov.Fill(env, views)) return nullptr;
  struct Item {
    int32_t level, type;
    uint8_t* data;
    size_t len;
  };
  std::vector<Item> cmsgs(n / 3);
  size_t space = 0;
  for (size_t k = 0; k < cmsgs.size(); k++) {
    Item& it = cmsgs[k];
    if (!IntArg(env, items[3 * k], &it.level) || !IntArg(env, items[3 * k + 1], &it.type)) return nullptr;
    if (const char* bad = LookupView(env, items[3 * k + 2], &it.data, &it.len)) {
      napi_throw_type_error(env, nullptr, bad);
      return nullptr;
    }
    if (it.len > kSizeLimit - CMSG_SPACE(1) || space + CMSG_SPACE(it.len) > kSizeLimit) {
      napi_throw_range_error(env, nullptr, "bsdsock: too much ancillary data");
      return nullptr;
    }
    space += CMSG_SPACE(it.len);
  }
  // Zeroed: the padding goes to the kernel too.
  Control control;
  unsigned char* base = control.Get(space, true);
  if (space > 0 && base == nullptr) {
    f[7] = -ENOMEM;
    return nullptr;
  }
  size_t off = 0;
  for (const Item& it : cmsgs) {
    cmsghdr* h = reinterpret_cast<cmsghdr*>(base + off);
    h->cmsg_level = it.level;
    h->cmsg_type = it.type;
    h->cmsg_len = CMSG_LEN(it.len);
    if (it.len > 0) std::memcpy(CMSG_DATA(h), it.data, it.len);
    off += CMSG_SPACE(it.len);
  }
  msghdr msg{};
  napi_valuetype to_type = napi_undefined;
  napi_typeof(env, args[2], &to_type);
  sockaddr_storage to;
  if (to_type != napi_null && to_type != napi_undefined) {
    uint8_t* data = nullptr;
    size_t len = 0;
    if (const char* bad = LookupView(env, args[2], &data, &len)) {
      napi_throw_type_error(env, nullptr, bad);
      return nullptr;
    }
    if (len > sizeof to) {
      napi_throw_range_error(env, nullptr, "bsdsock: sockaddr too long");
      return nullptr;
    }
    // Copied into aligned storage: a Buffer from Node's pool may start anywhere.
    std::memset(&to, 0, sizeof to);
    if (len > 0) std::memcpy(&to, data, len);
    msg.msg_name = &to;
    msg.msg_namelen = static_cast<socklen_t>(len);
  }
  msg.msg_iov = iov.data();
  msg.msg_iovlen = iov.size();
  if (space > 0) {
    msg.msg_control = base;
    msg.msg_controllen = space;
  }
  f[7] = static_cast<double>(sys::sendmsg(SlotInt(f[0]), &msg, SlotInt(f[3], 0)));
  return nullptr;
}

// Calls item(header, data, data_len) for each item of a received control
// buffer of `len` bytes. Returns false if an item was malformed: a header
// shorter than CMSG_LEN(0) ends the walk, and data running past the buffer
// (CPython's "improperly-truncated" item) is cut to what is there.
template <typename Item>
bool ForEachCmsg(const unsigned char* control, size_t len, Item item) {
  bool ok = true;
  size_t off = 0;
  while (off + CMSG_LEN(0) <= len) {
    cmsghdr h;
    std::memcpy(&h, control + off, sizeof h);
    if (h.cmsg_len < CMSG_LEN(0)) return false;
    size_t data_len = h.cmsg_len - CMSG_LEN(0);
    const size_t room = len - off - CMSG_LEN(0);
    if (data_len > room) {
      ok = false;
      data_len = room;
    }
    item(h, control + off + CMSG_LEN(0), data_len);
    off += CMSG_SPACE(data_len);
  }
  return ok;
}

// Closes the fds of every SCM_RIGHTS item in a received control buffer: the
// result could not be handed to JavaScript, and nothing else would close them.
void CloseReceivedFds(const unsigned char* control, size_t len) {
  ForEachCmsg(control, len, [](const cmsghdr& h, const unsigned char* data, size_t data_len) {
    if (h.cmsg_level != SOL_SOCKET || h.cmsg_type != SCM_RIGHTS) return;
    for (size_t k = 0; k + sizeof(int) <= data_len; k += sizeof(int)) {
      int fd;
      std::memcpy(&fd, data + k, sizeof fd);
      sys::close(fd);
    }
  });
}

// recvmsgViews(buffers): recvmsg(2) scattering into an array of views
// (recvmsgInto), with RecvmsgIov's frame -> the ancillary items, or
// undefined.
napi_value RecvmsgViews(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value array;
  void* st = nullptr;
  napi_get_cb_info(env, info, &argc, &array, nullptr, &st);
  auto* s = static_cast<FastState*>(st);
  Elements views;
  if (!views.Read(env, argc >= 1 ? array : nullptr, "bsdsock: expected an array of buffers")) return nullptr;
  if (views.too_many()) {
    s->frame[7] = -EMSGSIZE;
    return nullptr;
  }
  Iovecs iov;
  if (!iov.Fill(env, views)) return nullptr;
  napi_value items;
  if (!RecvmsgIov(env, s, iov.data(), iov.size(), &items)) return nullptr;
  return items;
}

// cmsgLen(n), cmsgSpace(n): the platform's macros, for 0 <= n <= INT_MAX
// (lib/ applies CPython's tighter limits).
Napi::Value CmsgLen(const Napi::CallbackInfo& info) {
  return Result(info.Env(), static_cast<double>(CMSG_LEN(Uint(info, 0))));
}

Napi::Value CmsgSpace(const Napi::CallbackInfo& info) {
  return Result(info.Env(), static_cast<double>(CMSG_SPACE(Uint(info, 0))));
}

}  // namespace

bool RecvmsgIov(napi_env env, FastState* s, iovec* iov, size_t iovcnt, napi_value* items) {
  double* f = s->frame;
  napi_get_undefined(env, items);
  const double anc = f[9];
  if (!(anc >= 0 && anc <= static_cast<double>(kSizeLimit))) {
    napi_throw_range_error(env, nullptr, "bsdsock: ancillary buffer size out of range");
    return false;
  }
  // Not zeroed: a large ancbufsize, as CPython allows (up to 2^31 - 1),
  // costs address space only until the kernel writes to it.
  const size_t ancbufsize = static_cast<size_t>(anc);
  Control control;
  unsigned char* base = control.Get(ancbufsize, false);
  if (ancbufsize > 0 && base == nullptr) {
    f[7] = -ENOMEM;
    return true;
  }
  sockaddr_storage from;
  msghdr msg{};
  msg.msg_name = &from;
  msg.msg_namelen = sizeof from;
  msg.msg_iov = iov;
  msg.msg_iovlen = iovcnt;
  msg.msg_control = base;
  msg.msg_controllen = ancbufsize;
  const ssize_t r = sys::recvmsg(SlotInt(f[0]), &msg, SlotInt(f[3], 0));
  f[7] = static_cast<double>(r);
  if (r < 0) return true;
  StoreAddrOut(s, from, msg.msg_namelen);
  f[10] = msg.msg_flags;
  f[11] = 0;
  const size_t clen = base == nullptr ? 0 : msg.msg_controllen;
  if (clen == 0) return true;
  napi_value out;
  bool made = napi_create_array(env, &out) == napi_ok;
  uint32_t k = 0;
  const bool ok = ForEachCmsg(base, clen, [&](const cmsghdr& h, const unsigned char* data, size_t data_len) {
    napi_value level, type, bytes;
    void* copy = nullptr;
    made = made && napi_create_int32(env, h.cmsg_level, &level) == napi_ok &&
           napi_create_int32(env, h.cmsg_type, &type) == napi_ok &&
           napi_create_buffer_copy(env, data_len, data, &copy, &bytes) == napi_ok &&
           napi_set_element(env, out, k, level) == napi_ok && napi_set_element(env, out, k + 1, type) == napi_ok &&
           napi_set_element(env, out, k + 2, bytes) == napi_ok;
    k += 3;
  });
  if (!made) {
    // The result cannot reach JavaScript, and nothing else would close them.
    CloseReceivedFds(base, clen);
    bool pending = false;
    napi_is_exception_pending(env, &pending);
    if (!pending) napi_throw_error(env, nullptr, "bsdsock: out of memory for the ancillary data");
    return false;
  }
  f[11] = ok ? 0 : 1;
  *items = out;
  return true;
}

void InitMsg(Napi::Env env, Napi::Object exports, FastState* state) {
  struct Fn {
    const char* name;
    napi_callback cb;
  };
  for (const Fn& fn : {Fn{"sendmsg", Sendmsg}, Fn{"recvmsgViews", RecvmsgViews}}) {
    napi_value f;
    napi_create_function(env, fn.name, NAPI_AUTO_LENGTH, fn.cb, state, &f);
    exports.Set(fn.name, Napi::Value(env, f));
  }
  exports.Set("cmsgLen", Napi::Function::New(env, CmsgLen, "cmsgLen"));
  exports.Set("cmsgSpace", Napi::Function::New(env, CmsgSpace, "cmsgSpace"));
}

}  // namespace bsdsock
