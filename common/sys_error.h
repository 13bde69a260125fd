#pragma once

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace ccinit {

// A failed system call, with the call and its errno in the message.
class SysError : public std::runtime_error {
 public:
  SysError(const std::string& what, int err)
      : std::runtime_error(what + ": " + std::strerror(err)), err_(err) {}
  explicit SysError(const std::string& what) : SysError(what, errno) {}
  int code() const { return err_; }

 private:
  int err_;
};

}  // namespace ccinit
