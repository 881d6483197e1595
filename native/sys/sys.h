// bsdsock's platform layer: plain C++17 over POSIX, no N-API, no libuv.
//
// The contract of every function here is libuv's (src/unix/internal.h):
//
//   * the result is a non-negative value (an fd, a byte count, 0) or -errno;
//   * EINTR is retried inside the function (PEP 475), except by close(), which
//     must never be retried: on Linux the fd is already released when close()
//     reports EINTR, and a retry could close an fd another thread just got;
//   * every new fd is close-on-exec (SOCK_CLOEXEC, accept4, F_DUPFD_CLOEXEC);
//   * every send uses MSG_NOSIGNAL (SO_NOSIGPIPE where that flag is missing),
//     so a broken pipe is -EPIPE and never a SIGPIPE;
//   * nothing here throws, allocates on the heap, or keeps state.
//
// EAGAIN is an ordinary return value: the timeout and non-blocking policy
// lives in the TypeScript layer, which waits with sys::wait() and retries.
#pragma once

#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace bsdsock::sys {

// ---- lifecycle -------------------------------------------------------------

// socket(2) with SOCK_CLOEXEC added to `type`. SOCK_NONBLOCK in `type` is
// honoured on every platform (emulated with fcntl where the flag is missing).
int socket(int family, int type, int protocol);
// socketpair(2); both fds close-on-exec. Returns 0 and fills fds, or -errno.
int socketpair(int family, int type, int protocol, int fds[2]);
int bind(int fd, const sockaddr* addr, socklen_t len);
int listen(int fd, int backlog);
// accept4(2) with SOCK_CLOEXEC, plus SOCK_NONBLOCK when `nonblock`. On
// platforms without accept4 the new fd's flags are normalised the same way
// (BSD accepted sockets inherit O_NONBLOCK from the listener).
int accept(int fd, sockaddr_storage* addr, socklen_t* len, bool nonblock);
// accept() that never blocks, even on a blocking fd: the async methods use it
// so that a connection reset between readiness and accept cannot hang the
// event loop. A blocking fd is made O_NONBLOCK for the call only.
int accept_nowait(int fd, sockaddr_storage* addr, socklen_t* len, bool nonblock);
// connect(2). If a blocking TCP connect is interrupted by a signal, the
// kernel goes on connecting asynchronously: wait until it completes, then
// report the result from SO_ERROR (CPython's internal_connect, issue #23618).
// An interrupted AF_UNIX connect (waiting for room in a full backlog) has
// done nothing, so it is called again instead, within what is left of the
// socket's SO_SNDTIMEO (EAGAIN when that runs out, as the kernel reports it).
int connect(int fd, const sockaddr* addr, socklen_t len);
// For an AF_UNIX socket in timeout mode whose non-blocking connect found the
// listener's backlog full (EAGAIN): a blocking connect(2) for up to
// `timeout_ms`, the kernel's own wait for room, with the fd made blocking and
// SO_SNDTIMEO set to the time left for the call only. Signals neither cut
// it short nor lengthen it. Returns 0, -errno, or -EAGAIN when the time is up.
int connect_wait(int fd, const sockaddr* addr, socklen_t len, int timeout_ms);
// connect() that never blocks, even on a blocking fd: -EINPROGRESS while the
// handshake goes on (wait for POLLOUT, then read SO_ERROR).
int connect_nowait(int fd, const sockaddr* addr, socklen_t len);
int shutdown(int fd, int how);
// close(2), never retried; ECONNRESET (which some kernels report for a
// socket reset by its peer) is not an error here, as in CPython.
int close(int fd);
// dup with F_DUPFD_CLOEXEC.
int dup(int fd);

// ---- data ------------------------------------------------------------------

ssize_t recv(int fd, void* buf, size_t len, int flags);
// recvfrom(2); *alen is in/out. A peer without an address gives *alen == 0.
ssize_t recvfrom(int fd, void* buf, size_t len, int flags,
                 sockaddr_storage* addr, socklen_t* alen);
ssize_t send(int fd, const void* buf, size_t len, int flags);
ssize_t sendto(int fd, const void* buf, size_t len, int flags,
               const sockaddr* addr, socklen_t alen);
// sendmsg(2) with MSG_NOSIGNAL.
ssize_t sendmsg(int fd, const msghdr* msg, int flags);
// recvmsg(2) with MSG_CMSG_CLOEXEC where the platform has it, so that fds
// received with SCM_RIGHTS are close-on-exec like every fd bsdsock makes
// (without it where the family refuses it with EINVAL: AF_PACKET).
// msg_namelen and msg_controllen are in/out, and reset before an EINTR retry.
ssize_t recvmsg(int fd, msghdr* msg, int flags);

// ---- batches (native/sys/mmsg.cc) ------------------------------------------

// One message of a batch: Linux's struct mmsghdr (msg_hdr, then msg_len, the
// bytes that message moved). Elsewhere a struct of the same shape, for the
// loop below.
#if defined(__linux__)
using mmsghdr = ::mmsghdr;
#else
struct mmsghdr {
  msghdr msg_hdr;
  unsigned int msg_len;
};
#endif
// The most messages one call takes: UIO_MAXIOV, which Linux clamps vlen to.
constexpr unsigned kMaxBatch = 1024;
// recvmmsg(2) of up to `vlen` messages, with MSG_WAITFORONE: on a blocking
// socket it waits for the first message only, then takes what is queued
// (without it, Linux waits until all `vlen` arrive). MSG_CMSG_CLOEXEC is
// added as in recvmsg(). Returns the count (>= 1 unless vlen is 0) or
// -errno, EINTR retried: Linux reports EINTR only before the first message,
// when no msghdr has been written yet, so a retry needs no reset. An error
// after the first message ends the batch early; Linux reports it to the
// next call. Where there is no recvmmsg(2), a loop of recvmsg(): the first
// with `flags`, the rest with MSG_DONTWAIT added; an error after the first
// message is then lost.
int recvmmsg(int fd, mmsghdr* msgs, unsigned vlen, int flags);
// sendmmsg(2) of up to `vlen` messages with MSG_NOSIGNAL. Returns how many
// were sent or -errno (only when none was), EINTR retried. An error after
// the first message ends the batch early and is not reported (Linux's rule:
// the next call, starting at the failed message, reports it). Elsewhere a
// loop of sendmsg() that stops at the first error.
int sendmmsg(int fd, mmsghdr* msgs, unsigned vlen, int flags);
// ioctl(FIONREAD): the size of the next queued datagram (UDP, AF_UNIX
// datagrams; 0 when none, or when it is empty), the bytes queued on a
// stream, or -errno. It leaves a pending socket error (SO_ERROR) alone.
int pending(int fd);

// sendfile(2): up to `count` bytes of `in_fd` from byte `offset` to the
// socket `out_fd`, leaving in_fd's file position alone. -ENOSYS where the
// platform has no such call (lib/ then reads and sends).
int64_t sendfile(int out_fd, int in_fd, int64_t offset, size_t count);
// sendfile() that never blocks, even on a blocking socket (async methods).
int64_t sendfile_nowait(int out_fd, int in_fd, int64_t offset, size_t count);
// lseek(2): the new position, or -errno (ESPIPE for a pipe or a socket).
int64_t lseek(int fd, int64_t offset, int whence);

// ---- names and options -----------------------------------------------------

int getsockname(int fd, sockaddr_storage* addr, socklen_t* len);
int getpeername(int fd, sockaddr_storage* addr, socklen_t* len);
int getsockopt(int fd, int level, int name, void* value, socklen_t* len);
int setsockopt(int fd, int level, int name, const void* value, socklen_t len);

// ---- fd flags --------------------------------------------------------------

// O_NONBLOCK on or off; returns 0 or -errno.
int set_nonblocking(int fd, bool on);
// 1 if O_NONBLOCK is set, 0 if not, or -errno.
int get_nonblocking(int fd);
// 1 if the fd survives exec (FD_CLOEXEC clear), 0 if not, or -errno.
int get_inheritable(int fd);
int set_inheritable(int fd, bool on);

// ---- waiting ---------------------------------------------------------------

// poll(2) on one fd for `events` (POLLIN, POLLOUT, ...). Returns the revents
// (> 0) when ready, 0 when `timeout_ms` elapsed, or -errno. A negative
// timeout waits forever. EINTR is retried with the time that is left, measured
// on the monotonic clock, so signals neither shorten nor lengthen the wait.
int wait(int fd, int events, int timeout_ms);

// poll(2) on many fds, with the same EINTR and timeout rules as wait().
// Returns the number of ready fds, 0 on timeout, or -errno.
int poll(::pollfd* fds, size_t n, int timeout_ms);

#if defined(__linux__)
// epoll_create1(EPOLL_CLOEXEC).
int epoll_create();
int epoll_ctl(int epfd, int op, int fd, uint32_t events);
// epoll_wait(2) with the same EINTR and timeout rules as wait(); each ready
// fd's number and events are written to fds[i] and events[i].
int epoll_wait(int epfd, int* fds, uint32_t* events, int max, int timeout_ms);
#endif

// ---- addresses -------------------------------------------------------------

// Fills a sockaddr_in / sockaddr_in6 from a numeric host literal. `port` is in
// host byte order. For AF_INET6 a "%scope" suffix (interface name or number)
// is accepted and gives the scope id unless `scope_given` is set, in which case
// `scope_id` wins. Returns 0, -EINVAL if `host` is not a literal of `family`,
// or -EAFNOSUPPORT for another family.
int inet_sockaddr(int family, const char* host, uint16_t port,
                  uint32_t flowinfo, uint32_t scope_id, bool scope_given,
                  sockaddr_storage* out, socklen_t* len);
// The wildcard address (INADDR_ANY / in6addr_any) or, when `broadcast`,
// INADDR_BROADCAST. AF_INET6 has no broadcast: -EAFNOSUPPORT.
int inet_special(int family, bool broadcast, uint16_t port,
                 sockaddr_storage* out, socklen_t* len);
// Fills a sockaddr_un from raw path bytes. A leading NUL byte is Linux's
// abstract namespace (at most sizeof sun_path bytes); a filesystem path must
// leave room for its terminating NUL. Too long: -ENAMETOOLONG, never
// truncated. An empty path gives the bare family (autobind on Linux).
int unix_sockaddr(const void* path, size_t n, sockaddr_storage* out,
                  socklen_t* len);
// The address family stored in a sockaddr of `len` bytes, or -EINVAL when
// `len` is too short to hold one.
int sockaddr_family(const sockaddr_storage* addr, socklen_t len);
// Writes the numeric host of an AF_INET/AF_INET6 sockaddr into `out`
// (INET6_ADDRSTRLEN bytes at least). Returns the string length or -errno.
int inet_host(const sockaddr_storage* addr, char* out, size_t outlen);
// Where the path bytes of an AF_UNIX sockaddr start and how many there are,
// without the terminating NUL of a filesystem path.
void unix_path(const sockaddr_storage* addr, socklen_t len, const char** path,
               size_t* n);

// ---- resolver --------------------------------------------------------------

// getaddrinfo(3) with hints built from the arguments (host or service may be
// null). Returns 0 and the list in *res (free it with freeaddrinfo), or the
// EAI_* code; for EAI_SYSTEM, *sys_errno receives errno. This blocks for as
// long as the resolver does; EAI_AGAIN is not retried.
int getaddrinfo(const char* host, const char* service, int family, int type,
                int protocol, int flags, addrinfo** res, int* sys_errno);

// ---- names and numbers (native/sys/names.cc) ---------------------------------

// getnameinfo(3). Returns 0, or the EAI_* code (*sys_errno for EAI_SYSTEM).
int getnameinfo(const sockaddr* addr, socklen_t len, int flags, std::string* host,
                std::string* service, int* sys_errno);
// gethostname(2). Returns 0 or -errno.
int gethostname(std::string* name);
// sethostname(2) to the `len` bytes of `name` (no NUL needed). Returns 0 or
// -errno: EPERM without CAP_SYS_ADMIN (checked first on Linux), EINVAL for
// more than 64 bytes.
int sethostname(const void* name, size_t len);

// A struct hostent, copied out.
struct HostEntry {
  std::string name;
  std::vector<std::string> aliases;
  std::vector<std::string> addresses;  // numeric strings
};
// gethostbyname2_r(3) in `family`. Returns 0, or the h_errno value (> 0).
int gethostbyname(const char* name, int family, HostEntry* out);
// gethostbyaddr_r(3). Returns 0, or the h_errno value (> 0).
int gethostbyaddr(const void* addr, socklen_t len, int family, HostEntry* out);
// hstrerror(3).
const char* host_error_message(int h_errno_value);

// getservbyname_r(3): the port in host byte order, or -1 if not found.
int getservbyname(const char* name, const char* proto);
// getservbyport_r(3) for a port in host byte order: 0, or -1 if not found.
int getservbyport(int port, const char* proto, std::string* name);
// getprotobyname_r(3): the protocol number, or -1 if not found.
int getprotobyname(const char* name);

// inet_pton(3): writes 4 or 16 bytes and returns that count; 0 if `src` is
// not a valid address of `family`; -EAFNOSUPPORT for another family.
int inet_pton(int family, const char* src, uint8_t* dst);
// inet_ntop(3): the string length, or -errno.
int inet_ntop(int family, const uint8_t* src, char* dst, size_t dstlen);
// inet_aton(3), the lax parser ("127.1", hex, trailing junk after a space):
// 1 and the address in network byte order, or 0.
int inet_aton(const char* src, uint8_t dst[4]);

// if_nametoindex(3): the index, or 0 if there is no such interface.
unsigned if_nametoindex(const char* name);
// if_indextoname(3): 0, or -errno (ENXIO for no such index).
int if_indextoname(unsigned index, std::string* name);
// if_nameindex(3): 0, or -errno.
int if_nameindex(std::vector<std::pair<unsigned, std::string>>* out);

}  // namespace bsdsock::sys
