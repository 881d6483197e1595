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

// Whether the array at argument i has more than kMaxItems elements.
bool TooMany(const Napi::CallbackInfo& info, size_t i) {
  return info[i].IsArray() && info[i].As<Napi::Array>().Length() > kMaxItems;
}

// The elements of the array at argument i, all read before any of them is
// looked at: a getter (lib/ passes plain arrays, but this is native's own
// line of defence) then cannot run JavaScript between one view's lookup and
// the syscall, to detach or free it.
std::vector<Napi::Value> Elements(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (!info[i].IsArray()) throw Napi::TypeError::New(info.Env(), what);
  Napi::Array a = info[i].As<Napi::Array>();
  const uint32_t n = a.Length();
  std::vector<Napi::Value> out;
  out.reserve(n);
  for (uint32_t k = 0; k < n; k++) out.push_back(a.Get(k));
  return out;
}

// Argument i, an array of ArrayBufferViews, as iovecs over their bytes.
std::vector<iovec> Iovecs(const Napi::CallbackInfo& info, size_t i) {
  std::vector<Napi::Value> views = Elements(info, i, "bsdsock: expected an array of buffers");
  std::vector<iovec> iov(views.size());
  for (size_t k = 0; k < views.size(); k++) {
    uint8_t* data = nullptr;
    size_t len = 0;
    if (const char* bad = LookupView(info.Env(), views[k], &data, &len))
      throw Napi::TypeError::New(info.Env(), bad);
    iov[k].iov_base = data;
    iov[k].iov_len = len;
  }
  return iov;
}

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};

// sendmsg(fd, buffers, cmsgs, flags, sockaddr | null) -> bytes sent. cmsgs is
// flat: level, type, data, level, type, data, ...; each item takes
// CMSG_SPACE(its length) of the control buffer.
Napi::Value Sendmsg(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int fd = Int(info, 0);
  if (TooMany(info, 1)) return Result(env, -EMSGSIZE);
  if (TooMany(info, 2)) return Result(env, -ENOBUFS);
  std::vector<Napi::Value> items = Elements(info, 2, "bsdsock: expected an array of ancillary data");
  const size_t n = items.size();
  if (n % 3 != 0) throw Napi::TypeError::New(env, "bsdsock: ancillary data comes in threes");
  std::vector<iovec> iov = Iovecs(info, 1);
  struct Item {
    int level, type;
    uint8_t* data;
    size_t len;
  };
  std::vector<Item> cmsgs(n / 3);
  size_t space = 0;
  for (size_t k = 0; k < cmsgs.size(); k++) {
    Item& it = cmsgs[k];
    it.level = Int(env, items[3 * k]);
    it.type = Int(env, items[3 * k + 1]);
    if (const char* bad = LookupView(env, items[3 * k + 2], &it.data, &it.len))
      throw Napi::TypeError::New(env, bad);
    if (it.len > kSizeLimit - CMSG_SPACE(1) || space + CMSG_SPACE(it.len) > kSizeLimit)
      throw Napi::RangeError::New(env, "bsdsock: too much ancillary data");
    space += CMSG_SPACE(it.len);
  }
  // Zeroed (the padding goes to the kernel too) and aligned for cmsghdr by
  // calloc; up to 2 GiB, so running out of memory is ENOMEM, not an abort.
  std::unique_ptr<unsigned char, FreeDeleter> control;
  if (space > 0) {
    control.reset(static_cast<unsigned char*>(std::calloc(space, 1)));
    if (!control) return Result(env, -ENOMEM);
  }
  unsigned char* base = control.get();
  size_t off = 0;
  for (const Item& it : cmsgs) {
    cmsghdr* h = reinterpret_cast<cmsghdr*>(base + off);
    h->cmsg_level = it.level;
    h->cmsg_type = it.type;
    h->cmsg_len = CMSG_LEN(it.len);
    if (it.len > 0) std::memcpy(CMSG_DATA(h), it.data, it.len);
    off += CMSG_SPACE(it.len);
  }
  SockaddrIn to;
  const bool has_to = !info[4].IsNull() && !info[4].IsUndefined();
  if (has_to) AddrIn(info, 4, &to);
  msghdr msg{};
  if (has_to) {
    msg.msg_name = &to.storage;
    msg.msg_namelen = to.len;
  }
  msg.msg_iov = iov.data();
  msg.msg_iovlen = iov.size();
  if (space > 0) {
    msg.msg_control = base;
    msg.msg_controllen = space;
  }
  return Result(env, static_cast<double>(sys::sendmsg(fd, &msg, Int(info, 3))));
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

// recvmsg(fd, buffers, ancbufsize, flags, addrOut) -> -errno, or
// [nbytes, msg_flags, malformed, level, type, data, level, type, data, ...].
// `malformed` is true when an item's header claims more data than arrived
// (CPython's "received malformed or improperly-truncated ancillary data").
Napi::Value Recvmsg(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int fd = Int(info, 0);
  if (TooMany(info, 1)) return Result(env, -EMSGSIZE);
  std::vector<iovec> iov = Iovecs(info, 1);
  if (!info[2].IsNumber()) throw Napi::TypeError::New(env, "bsdsock: expected a number");
  const double anc = info[2].As<Napi::Number>().DoubleValue();
  if (!(anc >= 0 && anc <= static_cast<double>(kSizeLimit)))
    throw Napi::RangeError::New(env, "bsdsock: ancillary buffer size out of range");
  const size_t ancbufsize = static_cast<size_t>(anc);
  const int flags = Int(info, 3);
  SockaddrOut from;
  AddrOut(info, 4, &from);
  // malloc, not a zeroed vector: a large ancbufsize, as CPython allows (up to
  // 2^31 - 1), costs address space only until the kernel writes to it.
  std::unique_ptr<unsigned char, FreeDeleter> control;
  if (ancbufsize > 0) {
    control.reset(static_cast<unsigned char*>(std::malloc(ancbufsize)));
    if (!control) return Result(env, -ENOMEM);
  }
  msghdr msg{};
  msg.msg_name = &from.storage;
  msg.msg_namelen = from.len;
  msg.msg_iov = iov.data();
  msg.msg_iovlen = iov.size();
  msg.msg_control = control.get();
  msg.msg_controllen = ancbufsize;
  const ssize_t r = sys::recvmsg(fd, &msg, flags);
  if (r < 0) return Result(env, static_cast<double>(r));
  const size_t clen = msg.msg_control == nullptr ? 0 : msg.msg_controllen;
  try {
    from.len = msg.msg_namelen;
    from.Store();
    Napi::Array out = Napi::Array::New(env);
    out.Set(0u, Napi::Number::New(env, static_cast<double>(r)));
    out.Set(1u, Napi::Number::New(env, msg.msg_flags));
    uint32_t k = 3;
    const bool ok = ForEachCmsg(control.get(), clen, [&](const cmsghdr& h, const unsigned char* data, size_t data_len) {
      out.Set(k++, Napi::Number::New(env, h.cmsg_level));
      out.Set(k++, Napi::Number::New(env, h.cmsg_type));
      out.Set(k++, Napi::Buffer<uint8_t>::Copy(env, data, data_len));
    });
    out.Set(2u, Napi::Boolean::New(env, !ok));
    return out;
  } catch (...) {
    CloseReceivedFds(control.get(), clen);
    throw;
  }
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

void InitMsg(Napi::Env env, Napi::Object exports) {
  exports.Set("sendmsg", Napi::Function::New(env, Sendmsg, "sendmsg"));
  exports.Set("recvmsg", Napi::Function::New(env, Recvmsg, "recvmsg"));
  exports.Set("cmsgLen", Napi::Function::New(env, CmsgLen, "cmsgLen"));
  exports.Set("cmsgSpace", Napi::Function::New(env, CmsgSpace, "cmsgSpace"));
}

}  // namespace bsdsock
