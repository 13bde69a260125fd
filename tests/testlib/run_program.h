#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/process.h"

// The one way tests run a program and collect what it did.
namespace ccinit::testing {

struct ProgramRun {
  int exit_code = -1;  // the exit status, or -N when killed by signal N
  std::string out;
  std::string err;  // empty when RunOptions::stderr_to_stdout

  bool exited_with(int code) const { return exit_code == code; }
  std::vector<std::string> out_lines() const;
  // The outcome and both streams, for failure messages.
  std::string describe() const;
};

struct RunOptions {
  // Replaces the environment when set; otherwise the child inherits the test's.
  std::optional<std::vector<std::string>> env = std::nullopt;
  // Runs in the child just before exec (private mounts, chroot); async-signal-safe calls only.
  // Returns nullptr, or the name of the step that failed (errno set): run_program then
  // throws, naming it.
  ChildStep in_child = nullptr;
  // Become the child's fds 3, 4, ... in this order. The caller keeps (and closes) its own.
  std::vector<int> fds = {};
  // Both streams into `out`, interleaved as written (like `2>&1`).
  bool stderr_to_stdout = false;
  // Killed with SIGKILL, and run_program throws, when it runs longer.
  std::chrono::milliseconds timeout = std::chrono::minutes(3);
};

// Runs argv[0] (a path; no PATH search) with the arguments. stdin is an empty pipe, and
// stdout and stderr are memory files: the run needs no /dev/null or writable directory (it
// works in a bare chroot), and a daemon that the program leaves behind holding its output
// does not hold up the test. Started through common/process's spawn, as ccinit starts its
// own children. Throws std::runtime_error when the program cannot be started (missing, not
// executable, a failed in_child step) or does not finish within the timeout.
ProgramRun run_program(const std::vector<std::string>& argv, const RunOptions& options = {});

}  // namespace ccinit::testing
