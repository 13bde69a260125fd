#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/sys_error.h"
#include "common/unique_fd.h"

// Starting and owning child processes, the one way ccinit does it (PID 1, the helpers' tool
// runners, the test harnesses).
namespace ccinit {

// The child gets `source` (an fd of the parent) as its fd `target`.
struct FdMapping {
  int target;
  int source;
};

// An extra set-up step in the child, just before exec. It runs between fork and exec, so it
// may only call async-signal-safe functions (no allocation, no locks). Returns nullptr when
// done, else the name of the failed step ("setrlimit RLIMIT_NOFILE") with errno set; the
// failure reaches the parent as a SpawnError.
using ChildStep = std::function<const char*()>;

struct SpawnOptions {
  std::string path;               // executed as is: no PATH search
  std::vector<std::string> argv;  // argv[0] included; empty means {path}
  // The whole environment; nullopt inherits the parent's.
  std::optional<std::vector<std::string>> env;
  // Exactly these fds stay open across exec; every other fd is marked close-on-exec.
  // Sources may be any fds, also ones that are targets of other mappings.
  std::vector<FdMapping> fds;
  bool new_session = false;      // setsid(): kill() then reaches everything it starts
  bool die_with_parent = false;  // PR_SET_PDEATHSIG SIGKILL
  std::string working_dir;       // chdir() there; empty leaves it
  ChildStep child_step;          // after all of the above
};

// A child that could not be started: a set-up step or execve failed in it (the child has
// been reaped), or fork or the status pipe failed in the parent.
class SpawnError : public SysError {
 public:
  SpawnError(std::string stage, int err) : SysError(stage, err), stage_(std::move(stage)) {}
  // "exec", "setsid", "setrlimit RLIMIT_NOFILE", "fork", ...
  const std::string& stage() const { return stage_; }
  // "No such file or directory" when exec failed, else "<stage>: <error>".
  std::string detail() const;

 private:
  std::string stage_;
};

// How long dropping a Child waits for the killed child to be reaped. A process stuck in an
// uninterruptible call (a driver, FUSE) or a zombie held by a ptracer cannot be reaped by
// its parent; PID 1 must go on to power off rather than wait for it for ever.
inline constexpr std::chrono::milliseconds kReapAfterKillLimit{2000};

// Owns a started child: unless it was released or reaped elsewhere, dropping it kills it
// (its whole process group when it leads one) and reaps it, waiting at most
// kReapAfterKillLimit, so no path leaks a process and none blocks for ever.
class Child {
 public:
  Child() = default;
  Child(pid_t pid, bool leads_group) : pid_(pid), leads_group_(leads_group) {}
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  Child(Child&& other) noexcept;
  Child& operator=(Child&& other) noexcept;
  ~Child();

  pid_t pid() const { return pid_; }
  explicit operator bool() const { return pid_ > 0; }
  // Sends `sig` to the process group it leads, else to the child alone.
  void kill(int sig) const;
  // Blocks until the child has exited; returns its waitpid status. Throws SysError. For a
  // child that is expected to end by itself (a tool); to end one, use kill_and_reap.
  int wait();
  // Waits at most `limit` for the child to exit; its waitpid status, or nullopt while it
  // still runs (or cannot be reaped). Throws SysError.
  std::optional<int> wait_for(std::chrono::milliseconds limit);
  // SIGKILL (to its group when it leads one), then reaps it, waiting at most `limit`. Either
  // way the child is no longer owned afterwards; false when it could not be reaped in time
  // (it is given up on: whoever reaps every child, PID 1's reaper, collects it if it ever
  // ends).
  bool kill_and_reap(std::chrono::milliseconds limit = kReapAfterKillLimit) noexcept;
  // Someone else reaped it (a reaper, waitid on a pidfd): nothing left to clean up.
  void mark_reaped() { pid_ = -1; }
  // Lets it run on (a daemon) and hands over its pid.
  pid_t release();

 private:
  pid_t pid_ = -1;
  bool leads_group_ = false;
};

// fork + execve. In the child: default handlers and an empty signal mask, then the options
// in the order declared above. A failed step or exec is reported through a close-on-exec
// pipe and thrown here as SpawnError once the failed child has been reaped.
Child spawn(const SpawnOptions& options);

// pidfd_open(pid); an empty UniqueFd with errno set when that fails.
UniqueFd open_pidfd(pid_t pid);

}  // namespace ccinit
