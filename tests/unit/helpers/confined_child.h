#pragma once

#include <linux/filter.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <functional>
#include <ostream>
#include <stdexcept>
#include <vector>

#include "helpers/runtime/seccomp_filter.h"

// Running a few raw syscalls in a forked child under a seccomp program, for the tests of the
// programs themselves (the shipped form and the --learn form).
namespace ccinit::testing {

// How a child that loaded a program ended.
struct ConfinedOutcome {
  bool exited = false;
  int code = -1;
  int signal = 0;
};

inline std::ostream& operator<<(std::ostream& os, const ConfinedOutcome& o) {
  if (o.exited) return os << "exited with " << o.code;
  return os << "killed by signal " << o.signal << " (" << strsignal(o.signal) << ")";
}

// Runs `body` in a forked child under `program` and returns how the child ended. After the
// install the child only makes raw syscalls (no allocation, no sanitizer interceptors) and
// leaves with exit_group, so nothing outside the test's allow-list runs there. Exit code
// 100: the install failed; 101: no_new_privs could not be set.
inline ConfinedOutcome run_confined(const std::vector<sock_filter>& program,
                                    const std::function<int()>& body) {
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    try {
      if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) ::syscall(SYS_exit_group, 101);
      helper::install_seccomp_program(program);
    } catch (...) {
      ::syscall(SYS_exit_group, 100);
    }
    ::syscall(SYS_exit_group, body());
  }
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid) throw std::runtime_error("waitpid failed");
  ConfinedOutcome out;
  out.exited = WIFEXITED(status);
  if (out.exited) out.code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) out.signal = WTERMSIG(status);
  return out;
}

}  // namespace ccinit::testing
