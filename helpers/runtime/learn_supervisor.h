#pragma once

#include <linux/filter.h>
#include <sys/types.h>

#include <span>

#include "common/pipe.h"
#include "policy/policy.h"

namespace ccinit::helper {

// --learn (README, "Reviewing the seccomp policies"). The helper runs in a child, confined
// as usual except that its filter is learn_program's: a call the shipped policy refuses
// stops in the kernel and is handed to this process, the one the operator started, which is
// never confined. It records the call (syscall, arguments, the caller's /proc comm), lets it
// go on (SECCOMP_USER_NOTIF_FLAG_CONTINUE) and, once the helper has exited, prints what the
// shipped policy would have refused. Every tool the helper starts inherits the filter, so
// its calls are recorded too. Daemons the helper leaves running outlive the supervisor;
// from then on a call the shipped policy refuses fails for them with ENOSYS (no listener).
class LearnSupervisor {
 public:
  explicit LearnSupervisor(const policy::Policy& policy);
  LearnSupervisor(const LearnSupervisor&) = delete;
  LearnSupervisor& operator=(const LearnSupervisor&) = delete;

  // Forks; true in the child, which goes on to run the helper and confines itself with
  // install_in_child, false in this process, which then calls supervise. Throws SysError.
  bool fork_helper();

  // In the child, in place of install_seccomp_program: installs the learn form of `shipped`
  // with a notification listener and hands the listener to the parent (its number through
  // a pipe, which the parent takes with pidfd_getfd: write and read are all this needs once
  // the filter is in place). Throws on failure, like install_seccomp_program.
  void install_in_child(std::span<const sock_filter> shipped);

  // In the parent: answers the child's refused calls until it exits, writes the report to
  // `out_fd`, and returns the exit status for main: the helper's own, or 128 + the signal
  // that killed it.
  int supervise(int out_fd);

 private:
  const policy::Policy& policy_;
  Pipe listener_number_;  // child -> parent: the listener's fd number in the child
  Pipe handed_over_;      // parent -> child: EOF once the parent holds the listener
  pid_t child_ = -1;
};

}  // namespace ccinit::helper
