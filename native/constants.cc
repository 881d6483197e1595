// The platform's own values of every socket-related constant: TypeScript
// never hard-codes a number that differs between platforms. The list of names
// (native/constants.inc) is generated from CPython's socket and select modules;
// a name this platform's headers lack is skipped by its #ifdef.
#include <arpa/inet.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#if defined(__linux__)
#include <linux/can.h>
#include <linux/can/bcm.h>
#include <linux/can/j1939.h>
#include <linux/can/raw.h>
#include <linux/if_alg.h>
#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <linux/tipc.h>
#include <linux/vm_sockets.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
// Socket options of UDP-Lite (IPPROTO_UDPLITE). Only the kernel's private
// include/net/udplite.h defines them; CPython hard-codes the same values.
#if !defined(UDPLITE_SEND_CSCOV)
#define UDPLITE_SEND_CSCOV 10
#define UDPLITE_RECV_CSCOV 11
#endif
#endif

#include "binding.h"

namespace bsdsock {

void InitConstants(Napi::Env env, Napi::Object exports) {
  Napi::Object c = Napi::Object::New(env);
#define BSDSOCK_CONSTANT(name) \
  c.Set(#name, Napi::Number::New(env, static_cast<double>(name)));
// A name of CPython's own for a value the headers call otherwise.
#define BSDSOCK_CONSTANT_AS(name, value) \
  c.Set(#name, Napi::Number::New(env, static_cast<double>(value)));
#include "constants.inc"
#undef BSDSOCK_CONSTANT_AS
#undef BSDSOCK_CONSTANT
  exports.Set("constants", c);
}

}  // namespace bsdsock
