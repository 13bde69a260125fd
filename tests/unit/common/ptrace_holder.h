#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <string>

namespace ccinit::testing {

// Makes a child of ours unreapable, as a process stuck in an uninterruptible call is: a
// second process ptrace-seizes it and never waits. The kernel shows a zombie ptracee only to
// its tracer, so once the child dies our waitpid cannot reap it until the tracer goes.
class PtraceHolder {
 public:
  explicit PtraceHolder(pid_t tracee) {
    int ready[2];
    if (::pipe2(ready, O_CLOEXEC) != 0) {
      error_ = std::string("pipe: ") + std::strerror(errno);
      return;
    }
    tracer_ = ::fork();
    if (tracer_ == 0) {
      ::close(ready[0]);
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      int err = ::ptrace(PTRACE_SEIZE, tracee, nullptr, nullptr) == 0 ? 0 : errno;
      [[maybe_unused]] ssize_t n = ::write(ready[1], &err, sizeof err);
      for (;;) ::pause();
    }
    ::close(ready[1]);
    int err = ECHILD;
    if (tracer_ < 0 || ::read(ready[0], &err, sizeof err) != sizeof err || err != 0)
      error_ = std::string("cannot ptrace a child here: ") + std::strerror(err);
    ::close(ready[0]);
  }
  PtraceHolder(const PtraceHolder&) = delete;
  PtraceHolder& operator=(const PtraceHolder&) = delete;
  // The tracer goes; the tracee's zombie is then its parent's to reap again.
  ~PtraceHolder() {
    if (tracer_ <= 0) return;
    ::kill(tracer_, SIGKILL);
    int status;
    ::waitpid(tracer_, &status, 0);
  }
  // Why the child could not be held, or nullopt when it is.
  const std::optional<std::string>& error() const { return error_; }

 private:
  pid_t tracer_ = -1;
  std::optional<std::string> error_;
};

}  // namespace ccinit::testing
