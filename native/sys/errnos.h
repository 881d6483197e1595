// errno names and descriptions: plain C++17 over the C library, no N-API.
#pragma once

#include <cstddef>

namespace bsdsock::sys {

// The C name of errno value `e` ("EAGAIN"), or nullptr when the platform
// names no such value. Where two names share a value (EAGAIN and
// EWOULDBLOCK), the one socket code is written with.
const char* errno_name(int e);

// Calls `visit(value, name)` once for every errno value the platform names,
// in increasing order.
template <typename F>
void each_errno(F visit);

// The C library's description of `e` (strerror_r(3)), such as "Connection
// refused", written into `buf` (always NUL-terminated).
void strerror(int e, char* buf, size_t len);

// The largest value each_errno() visits, and the table behind it.
int max_errno();

}  // namespace bsdsock::sys

namespace bsdsock::sys {

template <typename F>
void each_errno(F visit) {
  const int max = max_errno();
  for (int e = 1; e <= max; e++) {
    if (const char* name = errno_name(e)) visit(e, name);
  }
}

}  // namespace bsdsock::sys
