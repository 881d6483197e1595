// Batches of datagrams: sendmmsg(2) and recvmmsg(2) on the hot path's
// calling convention (native/io.cc), with UDP GSO (a UDP_SEGMENT control
// message per message sent) and UDP GRO (the segment size of a coalesced
// receive, read from its UDP_GRO control message).
//
// Per call, JavaScript passes the views to send or fill as arguments rather
// than as an array: napi_get_cb_info copies argument handles in one go,
// where each element of an array would cost a napi_get_element (a runtime
// call into V8). The per-message integers travel in the "mmsg memory", an
// ArrayBuffer that lib/mmsg.ts owns and passes with every call (never kept
// here: it may be detached, and lib/ may replace it). Its layout, for a
// capacity of `cap` messages (frame slot 13), is six int32 arrays of `cap`
// entries followed by `cap` sockaddrs of kNameSize bytes:
//
//   array  received (recvmmsg)               sent (sendmmsg)
//   A0     msg_len                           the name slot of message i (-1: none)
//   A1     msg_flags                         its UDP_SEGMENT size (0: none)
//   A2     the UDP_GRO segment size (0: none)  the index of message i's view
//                                             (frame[6] = 1)
//   A3     msg_namelen                       the length of name slot k
//   A4     recvmmsgPool: where the pool      -
//          copied message i in the small-
//          results slab (-1: not copied);
//          recvmmsgViews, in: message i's
//          view cache mark (see there)
//   A5     the first message of the run of   -
//          messages from the same sender that i belongs to
//   names  the sender of message i           the sockaddr of name slot k
//
// Frame slots used (binding.h): 0 fd, 3 flags, 7 the result (a count or
// -errno), 9 control bytes per received message (0: none), 12 the number of
// messages, 13 the capacity `cap`; sendmmsg also 6 whether its views go
// by index (A2); recvmmsgViews also 1 the index of its first message and 6
// whether more is queued (see there); recvmmsgPool 1 the slab offset, 14
// the bytes per message, 4 and 5 the small-results offset and copy limit,
// and 6 the small-results offset after its copies (-1: that slab was too
// short).
#include <netinet/in.h>
#include <netinet/udp.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "binding.h"
#include "sys/sys.h"

namespace bsdsock {

namespace {

constexpr size_t kNameSize = sizeof(sockaddr_storage);
constexpr size_t kArrays = 6;
constexpr double kNoSlab = -65536;    // as native/io.cc: a pool slab too short (detached)
constexpr double kNoMemory = -65537;  // an mmsg memory too short (detached)
constexpr double kStaleCache = -65538;  // a view cache mark that does not match (lib/view-cache.ts)

// The mmsg memory of a call, checked against its capacity.
struct Memory {
  int32_t* a[kArrays];
  uint8_t* names;
  size_t cap;
};

// The mmsg memory at `value` for the frame's capacity, or false: with
// kNoMemory as the result for a buffer too short (detached), or with a
// JavaScript exception pending for one that is not an ArrayBuffer.
bool GetMemory(napi_env env, napi_value value, double* f, Memory* m) {
  void* base = nullptr;
  size_t bytes = 0;
  if (napi_get_arraybuffer_info(env, value, &base, &bytes) != napi_ok) {
    napi_throw_type_error(env, nullptr, "bsdsock: expected an ArrayBuffer");
    return false;
  }
  const double cap = f[13];
  const double n = f[12];
  if (!(cap >= 0 && cap <= sys::kMaxBatch && n >= 0 && n <= cap)) {
    napi_throw_range_error(env, nullptr, "bsdsock: batch size out of range");
    return false;
  }
  m->cap = static_cast<size_t>(cap);
  if (bytes < m->cap * (kArrays * sizeof(int32_t) + kNameSize)) {
    f[7] = kNoMemory;
    return false;
  }
  auto* p = static_cast<uint8_t*>(base);
  for (size_t k = 0; k < kArrays; k++) m->a[k] = reinterpret_cast<int32_t*>(p + k * m->cap * sizeof(int32_t));
  m->names = p + kArrays * m->cap * sizeof(int32_t);
  return true;
}

// Per-thread arrays, grown as needed and reused: a batch call allocates
// nothing once they are large enough. A call never runs JavaScript between
// filling them and the syscall, so one set per thread is enough.
struct Scratch {
  std::vector<sys::mmsghdr> msgs;
  std::vector<iovec> iov;
  std::vector<uint64_t> control;  // uint64_t: cmsghdr's alignment
  napi_value args[3 + sys::kMaxBatch];
};
thread_local Scratch scratch;

// The thread's scratch arrays, looked up once per call: each access to a
// thread_local from a shared library is a call to __tls_get_addr (about 190
// instructions per datagram when the loops did it, callgrind).
Scratch& TheScratch() { return scratch; }

// The arguments: `fixed` (at most 3) leading values, then, when `views`,
// up to kMaxBatch views; they land in sc.args. Returns the count of views.
// The count is asked first: napi_get_cb_info fills every slot it is given
// beyond the arguments with undefined, 1,000 of them for a batch of 64.
size_t Args(napi_env env, napi_callback_info info, Scratch& sc, size_t fixed, bool views, FastState** s) {
  size_t argc = 0;
  void* st = nullptr;
  napi_get_cb_info(env, info, &argc, nullptr, nullptr, &st);
  *s = static_cast<FastState*>(st);
  const size_t cap = fixed + (views ? sys::kMaxBatch : 0);
  if (argc > cap) argc = cap;
  size_t got = argc < fixed ? fixed : argc;  // missing leading values read as undefined
  napi_get_cb_info(env, info, &got, sc.args, nullptr, nullptr);
  return argc < fixed ? 0 : argc - fixed;
}

// Room for `n` iovecs (made before any header points at one).
void Iovecs(Scratch& sc, size_t n) {
  if (sc.iov.size() < n) sc.iov.resize(n);
}

// The view `v` as an iovec; false with a TypeError pending for a value
// that is not a view.
bool ViewIovec(napi_env env, napi_value v, iovec* out) {
  uint8_t* data = nullptr;
  size_t len = 0;
  if (const char* bad = LookupView(env, v, &data, &len)) {
    napi_throw_type_error(env, nullptr, bad);
    return false;
  }
  *out = iovec{data, len};
  return true;
}

// The views of messages [from, to), the first at sc.args[first], as
// iovecs (room made by Iovecs); false with a TypeError pending for one that
// is not a view.
bool Views(napi_env env, Scratch& sc, size_t first, size_t from, size_t to) {
  iovec* iov = sc.iov.data();
  for (size_t i = from; i < to; i++) {
    if (!ViewIovec(env, sc.args[first + (i - from)], &iov[i])) return false;
  }
  return true;
}

// `n` message headers, [from, to) of them pointing at their iovecs; the
// other fields are the callers' to set.
sys::mmsghdr* Headers(Scratch& sc, size_t n, size_t from = 0, size_t to = SIZE_MAX) {
  if (sc.msgs.size() < n) sc.msgs.resize(n);
  sys::mmsghdr* msgs = sc.msgs.data();
  iovec* iov = sc.iov.data();
  if (to > n) to = n;
  for (size_t i = from; i < to; i++) {
    msghdr& h = msgs[i].msg_hdr;
    h.msg_name = nullptr;
    h.msg_namelen = 0;
    h.msg_iov = &iov[i];
    h.msg_iovlen = 1;
    h.msg_control = nullptr;
    h.msg_controllen = 0;
    h.msg_flags = 0;
    msgs[i].msg_len = 0;
  }
  return msgs;
}

unsigned char* Control(Scratch& sc, size_t bytes) {
  const size_t words = (bytes + 7) / 8;
  if (sc.control.size() < words) sc.control.resize(words);
  return reinterpret_cast<unsigned char*>(sc.control.data());
}

// The segment size of a GRO-coalesced receive, from its UDP_GRO control
// message; 0 when it has none (one datagram).
int GroSize(msghdr* h) {
#if defined(UDP_GRO)
  if (h->msg_control == nullptr) return 0;
  for (cmsghdr* c = CMSG_FIRSTHDR(h); c != nullptr; c = CMSG_NXTHDR(h, c)) {
    if (c->cmsg_level == IPPROTO_UDP && c->cmsg_type == UDP_GRO && c->cmsg_len >= CMSG_LEN(sizeof(int))) {
      int size;
      std::memcpy(&size, CMSG_DATA(c), sizeof size);
      return size;
    }
  }
#else
  (void)h;
#endif
  return 0;
}

// Points headers [from, to) at their name slots and, when `ctrl` is given,
// at `control` bytes each of it.
void PrepareReceive(sys::mmsghdr* msgs, size_t from, size_t to, const Memory& m, unsigned char* ctrl, size_t control) {
  for (size_t i = from; i < to; i++) {
    msghdr& h = msgs[i].msg_hdr;
    h.msg_name = m.names + i * kNameSize;
    h.msg_namelen = kNameSize;
    if (ctrl != nullptr) {
      h.msg_control = ctrl + i * control;
      h.msg_controllen = control;
    }
  }
}

// The results of messages [from, to) of a receive into the mmsg memory.
void StoreReceived(sys::mmsghdr* msgs, size_t from, size_t to, const Memory& m) {
  for (size_t i = from; i < to; i++) {
    msghdr& h = msgs[i].msg_hdr;
    m.a[0][i] = static_cast<int32_t>(msgs[i].msg_len);
    m.a[1][i] = h.msg_flags;
    m.a[2][i] = GroSize(&h);
    // A peer without an address (an unbound AF_UNIX socket) gives 0.
    const size_t len = h.msg_namelen > kNameSize ? kNameSize : h.msg_namelen;
    m.a[3][i] = static_cast<int32_t>(len);
    // A batch usually comes from one peer, or a few in runs: lib/ decodes
    // each run's address once.
    const bool same = i > 0 && static_cast<size_t>(m.a[3][i - 1]) == len &&
                      std::memcmp(m.names + i * kNameSize, m.names + (i - 1) * kNameSize, len) == 0;
    m.a[5][i] = same ? m.a[5][i - 1] : static_cast<int32_t>(i);
  }
}

// The frame's control bytes per received message, or false with a
// RangeError pending.
bool ControlSize(napi_env env, const double* f, size_t* control) {
  const double c = f[9];
  if (!(c >= 0 && c <= 1024)) {
    napi_throw_range_error(env, nullptr, "bsdsock: control size out of range");
    return false;
  }
  *control = static_cast<size_t>(c);
  return true;
}

// sendmmsg(mem, ...views): sendmmsg(2) of the frame's count of messages,
// message i views[i], or with frame[6] = 1 the view at index A2[i] (a view
// repeated in a batch is then passed, and looked up, once), to its name
// slot (A0, -1 for none: a connected socket), with its UDP_SEGMENT size
// (A1, 0 for none): frame fd, flags, count -> result.
napi_value Sendmmsg(napi_env env, napi_callback_info info) {
  FastState* s;
  Scratch& sc = TheScratch();
  const size_t views = Args(env, info, sc, 1, true, &s);
  double* f = s->frame;
  Memory m;
  if (!GetMemory(env, sc.args[0], f, &m)) return nullptr;
  const size_t n = static_cast<size_t>(f[12]);
  if (f[6] == 1) {
    // The views' iovecs go after the messages' own, which copy them.
    Iovecs(sc, n + views);
    if (!Views(env, sc, 1, n, n + views)) return nullptr;
    iovec* iov = sc.iov.data();
    for (size_t i = 0; i < n; i++) {
      const int32_t k = m.a[2][i];
      if (k < 0 || static_cast<size_t>(k) >= views) {
        napi_throw_range_error(env, nullptr, "bsdsock: bad view index");
        return nullptr;
      }
      iov[i] = iov[n + static_cast<size_t>(k)];
    }
  } else {
    if (n > views) {
      napi_throw_range_error(env, nullptr, "bsdsock: fewer views than messages");
      return nullptr;
    }
    Iovecs(sc, n);
    if (!Views(env, sc, 1, 0, n)) return nullptr;
  }
  sys::mmsghdr* msgs = Headers(sc, n);
  // A UDP_SEGMENT item per message that has a segment size.
  constexpr size_t kSegSpace = CMSG_SPACE(sizeof(uint16_t));
  size_t segmented = 0;
  for (size_t i = 0; i < n; i++) segmented += m.a[1][i] != 0;
  unsigned char* ctrl = segmented > 0 ? Control(sc, segmented * kSegSpace) : nullptr;
  if (ctrl != nullptr) std::memset(ctrl, 0, segmented * kSegSpace);  // the padding goes to the kernel
  for (size_t i = 0; i < n; i++) {
    msghdr& h = msgs[i].msg_hdr;
    const int32_t slot = m.a[0][i];
    if (slot >= 0) {
      const int32_t len = static_cast<uint32_t>(slot) < m.cap ? m.a[3][slot] : -1;
      if (len < 0 || static_cast<size_t>(len) > kNameSize) {
        napi_throw_range_error(env, nullptr, "bsdsock: bad name slot");
        return nullptr;
      }
      h.msg_name = m.names + static_cast<size_t>(slot) * kNameSize;
      h.msg_namelen = static_cast<socklen_t>(len);
    }
    const int32_t seg = m.a[1][i];
    if (seg != 0) {
#if defined(UDP_SEGMENT)
      if (seg < 0 || seg > 0xffff) {
        napi_throw_range_error(env, nullptr, "bsdsock: segment size out of range");
        return nullptr;
      }
      cmsghdr* c = reinterpret_cast<cmsghdr*>(ctrl);
      c->cmsg_level = IPPROTO_UDP;
      c->cmsg_type = UDP_SEGMENT;
      c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
      const uint16_t size = static_cast<uint16_t>(seg);
      std::memcpy(CMSG_DATA(c), &size, sizeof size);
      h.msg_control = ctrl;
      h.msg_controllen = kSegSpace;
      ctrl += kSegSpace;
#else
      f[7] = -EOPNOTSUPP;
      return nullptr;
#endif
    }
  }
  f[7] = sys::sendmmsg(SlotInt(f[0]), msgs, static_cast<unsigned>(n), SlotInt(f[3], 0));
  return nullptr;
}

// The memory of the views a receive list gave its last calls, one slot per
// message index, each with the tag lib/ gave that lookup (lib/view-cache.ts
// decides when a view is still the one looked up). Native memory, out of
// JavaScript's reach; freed with the External that holds it.
struct ViewCache {
  explicit ViewCache(size_t cap) : iov(cap, iovec{nullptr, 0}), tag(cap, 0) {}
  std::vector<iovec> iov;
  std::vector<int32_t> tag;  // 0: nothing kept
};

// viewCache(cap): a new, empty view cache of `cap` slots, as an External.
napi_value NewViewCache(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg;
  napi_get_cb_info(env, info, &argc, &arg, nullptr, nullptr);
  double cap = -1;
  if (argc < 1 || napi_get_value_double(env, arg, &cap) != napi_ok || !(cap >= 0 && cap <= sys::kMaxBatch)) {
    napi_throw_range_error(env, nullptr, "bsdsock: view cache size out of range");
    return nullptr;
  }
  auto* cache = new ViewCache(static_cast<size_t>(cap));
  napi_value out;
  if (napi_create_external(
          env, cache, [](napi_env, void* data, void*) { delete static_cast<ViewCache*>(data); }, nullptr, &out) != napi_ok) {
    delete cache;
    return nullptr;
  }
  return out;
}

// The iovecs of messages [from, to), the views that need a lookup at
// sc.args[first + (i - from)]. With a cache, message i's mark (A4[i])
// says where its memory comes from: a tag > 0, the cache's slot i, which
// must hold that tag; minus a tag, a lookup kept in slot i under that tag;
// 0, a lookup not kept. Without one, every view is looked up. False with
// a TypeError or RangeError pending, or with kStaleCache as the result.
bool CachedViews(napi_env env, Scratch& sc, size_t first, size_t views, size_t from, size_t to, ViewCache* cache,
                 const Memory& m, double* f) {
  iovec* iov = sc.iov.data();
  for (size_t i = from; i < to; i++) {
    const int32_t mark = cache != nullptr ? m.a[4][i] : 0;
    const bool slot = cache != nullptr && i < cache->tag.size();
    if (mark > 0) {
      if (!slot || cache->tag[i] != mark) {
        f[7] = kStaleCache;
        return false;
      }
      iov[i] = cache->iov[i];
      continue;
    }
    const size_t arg = i - from;
    if (arg >= views) {
      napi_throw_range_error(env, nullptr, "bsdsock: fewer views than messages");
      return false;
    }
    if (!ViewIovec(env, sc.args[first + arg], &iov[i])) return false;
    if (mark < 0 && mark != INT32_MIN && slot) {
      cache->iov[i] = iov[i];
      cache->tag[i] = -mark;
    }
  }
  return true;
}

// recvmmsgViews(mem, cache, ...views): recvmmsg(2) of up to the frame's
// count of messages, message start + i (start: frame slot 1) into
// views[i], or into the memory `cache` (an External from viewCache, or
// undefined for none) kept for it (see CachedViews): frame fd, flags,
// count, start, control bytes -> result (kStaleCache: lib/ forgets its
// cache and asks again); A0-A3, A5 and the names filled for each message
// received. Given frame[6] = 1 (lib/ has more views to offer), a call that
// filled all its views sets frame[6] to 1 when another datagram is queued
// (ioctl FIONREAD), else 0: lib/ then makes a second, non-blocking call for
// the rest (lib/mmsg.ts recvInto).
napi_value RecvmmsgViews(napi_env env, napi_callback_info info) {
  FastState* s;
  Scratch& sc = TheScratch();
  const size_t views = Args(env, info, sc, 2, true, &s);
  double* f = s->frame;
  Memory m;
  size_t control;
  if (!GetMemory(env, sc.args[0], f, &m) || !ControlSize(env, f, &control)) return nullptr;
  void* external = nullptr;
  ViewCache* cache = napi_get_value_external(env, sc.args[1], &external) == napi_ok ? static_cast<ViewCache*>(external) : nullptr;
  const size_t n = static_cast<size_t>(f[12]);
  const double at = f[1];
  if (!(at >= 0 && at + static_cast<double>(n) <= static_cast<double>(m.cap))) {
    napi_throw_range_error(env, nullptr, "bsdsock: batch range outside the mmsg memory");
    return nullptr;
  }
  const size_t start = static_cast<size_t>(at);
  const bool ask = f[6] == 1;
  f[6] = 0;
  Iovecs(sc, start + n);
  if (!CachedViews(env, sc, 2, views, start, start + n, cache, m, f)) return nullptr;
  sys::mmsghdr* msgs = Headers(sc, start + n, start, start + n);
  unsigned char* ctrl = control > 0 ? Control(sc, (start + n) * control) : nullptr;
  PrepareReceive(msgs, start, start + n, m, ctrl, control);
  const int fd = SlotInt(f[0]);
  const int r = sys::recvmmsg(fd, msgs + start, static_cast<unsigned>(n), SlotInt(f[3], 0));
  f[7] = r;
  if (r <= 0) return nullptr;
  StoreReceived(msgs, start, start + static_cast<size_t>(r), m);
  if (ask && r == static_cast<int>(n) && sys::pending(fd) > 0) f[6] = 1;
  return nullptr;
}

// recvmmsgPool(slab, small, mem): recvmmsg(2) of up to the frame's count of
// messages into a receive pool slab (lib/pool.ts), message i at
// [offset + i * size, + size): frame fd, flags, count, control bytes, slab
// offset (1), bytes per message (14) -> result. Then each message of at
// most the copy limit (5) is copied to the small-results slab, 8-byte
// aligned from its offset (4) while there is room, as io.cc's pool calls
// copy one: A4 says where (-1: left in the slab), frame[6] where the next
// copy would go (-1: that slab was too short, nothing copied). A slab too
// short for the range gives kNoSlab.
napi_value RecvmmsgPool(napi_env env, napi_callback_info info) {
  FastState* s;
  Scratch& sc = TheScratch();
  if (Args(env, info, sc, 3, false, &s) != 0) return nullptr;  // never: no views
  double* f = s->frame;
  Memory m;
  size_t control;
  void* base = nullptr;
  size_t bytes = 0;
  if (napi_get_arraybuffer_info(env, sc.args[0], &base, &bytes) != napi_ok) {
    napi_throw_type_error(env, nullptr, "bsdsock: expected an ArrayBuffer");
    return nullptr;
  }
  if (!GetMemory(env, sc.args[2], f, &m) || !ControlSize(env, f, &control)) return nullptr;
  const size_t n = static_cast<size_t>(f[12]);
  const double off = f[1];
  const double size = f[14];
  // Written so that NaN fails too.
  if (!(off >= 0 && size > 0 && size <= 0x7fffffff)) {
    napi_throw_range_error(env, nullptr, "bsdsock: byte range outside the receive pool");
    return nullptr;
  }
  if (!(off + size * static_cast<double>(n) <= static_cast<double>(bytes))) {
    f[7] = kNoSlab;
    return nullptr;
  }
  const size_t each = static_cast<size_t>(size);
  uint8_t* data = static_cast<uint8_t*>(base) + static_cast<size_t>(off);
  if (sc.iov.size() < n) sc.iov.resize(n);
  for (size_t i = 0; i < n; i++) sc.iov[i] = iovec{data + i * each, each};
  sys::mmsghdr* msgs = Headers(sc, n);
  PrepareReceive(msgs, 0, n, m, control > 0 ? Control(sc, n * control) : nullptr, control);
  const int r = sys::recvmmsg(SlotInt(f[0]), msgs, static_cast<unsigned>(n), SlotInt(f[3], 0));
  f[7] = r;
  if (r <= 0) return nullptr;
  StoreReceived(msgs, 0, static_cast<size_t>(r), m);
  // The copies to the small-results slab.
  void* small_base = nullptr;
  size_t small_bytes = 0;
  double at = f[4];
  const double limit = f[5];
  if (napi_get_arraybuffer_info(env, sc.args[1], &small_base, &small_bytes) != napi_ok ||
      !(at >= 0 && at <= static_cast<double>(small_bytes))) {
    for (int i = 0; i < r; i++) m.a[4][i] = -1;
    f[6] = -1;
    return nullptr;
  }
  size_t pos = static_cast<size_t>(at);
  for (int i = 0; i < r; i++) {
    size_t len = msgs[i].msg_len;
    if (len > each) len = each;  // MSG_TRUNC in flags: the datagram's real length
    if (static_cast<double>(len) <= limit && pos + len <= small_bytes) {
      std::memcpy(static_cast<uint8_t*>(small_base) + pos, data + i * each, len);
      m.a[4][i] = static_cast<int32_t>(pos);
      pos += (len + 7) & ~static_cast<size_t>(7);
      if (pos > small_bytes) pos = small_bytes;
    } else {
      m.a[4][i] = -1;
    }
  }
  f[6] = static_cast<double>(pos);
  return nullptr;
}

}  // namespace

void InitMmsg(Napi::Env env, Napi::Object exports, FastState* state) {
  struct Fn {
    const char* name;
    napi_callback cb;
  };
  for (const Fn& fn : {Fn{"sendmmsg", Sendmmsg}, Fn{"recvmmsgViews", RecvmmsgViews}, Fn{"recvmmsgPool", RecvmmsgPool},
                       Fn{"viewCache", NewViewCache}}) {
    napi_value fnv;
    napi_create_function(env, fn.name, NAPI_AUTO_LENGTH, fn.cb, state, &fnv);
    exports.Set(fn.name, Napi::Value(env, fnv));
  }
  exports.Set("MMSG_MAX", Napi::Number::New(env, sys::kMaxBatch));
  exports.Set("MMSG_NAME_SIZE", Napi::Number::New(env, static_cast<double>(kNameSize)));
}

}  // namespace bsdsock
