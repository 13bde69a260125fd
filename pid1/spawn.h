#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

#include "common/unique_fd.h"

namespace ccinit::pid1 {

// A started child that is killed (with its process group) and reaped if it is dropped
// before the reaper saw it exit, so no code path leaks a running helper.
class ChildProcess {
 public:
  ChildProcess() = default;
  explicit ChildProcess(pid_t pid) : pid_(pid) {}
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ~ChildProcess();

  pid_t pid() const { return pid_; }
  // The reaper collected it: nothing left to clean up.
  void mark_reaped() { pid_ = -1; }
  // Signals the child's whole process group (it is a session leader).
  void kill_group(int sig) const;

 private:
  pid_t pid_ = -1;
};

// fork + execve with an empty signal mask and default handlers. child_setup runs in the
// child just before exec (arrange fds, limits). A failed setup or exec is reported back
// through a close-on-exec pipe and thrown here as SysError ("<what>: <errno text>"), after
// the failed child has been reaped.
ChildProcess fork_exec(const std::string& path, const std::vector<std::string>& argv,
                       const std::vector<std::string>& env,
                       const std::function<void()>& child_setup);

// For child_setup: throws nothing, reports errno through the exec-status pipe instead.
void child_fail(const char* what);

}  // namespace ccinit::pid1
