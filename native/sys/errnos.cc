// errno names from the platform: a table generated from every name Linux,
// macOS and the BSDs define (errnos.inc, each behind #ifdef, so only what
// this <errno.h> defines is compiled in), and on glibc 2.32+ also
// strerrorname_np(3), which knows every value the C library does.
#include "errnos.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace bsdsock::sys {

namespace {

struct Entry {
  int value;
  const char* name;
};

// In errnos.inc's order: for a value with several names the first wins.
constexpr Entry kTable[] = {
#define BSDSOCK_ERRNO(name) {name, #name},
#include "../errnos.inc"
#undef BSDSOCK_ERRNO
};

#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32)) && \
    !defined(BSDSOCK_NO_STRERRORNAME_NP)  // defined to test the table alone
#define BSDSOCK_HAVE_STRERRORNAME_NP 1
#endif

// Errno values are small positive ints everywhere (Linux stops at 133,
// macOS at 106, the BSDs below 100); anything above is not an errno.
constexpr int kMaxErrno = 4095;

// GNU strerror_r returns the message, XSI strerror_r an int; overloading
// on the return type takes whichever this C library declares.
[[maybe_unused]] const char* Message(int r, const char* buf) {
  return r == 0 ? buf : nullptr;
}
[[maybe_unused]] const char* Message(const char* r, const char*) {
  return r;
}

}  // namespace

const char* errno_name(int e) {
  if (e <= 0 || e > kMaxErrno) return nullptr;
#ifdef BSDSOCK_HAVE_STRERRORNAME_NP
  if (const char* name = strerrorname_np(e)) return name;
#endif
  for (const Entry& entry : kTable) {
    if (entry.value == e) return entry.name;
  }
  return nullptr;
}

int max_errno() {
#ifdef BSDSOCK_HAVE_STRERRORNAME_NP
  return kMaxErrno;
#else
  int max = 0;
  for (const Entry& entry : kTable) {
    if (entry.value > max && entry.value <= kMaxErrno) max = entry.value;
  }
  return max;
#endif
}

void strerror(int e, char* buf, size_t len) {
  if (len == 0) return;
  buf[0] = '\0';
  const char* s = Message(strerror_r(e, buf, len), buf);
  if (s == nullptr) {
    std::snprintf(buf, len, "Unknown error %d", e);
    return;
  }
  if (s != buf) {
    std::strncpy(buf, s, len - 1);
    buf[len - 1] = '\0';
  }
}

}  // namespace bsdsock::sys
