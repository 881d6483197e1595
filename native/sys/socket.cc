// POSIX socket calls with libuv's return convention; see sys.h for the
// contract. Linux is the tested platform; the #else branches keep the BSD and
// macOS paths (no accept4, no SOCK_CLOEXEC, no MSG_NOSIGNAL) compiling.
#include "sys.h"

#include <fcntl.h>
#include <poll.h>
#if defined(__linux__)
#include <sys/epoll.h>
#include <sys/sendfile.h>
#endif
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <climits>
#include <vector>

namespace bsdsock::sys {

namespace {

// Retries `call` while it fails with EINTR; returns its result or -errno.
template <typename Call>
auto retry(Call call) -> decltype(call()) {
  decltype(call()) r;
  do {
    r = call();
  } while (r == -1 && errno == EINTR);
  return r == -1 ? -errno : r;
}

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0
#endif

#if !defined(SOCK_CLOEXEC) || defined(SO_NOSIGPIPE) || !defined(__linux__)
// A new fd gets the flags that socket() could not set atomically here.
// On failure the fd is closed with errno preserved, so no fd leaks.
int finish_new_fd(int fd, bool set_cloexec, bool nonblock) {
  if (fd < 0) return fd;
  int err = 0;
  if (set_cloexec && fcntl(fd, F_SETFD, FD_CLOEXEC) == -1) err = errno;
  if (err == 0) {
    int r = set_nonblocking(fd, nonblock);
    if (r < 0) err = -r;
  }
#if defined(SO_NOSIGPIPE)
  int one = 1;
  if (err == 0 &&
      ::setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one) == -1)
    err = errno;
#endif
  if (err != 0) {
    ::close(fd);
    return -err;
  }
  return fd;
}
#endif

int64_t monotonic_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

}  // namespace

int socket(int family, int type, int protocol) {
#if defined(SOCK_CLOEXEC)
  int fd = ::socket(family, type | SOCK_CLOEXEC, protocol);
  if (fd == -1) return -errno;
#if defined(SO_NOSIGPIPE)
  return finish_new_fd(fd, false, (type & SOCK_NONBLOCK) != 0);
#else
  return fd;
#endif
#else
  int fd = ::socket(family, type, protocol);
  if (fd == -1) return -errno;
  return finish_new_fd(fd, true, false);
#endif
}

int socketpair(int family, int type, int protocol, int fds[2]) {
#if defined(SOCK_CLOEXEC)
  if (::socketpair(family, type | SOCK_CLOEXEC, protocol, fds) == -1)
    return -errno;
#else
  if (::socketpair(family, type, protocol, fds) == -1) return -errno;
  for (int i = 0; i < 2; i++) {
    int r = finish_new_fd(fds[i], true, false);
    if (r < 0) {
      if (i == 0) ::close(fds[1]);
      else ::close(fds[0]);
      return r;
    }
  }
#endif
  return 0;
}

int bind(int fd, const sockaddr* addr, socklen_t len) {
  return ::bind(fd, addr, len) == -1 ? -errno : 0;
}

int listen(int fd, int backlog) {
  return ::listen(fd, backlog) == -1 ? -errno : 0;
}

int accept(int fd, sockaddr_storage* addr, socklen_t* len, bool nonblock) {
  socklen_t cap = *len;
#if defined(__linux__) || defined(__FreeBSD__) || defined(__OpenBSD__) || \
    defined(__NetBSD__)
  int flags = SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0);
  return retry([&] {
    *len = cap;
    return ::accept4(fd, reinterpret_cast<sockaddr*>(addr), len, flags);
  });
#else
  int nfd = retry([&] {
    *len = cap;
    return ::accept(fd, reinterpret_cast<sockaddr*>(addr), len);
  });
  return finish_new_fd(nfd, true, nonblock);
#endif
}

namespace {

// Runs `call` with O_NONBLOCK set on `fd`, restoring the flags afterwards
// with errno preserved. A fd that is already non-blocking costs one fcntl.
template <typename Call>
auto nonblocking_call(int fd, Call call) -> decltype(call()) {
  int flags = ::fcntl(fd, F_GETFL);
  if (flags == -1) return -errno;
  if (flags & O_NONBLOCK) return call();
  if (::fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1) return -errno;
  auto r = call();
  ::fcntl(fd, F_SETFL, flags);
  return r;
}

}  // namespace

int accept_nowait(int fd, sockaddr_storage* addr, socklen_t* len, bool nonblock) {
  return nonblocking_call(fd, [&] { return accept(fd, addr, len, nonblock); });
}

int connect_nowait(int fd, const sockaddr* addr, socklen_t len) {
  return nonblocking_call(fd, [&] {
    int r = ::connect(fd, addr, len);
    // A non-blocking connect is never restarted: after EINTR it goes on in
    // the background, exactly as after EINPROGRESS.
    if (r == -1) return errno == EINTR ? -EINPROGRESS : -errno;
    return 0;
  });
}

namespace {

int64_t sndtimeo_ns(int fd) {
  timeval tv{};
  socklen_t n = sizeof tv;
  if (::getsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, &n) == -1) return -errno;
  return static_cast<int64_t>(tv.tv_sec) * 1000000000 +
         static_cast<int64_t>(tv.tv_usec) * 1000;
}

int set_sndtimeo_ns(int fd, int64_t ns) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ns / 1000000000);
  // Rounded up: 0 would mean "wait forever", and a short wait must not be.
  tv.tv_usec = static_cast<suseconds_t>((ns % 1000000000 + 999) / 1000);
  if (tv.tv_usec == 1000000) {
    tv.tv_sec++;
    tv.tv_usec = 0;
  }
  return ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) == -1 ? -errno : 0;
}

// A blocking connect(2) of an AF_UNIX stream or seqpacket socket waits in the
// kernel for room in the listener's backlog (unix_wait_for_peer). Unlike
// TCP's, that wait does nothing in the background: interrupted by a signal
// whose handler is not SA_RESTART, connect() fails with EINTR and leaves the
// socket unconnected; poll() then reports POLLOUT at once and SO_ERROR is 0,
// so the TCP path (CPython's internal_connect) would report a connection
// that does not exist. So the call itself is made again; EISCONN on a retry
// would mean an earlier attempt connected after all.
//
// SO_SNDTIMEO bounds that wait (its expiry is EAGAIN), and the kernel starts
// it afresh on every call, so signals could lengthen it without end: with a
// `deadline` (monotonic ns; 0 for none), each call runs with SO_SNDTIMEO set
// to the time left, and the time being up is EAGAIN too. The caller restores
// SO_SNDTIMEO.
int connect_unix_until(int fd, const sockaddr* addr, socklen_t len, int64_t deadline) {
  for (;;) {
    if (deadline != 0) {
      const int64_t left = deadline - monotonic_ns();
      if (left <= 0) return -EAGAIN;
      int r = set_sndtimeo_ns(fd, left);
      if (r < 0) return r;
    }
    if (::connect(fd, addr, len) == 0) return 0;
    if (errno != EINTR) return errno == EISCONN ? 0 : -errno;
  }
}

int connect_unix(int fd, const sockaddr* addr, socklen_t len) {
  const int64_t start = monotonic_ns();
  if (::connect(fd, addr, len) == 0) return 0;
  if (errno != EINTR) return -errno;
  const int64_t limit = sndtimeo_ns(fd);
  if (limit < 0) return static_cast<int>(limit);
  int r = connect_unix_until(fd, addr, len, limit == 0 ? 0 : start + limit);
  if (limit != 0) set_sndtimeo_ns(fd, limit);
  return r;
}

}  // namespace

int connect(int fd, const sockaddr* addr, socklen_t len) {
  if (len >= static_cast<socklen_t>(offsetof(sockaddr, sa_family) + sizeof addr->sa_family) &&
      addr->sa_family == AF_UNIX)
    return connect_unix(fd, addr, len);
  if (::connect(fd, addr, len) == 0) return 0;
  if (errno != EINTR) return -errno;
  // Interrupted: a TCP connection goes on in the background. Wait for it
  // (POLLOUT, or POLLERR/POLLHUP on failure) and read the outcome.
  int r = wait(fd, POLLOUT, -1);
  if (r < 0) return r;
  int err = 0;
  socklen_t n = sizeof err;
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &n) == -1) return -errno;
  return err == 0 || err == EISCONN ? 0 : -err;
}

int connect_wait(int fd, const sockaddr* addr, socklen_t len, int timeout_ms) {
  const int64_t deadline = monotonic_ns() + static_cast<int64_t>(timeout_ms) * 1000000;
  const int64_t saved = sndtimeo_ns(fd);
  if (saved < 0) return static_cast<int>(saved);
  int flags = ::fcntl(fd, F_GETFL);
  if (flags == -1) return -errno;
  if ((flags & O_NONBLOCK) && ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == -1) return -errno;
  int r = connect_unix_until(fd, addr, len, deadline);
  set_sndtimeo_ns(fd, saved);
  if (flags & O_NONBLOCK) ::fcntl(fd, F_SETFL, flags);
  return r;
}

int shutdown(int fd, int how) {
  return ::shutdown(fd, how) == -1 ? -errno : 0;
}

int close(int fd) {
  // Never retried (see sys.h). EINTR means the fd is gone on Linux anyway.
  if (::close(fd) == 0) return 0;
  if (errno == EINTR || errno == ECONNRESET) return 0;
  return -errno;
}

int dup(int fd) {
  int r = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  return r == -1 ? -errno : r;
}

ssize_t recv(int fd, void* buf, size_t len, int flags) {
  return retry([&] { return ::recv(fd, buf, len, flags); });
}

ssize_t recvfrom(int fd, void* buf, size_t len, int flags,
                 sockaddr_storage* addr, socklen_t* alen) {
  socklen_t cap = *alen;
  return retry([&] {
    *alen = cap;
    return ::recvfrom(fd, buf, len, flags, reinterpret_cast<sockaddr*>(addr),
                      alen);
  });
}

ssize_t send(int fd, const void* buf, size_t len, int flags) {
  return retry([&] { return ::send(fd, buf, len, flags | MSG_NOSIGNAL); });
}

ssize_t sendto(int fd, const void* buf, size_t len, int flags,
               const sockaddr* addr, socklen_t alen) {
  return retry(
      [&] { return ::sendto(fd, buf, len, flags | MSG_NOSIGNAL, addr, alen); });
}

ssize_t sendmsg(int fd, const msghdr* msg, int flags) {
  return retry([&] { return ::sendmsg(fd, msg, flags | MSG_NOSIGNAL); });
}

#ifndef MSG_CMSG_CLOEXEC
#define MSG_CMSG_CLOEXEC 0
#endif

ssize_t recvmsg(int fd, msghdr* msg, int flags) {
  const socklen_t namelen = msg->msg_namelen;
  const auto controllen = msg->msg_controllen;
  int extra = MSG_CMSG_CLOEXEC;
  auto call = [&] {
    msg->msg_namelen = namelen;
    msg->msg_controllen = controllen;
    return ::recvmsg(fd, msg, flags | extra);
  };
  ssize_t r = retry(call);
  // A family that passes no fds may refuse a flag it has no use for before
  // it reads anything (AF_PACKET: EINVAL); then the call is made as asked.
  if (r == -EINVAL && extra != 0 && (flags & extra) == 0) {
    extra = 0;
    r = retry(call);
  }
  // Linux echoes MSG_CMSG_CLOEXEC in msg_flags: report it only if asked for.
  if (r >= 0 && (flags & MSG_CMSG_CLOEXEC) == 0) msg->msg_flags &= ~MSG_CMSG_CLOEXEC;
  return r;
}

int64_t sendfile(int out_fd, int in_fd, int64_t offset, size_t count) {
#if defined(__linux__)
  off_t off = static_cast<off_t>(offset);
  return retry([&] { return ::sendfile(out_fd, in_fd, &off, count); });
#else
  (void)out_fd, (void)in_fd, (void)offset, (void)count;
  return -ENOSYS;
#endif
}

int64_t sendfile_nowait(int out_fd, int in_fd, int64_t offset, size_t count) {
  return nonblocking_call(out_fd, [&] { return sendfile(out_fd, in_fd, offset, count); });
}

int64_t lseek(int fd, int64_t offset, int whence) {
  off_t r = ::lseek(fd, static_cast<off_t>(offset), whence);
  return r == -1 ? -errno : static_cast<int64_t>(r);
}

int getsockname(int fd, sockaddr_storage* addr, socklen_t* len) {
  return ::getsockname(fd, reinterpret_cast<sockaddr*>(addr), len) == -1
             ? -errno
             : 0;
}

int getpeername(int fd, sockaddr_storage* addr, socklen_t* len) {
  return ::getpeername(fd, reinterpret_cast<sockaddr*>(addr), len) == -1
             ? -errno
             : 0;
}

int getsockopt(int fd, int level, int name, void* value, socklen_t* len) {
  return ::getsockopt(fd, level, name, value, len) == -1 ? -errno : 0;
}

int setsockopt(int fd, int level, int name, const void* value, socklen_t len) {
  return ::setsockopt(fd, level, name, value, len) == -1 ? -errno : 0;
}

int set_nonblocking(int fd, bool on) {
  int flags = ::fcntl(fd, F_GETFL);
  if (flags == -1) return -errno;
  int want = on ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
  if (want != flags && ::fcntl(fd, F_SETFL, want) == -1) return -errno;
  return 0;
}

int get_nonblocking(int fd) {
  int flags = ::fcntl(fd, F_GETFL);
  if (flags == -1) return -errno;
  return (flags & O_NONBLOCK) != 0;
}

int get_inheritable(int fd) {
  int flags = ::fcntl(fd, F_GETFD);
  if (flags == -1) return -errno;
  return (flags & FD_CLOEXEC) == 0;
}

int set_inheritable(int fd, bool on) {
  int flags = ::fcntl(fd, F_GETFD);
  if (flags == -1) return -errno;
  int want = on ? (flags & ~FD_CLOEXEC) : (flags | FD_CLOEXEC);
  if (want != flags && ::fcntl(fd, F_SETFD, want) == -1) return -errno;
  return 0;
}

namespace {

// Calls `wait_once(timeout)` (a poll-like call) until it does not fail with
// EINTR, recomputing the time left on the monotonic clock each time, so that
// signals neither shorten nor lengthen the wait. A negative timeout waits
// forever.
template <typename Wait>
int wait_retrying(int timeout_ms, Wait wait_once) {
  const int64_t ms = 1000000;
  int64_t deadline = timeout_ms < 0 ? 0 : monotonic_ns() + timeout_ms * ms;
  int left = timeout_ms;
  for (;;) {
    int r = wait_once(left);
    if (r >= 0) return r;
    if (errno != EINTR) return -errno;
    if (timeout_ms >= 0) {
      // Round up: waking a fraction of a millisecond early would make the
      // caller see a timeout before its deadline.
      int64_t remaining = deadline - monotonic_ns();
      left = remaining <= 0 ? 0 : static_cast<int>((remaining + ms - 1) / ms);
    }
  }
}

}  // namespace

int wait(int fd, int events, int timeout_ms) {
  pollfd p{fd, static_cast<short>(events), 0};
  int r = wait_retrying(timeout_ms, [&](int left) { return ::poll(&p, 1, left); });
  if (r <= 0) return r;
  // poll() reports a bad fd in revents, not in errno.
  if (p.revents & POLLNVAL) return -EBADF;
  return p.revents;
}

int poll(::pollfd* fds, size_t n, int timeout_ms) {
  return wait_retrying(timeout_ms, [&](int left) {
    return ::poll(fds, static_cast<nfds_t>(n), left);
  });
}

#if defined(__linux__)
int epoll_create() {
  int r = ::epoll_create1(EPOLL_CLOEXEC);
  return r == -1 ? -errno : r;
}

int epoll_ctl(int epfd, int op, int fd, uint32_t events) {
  epoll_event ev{};
  ev.events = events;
  ev.data.fd = fd;
  return ::epoll_ctl(epfd, op, fd, &ev) == -1 ? -errno : 0;
}

int epoll_wait(int epfd, int* fds, uint32_t* events, int max, int timeout_ms) {
  std::vector<epoll_event> evs(static_cast<size_t>(max));
  int r = wait_retrying(timeout_ms, [&](int left) {
    return ::epoll_wait(epfd, evs.data(), max, left);
  });
  for (int i = 0; i < r; i++) {
    fds[i] = evs[static_cast<size_t>(i)].data.fd;
    events[i] = evs[static_cast<size_t>(i)].events;
  }
  return r;
}
#endif

}  // namespace bsdsock::sys
