#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

#include "common/sys_error.h"
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

// A child that could not be started: execve failed (stage() empty) or a set-up step did.
class SpawnError : public SysError {
 public:
  SpawnError(std::string stage, int err)
      : SysError(stage.empty() ? "exec" : stage, err), stage_(std::move(stage)) {}
  const std::string& stage() const { return stage_; }
  // "No such file or directory", or "setrlimit RLIMIT_NOFILE: Operation not permitted".
  std::string detail() const;

 private:
  std::string stage_;
};

// fork + execve with an empty signal mask and default handlers. child_setup runs in the
// child just before exec (arrange fds, limits). A failed setup or exec is reported back
// through a close-on-exec pipe and thrown here as SpawnError, after the failed child has
// been reaped. Failing to fork or make the pipe throws SysError.
ChildProcess fork_exec(const std::string& path, const std::vector<std::string>& argv,
                       const std::vector<std::string>& env,
                       const std::function<void()>& child_setup);

// For child_setup: throws nothing, reports errno through the exec-status pipe instead.
void child_fail(const char* what);

}  // namespace ccinit::pid1
