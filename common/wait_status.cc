#include "common/wait_status.h"

#include <sys/wait.h>

#include <cstring>

namespace ccinit {

std::string signal_name(int sig) {
  const char* abbrev = ::sigabbrev_np(sig);
  return abbrev ? std::string("SIG") + abbrev : "signal " + std::to_string(sig);
}

std::string describe_wait_status(int wait_status) {
  if (WIFEXITED(wait_status))
    return "exited with status " + std::to_string(WEXITSTATUS(wait_status));
  if (WIFSIGNALED(wait_status)) return "killed by signal " + signal_name(WTERMSIG(wait_status));
  if (WIFSTOPPED(wait_status)) return "stopped by signal " + signal_name(WSTOPSIG(wait_status));
  return "ended with wait status " + std::to_string(wait_status);
}

int wait_status_from_siginfo(const siginfo_t& info) {
  // The encoding waitpid uses: exit code in bits 8-15, the signal in 0-6, core in bit 7.
  switch (info.si_code) {
    case CLD_EXITED:
      return (info.si_status & 0xff) << 8;
    case CLD_DUMPED:
      return (info.si_status & 0x7f) | 0x80;
    case CLD_STOPPED:
    case CLD_TRAPPED:
      return ((info.si_status & 0xff) << 8) | 0x7f;
    default:
      return info.si_status & 0x7f;
  }
}

}  // namespace ccinit
