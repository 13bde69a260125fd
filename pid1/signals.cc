#include "pid1/signals.h"

#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/sys_error.h"

namespace ccinit::pid1 {

namespace {

constexpr int kFaultSignals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGSYS, SIGABRT};

}  // namespace

UniqueFd block_signals_and_open_signalfd() {
  sigset_t all;
  sigfillset(&all);
  for (int sig : kFaultSignals) sigdelset(&all, sig);
  if (sigprocmask(SIG_SETMASK, &all, nullptr) != 0) throw SysError("sigprocmask");

  sigset_t wanted;
  sigemptyset(&wanted);
  for (int sig : {SIGCHLD, SIGTERM, SIGINT, SIGPWR}) sigaddset(&wanted, sig);
  UniqueFd fd(signalfd(-1, &wanted, SFD_CLOEXEC | SFD_NONBLOCK));
  if (!fd) throw SysError("signalfd");
  return fd;
}

int read_signal(int signal_fd) {
  signalfd_siginfo info;
  for (;;) {
    ssize_t n = ::read(signal_fd, &info, sizeof info);
    if (n == static_cast<ssize_t>(sizeof info)) return static_cast<int>(info.ssi_signo);
    if (n < 0 && errno == EINTR) continue;
    return 0;
  }
}

}  // namespace ccinit::pid1
