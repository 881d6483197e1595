// The layouts of the C structs that common socket options take or give:
// sizes, field offsets, field sizes and signedness, all measured here, at
// build time (sizeof, offsetof), so that lib/struct.ts never hard-codes one.
//
//   ip_mreq, ipv6_mreq, linger, timeval   every platform
//   ip_mreqn, ucred (SO_PEERCRED)         Linux
//   tcp_info (TCP_INFO)                   Linux: <linux/tcp.h>'s, not glibc's
//                                         older copy; only the fields these
//                                         headers define
//   keepalive options                     whichever the platform names
//
// A layout the platform lacks is null; lib/struct.ts reports ENOPROTOOPT.
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <utility>

#if defined(__linux__)
// The kernel's own tcp_info (glibc's <netinet/tcp.h> has an older one, and
// cannot be included beside it: both define struct tcphdr).
#include <linux/tcp.h>
#else
#include <netinet/tcp.h>
#endif

#include "binding.h"

namespace bsdsock {

namespace {

// A field as lib/struct.ts reads it: [offset, size, signed].
template <typename M>
Napi::Array Field(Napi::Env env, size_t offset) {
  Napi::Array f = Napi::Array::New(env, 3);
  f.Set(uint32_t{0}, Napi::Number::New(env, static_cast<double>(offset)));
  f.Set(uint32_t{1}, Napi::Number::New(env, static_cast<double>(sizeof(M))));
  f.Set(uint32_t{2}, Napi::Boolean::New(env, std::is_signed<M>::value));
  return f;
}

#define BSDSOCK_FIELD(obj, type, member) \
  obj.Set(#member, Field<decltype(std::declval<type&>().member)>(env, offsetof(type, member)))

Napi::Object Layout(Napi::Env env, size_t size) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("size", Napi::Number::New(env, static_cast<double>(size)));
  return o;
}

#if defined(__linux__)
// struct tcp_info grew with the kernel; these headers define some prefix of
// the fields below. Each field is looked for in the struct (SFINAE), so one
// list serves old and new headers alike, and a field the headers lack is
// simply not there. The four bit fields have no offset: their byte and bits
// are found by setting each one in a zeroed struct.
#define BSDSOCK_HAS(member)                                                                      \
  template <typename T, typename = void>                                                        \
  struct has_##member : std::false_type {};                                                     \
  template <typename T>                                                                         \
  struct has_##member<T, std::void_t<decltype(std::declval<T&>().member)>> : std::true_type {}; \
  template <typename T>                                                                         \
  void Add_##member(Napi::Env env, Napi::Array list, uint32_t* n) {                             \
    if constexpr (has_##member<T>::value) {                                                     \
      Napi::Array f = Field<decltype(std::declval<T&>().member)>(env, offsetof(T, member));      \
      Napi::Array entry = Napi::Array::New(env, 2);                                             \
      entry.Set(uint32_t{0}, Napi::String::New(env, #member));                                  \
      entry.Set(uint32_t{1}, f);                                                                \
      list.Set((*n)++, entry);                                                                  \
    }                                                                                           \
  }
#define BSDSOCK_HAS_BITS(member)                                                                 \
  template <typename T, typename = void>                                                        \
  struct has_##member : std::false_type {};                                                     \
  template <typename T>                                                                         \
  struct has_##member<T, std::void_t<decltype(std::declval<T&>().member)>> : std::true_type {}; \
  template <typename T>                                                                         \
  void Add_##member(Napi::Env env, Napi::Array list, uint32_t* n) {                             \
    if constexpr (has_##member<T>::value) {                                                     \
      T t;                                                                                      \
      std::memset(&t, 0, sizeof t);                                                             \
      t.member = 0;                                                                             \
      t.member--; /* every bit of the field set, whatever its width */                          \
      AddBits(env, list, n, #member, reinterpret_cast<const uint8_t*>(&t), sizeof t);            \
    }                                                                                           \
  }

// A bit field as lib/struct.ts reads it: [name, [byte, shift, width]].
void AddBits(Napi::Env env, Napi::Array list, uint32_t* n, const char* name, const uint8_t* bytes, size_t size) {
  for (size_t i = 0; i < size; i++) {
    if (bytes[i] == 0) continue;
    uint8_t b = bytes[i];
    uint32_t shift = 0, width = 0;
    while ((b & 1) == 0) {
      b >>= 1;
      shift++;
    }
    while ((b & 1) == 1) {
      b >>= 1;
      width++;
    }
    Napi::Array bits = Napi::Array::New(env, 3);
    bits.Set(uint32_t{0}, Napi::Number::New(env, static_cast<double>(i)));
    bits.Set(uint32_t{1}, Napi::Number::New(env, shift));
    bits.Set(uint32_t{2}, Napi::Number::New(env, width));
    Napi::Array entry = Napi::Array::New(env, 2);
    entry.Set(uint32_t{0}, Napi::String::New(env, name));
    entry.Set(uint32_t{1}, bits);
    list.Set((*n)++, entry);
    return;
  }
}

#define BSDSOCK_TCPI_FIELDS(X)                                                                     \
  X(tcpi_state) X(tcpi_ca_state) X(tcpi_retransmits) X(tcpi_probes) X(tcpi_backoff)               \
  X(tcpi_options) X(tcpi_rto) X(tcpi_ato) X(tcpi_snd_mss) X(tcpi_rcv_mss) X(tcpi_unacked)         \
  X(tcpi_sacked) X(tcpi_lost) X(tcpi_retrans) X(tcpi_fackets) X(tcpi_last_data_sent)             \
  X(tcpi_last_ack_sent) X(tcpi_last_data_recv) X(tcpi_last_ack_recv) X(tcpi_pmtu)                \
  X(tcpi_rcv_ssthresh) X(tcpi_rtt) X(tcpi_rttvar) X(tcpi_snd_ssthresh) X(tcpi_snd_cwnd)          \
  X(tcpi_advmss) X(tcpi_reordering) X(tcpi_rcv_rtt) X(tcpi_rcv_space) X(tcpi_total_retrans)      \
  X(tcpi_pacing_rate) X(tcpi_max_pacing_rate) X(tcpi_bytes_acked) X(tcpi_bytes_received)         \
  X(tcpi_segs_out) X(tcpi_segs_in) X(tcpi_notsent_bytes) X(tcpi_min_rtt) X(tcpi_data_segs_in)    \
  X(tcpi_data_segs_out) X(tcpi_delivery_rate) X(tcpi_busy_time) X(tcpi_rwnd_limited)             \
  X(tcpi_sndbuf_limited) X(tcpi_delivered) X(tcpi_delivered_ce) X(tcpi_bytes_sent)               \
  X(tcpi_bytes_retrans) X(tcpi_dsack_dups) X(tcpi_reord_seen) X(tcpi_rcv_ooopack)                \
  X(tcpi_snd_wnd) X(tcpi_rcv_wnd) X(tcpi_rehash) X(tcpi_total_rto) X(tcpi_total_rto_recoveries)  \
  X(tcpi_total_rto_time) X(tcpi_received_ce) X(tcpi_delivered_e1_bytes)                          \
  X(tcpi_delivered_e0_bytes) X(tcpi_delivered_ce_bytes) X(tcpi_received_e1_bytes)                \
  X(tcpi_received_e0_bytes) X(tcpi_received_ce_bytes) X(tcpi_accecn_fail_mode)                   \
  X(tcpi_accecn_opt_seen)
#define BSDSOCK_TCPI_BITS(X) \
  X(tcpi_snd_wscale) X(tcpi_rcv_wscale) X(tcpi_delivery_rate_app_limited) X(tcpi_fastopen_client_fail)

BSDSOCK_TCPI_FIELDS(BSDSOCK_HAS)
BSDSOCK_TCPI_BITS(BSDSOCK_HAS_BITS)

Napi::Value TcpInfo(Napi::Env env) {
  Napi::Object o = Layout(env, sizeof(tcp_info));
  Napi::Array fields = Napi::Array::New(env);
  uint32_t n = 0;
#define BSDSOCK_ADD(member) Add_##member<tcp_info>(env, fields, &n);
  BSDSOCK_TCPI_FIELDS(BSDSOCK_ADD)
  Napi::Array bits = Napi::Array::New(env);
  uint32_t nb = 0;
#undef BSDSOCK_ADD
#define BSDSOCK_ADD(member) Add_##member<tcp_info>(env, bits, &nb);
  BSDSOCK_TCPI_BITS(BSDSOCK_ADD)
#undef BSDSOCK_ADD
  o.Set("fields", fields);
  o.Set("bits", bits);
  return o;
}
#endif

// The option that sets how long a connection is idle before keepalive
// probes start: TCP_KEEPIDLE, or TCP_KEEPALIVE on macOS.
Napi::Value KeepaliveOption(Napi::Env env, int which) {
  switch (which) {
    case 0:
#if defined(TCP_KEEPIDLE)
      return Napi::Number::New(env, TCP_KEEPIDLE);
#elif defined(TCP_KEEPALIVE)
      return Napi::Number::New(env, TCP_KEEPALIVE);
#else
      return env.Null();
#endif
    case 1:
#if defined(TCP_KEEPINTVL)
      return Napi::Number::New(env, TCP_KEEPINTVL);
#else
      return env.Null();
#endif
    default:
#if defined(TCP_KEEPCNT)
      return Napi::Number::New(env, TCP_KEEPCNT);
#else
      return env.Null();
#endif
  }
}

}  // namespace

void InitStructs(Napi::Env env, Napi::Object exports) {
  Napi::Object s = Napi::Object::New(env);

  Napi::Object mreq = Layout(env, sizeof(ip_mreq));
  BSDSOCK_FIELD(mreq, ip_mreq, imr_multiaddr);
  BSDSOCK_FIELD(mreq, ip_mreq, imr_interface);
  s.Set("ip_mreq", mreq);

  Napi::Object mreq6 = Layout(env, sizeof(ipv6_mreq));
  BSDSOCK_FIELD(mreq6, ipv6_mreq, ipv6mr_multiaddr);
  BSDSOCK_FIELD(mreq6, ipv6_mreq, ipv6mr_interface);
  s.Set("ipv6_mreq", mreq6);

  Napi::Object lg = Layout(env, sizeof(linger));
  BSDSOCK_FIELD(lg, linger, l_onoff);
  BSDSOCK_FIELD(lg, linger, l_linger);
  s.Set("linger", lg);

  Napi::Object tv = Layout(env, sizeof(timeval));
  BSDSOCK_FIELD(tv, timeval, tv_sec);
  BSDSOCK_FIELD(tv, timeval, tv_usec);
  s.Set("timeval", tv);

#if defined(__linux__)
  Napi::Object mreqn = Layout(env, sizeof(ip_mreqn));
  BSDSOCK_FIELD(mreqn, ip_mreqn, imr_multiaddr);
  BSDSOCK_FIELD(mreqn, ip_mreqn, imr_address);
  BSDSOCK_FIELD(mreqn, ip_mreqn, imr_ifindex);
  s.Set("ip_mreqn", mreqn);

  // SO_PEERCRED gives a struct ucred: pid, uid, gid.
  Napi::Object cred = Layout(env, sizeof(ucred));
  BSDSOCK_FIELD(cred, ucred, pid);
  BSDSOCK_FIELD(cred, ucred, uid);
  BSDSOCK_FIELD(cred, ucred, gid);
  cred.Set("level", Napi::Number::New(env, SOL_SOCKET));
  cred.Set("name", Napi::Number::New(env, SO_PEERCRED));
  s.Set("peercred", cred);

  s.Set("tcp_info", TcpInfo(env));
#else
  s.Set("ip_mreqn", env.Null());
  s.Set("peercred", env.Null());
  s.Set("tcp_info", env.Null());
#endif

  Napi::Object ka = Napi::Object::New(env);
  ka.Set("idle", KeepaliveOption(env, 0));
  ka.Set("interval", KeepaliveOption(env, 1));
  ka.Set("count", KeepaliveOption(env, 2));
  s.Set("keepalive", ka);

  exports.Set("structs", s);
}

}  // namespace bsdsock
