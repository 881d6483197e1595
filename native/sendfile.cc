// Bindings for Socket.sendfile: sendfile(2), and lseek(2) to leave the
// file's position where CPython leaves it. Offsets and counts travel as
// doubles (exact up to 2^53); lib/ checks their range first.
#include <unistd.h>

#include <cmath>

#include "binding.h"
#include "sys/sys.h"

namespace bsdsock {

namespace {

// Argument i as a whole number in [0, 2^53]; a RangeError otherwise.
int64_t Offset(const Napi::CallbackInfo& info, size_t i) {
  Napi::Value v = info[i];
  if (!v.IsNumber()) throw Napi::TypeError::New(info.Env(), "bsdsock: expected a number");
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0 && d <= 9007199254740992.0) || std::floor(d) != d)
    throw Napi::RangeError::New(info.Env(), "bsdsock: offset or count out of range");
  return static_cast<int64_t>(d);
}

// sendfile(outFd, inFd, offset, count) -> bytes sent
Napi::Value Sendfile(const Napi::CallbackInfo& info) {
  return Result(info.Env(), static_cast<double>(sys::sendfile(Int(info, 0), Int(info, 1), Offset(info, 2),
                                                              static_cast<size_t>(Offset(info, 3)))));
}

// sendfileNowait(outFd, inFd, offset, count) -> bytes sent; never blocks
Napi::Value SendfileNowait(const Napi::CallbackInfo& info) {
  return Result(info.Env(), static_cast<double>(sys::sendfile_nowait(Int(info, 0), Int(info, 1), Offset(info, 2),
                                                                     static_cast<size_t>(Offset(info, 3)))));
}

// lseek(fd, offset, whence) -> the new position
Napi::Value Lseek(const Napi::CallbackInfo& info) {
  return Result(info.Env(), static_cast<double>(sys::lseek(Int(info, 0), Offset(info, 1), Int(info, 2))));
}

}  // namespace

void InitSendfile(Napi::Env env, Napi::Object exports) {
  exports.Set("sendfile", Napi::Function::New(env, Sendfile, "sendfile"));
  exports.Set("sendfileNowait", Napi::Function::New(env, SendfileNowait, "sendfileNowait"));
  exports.Set("lseek", Napi::Function::New(env, Lseek, "lseek"));
  exports.Set("SEEK_SET", Napi::Number::New(env, SEEK_SET));
  exports.Set("SEEK_CUR", Napi::Number::New(env, SEEK_CUR));
}

}  // namespace bsdsock
