// recvmmsg(2) and sendmmsg(2) with libuv's return convention; see sys.h.
// Linux has both; elsewhere (macOS, the BSDs as built here) they are loops
// of recvmsg()/sendmsg(), which give the same results one syscall per
// message.
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cerrno>

#include "sys.h"

namespace bsdsock::sys {

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0
#endif
#ifndef MSG_CMSG_CLOEXEC
#define MSG_CMSG_CLOEXEC 0
#endif

#if defined(__linux__)

int recvmmsg(int fd, mmsghdr* msgs, unsigned vlen, int flags) {
  int r;
  do {
    r = ::recvmmsg(fd, msgs, vlen, flags | MSG_WAITFORONE | MSG_CMSG_CLOEXEC, nullptr);
  } while (r == -1 && errno == EINTR);
  if (r < 0) return -errno;
  // Linux echoes MSG_CMSG_CLOEXEC in msg_flags: report it only if asked for.
  if ((flags & MSG_CMSG_CLOEXEC) == 0) {
    for (int i = 0; i < r; i++) msgs[i].msg_hdr.msg_flags &= ~MSG_CMSG_CLOEXEC;
  }
  return r;
}

int sendmmsg(int fd, mmsghdr* msgs, unsigned vlen, int flags) {
  int r;
  do {
    r = ::sendmmsg(fd, msgs, vlen, flags | MSG_NOSIGNAL);
  } while (r == -1 && errno == EINTR);
  return r < 0 ? -errno : r;
}

#else

int recvmmsg(int fd, mmsghdr* msgs, unsigned vlen, int flags) {
  if (vlen > kMaxBatch) vlen = kMaxBatch;
  unsigned n = 0;
  for (; n < vlen; n++) {
    ssize_t r = recvmsg(fd, &msgs[n].msg_hdr, n == 0 ? flags : flags | MSG_DONTWAIT);
    if (r < 0) {
      if (n == 0) return static_cast<int>(r);
      break;
    }
    msgs[n].msg_len = static_cast<unsigned>(r);
  }
  return static_cast<int>(n);
}

int sendmmsg(int fd, mmsghdr* msgs, unsigned vlen, int flags) {
  if (vlen > kMaxBatch) vlen = kMaxBatch;
  unsigned n = 0;
  for (; n < vlen; n++) {
    ssize_t r = sendmsg(fd, &msgs[n].msg_hdr, flags);
    if (r < 0) {
      if (n == 0) return static_cast<int>(r);
      break;
    }
    msgs[n].msg_len = static_cast<unsigned>(r);
  }
  return static_cast<int>(n);
}

#endif

int pending(int fd) {
  int n = 0;
  return ::ioctl(fd, FIONREAD, &n) == -1 ? -errno : n;
}

}  // namespace bsdsock::sys
