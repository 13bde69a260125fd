#pragma once

#include <map>
#include <string>

#include "common/process.h"
#include "common/unique_fd.h"
#include "common/tool_runner.h"

namespace ccinit::tools {

struct ProcessRunnerOptions {
  // Tool output goes to /dev/kmsg at nvrc.log=debug, like NVRC, else to /dev/null.
  bool output_to_kmsg = false;
  // Where PID 1 writes syslog.log; tests use their own directory.
  std::string syslog_dir = "/run";
};

// Runs tools as child processes: fork+exec with PATH as the whole environment, stdin
// /dev/null, fds above 2 closed, stdout/stderr per ProcessRunnerOptions (stdout through a
// pipe when captured). Readiness is event-driven: poll on the launcher's pidfd and on
// SyslogWatch's inotify descriptor, with the readiness timeout as the only timer.
class ProcessRunner : public ToolRunner {
 public:
  explicit ProcessRunner(ProcessRunnerOptions options);
  ToolResult run(const Command& command, bool capture) override;
  pid_t start(const Command& command) override;
  pid_t start_and_wait(const Command& command, const Readiness& readiness) override;
  std::optional<std::string> check_running(pid_t pid) override;

  static constexpr char kPath[] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";

 private:
  void open_std_fds();
  // Our child still running or exited 0: nullopt; ended otherwise: how. nullopt as well,
  // with *not_ours set, when `pid` is not our child.
  std::optional<std::string> check_child(pid_t pid, bool* not_ours);
  Child spawn(const Command& command, int stdout_fd);

  ProcessRunnerOptions options_;
  // Daemons that were ready (syslog line) while their launcher still ran: daemon -> launcher.
  // The health check wants the launcher running or exited 0 as well.
  std::map<pid_t, pid_t> launcher_of_;
  UniqueFd null_in_;
  UniqueFd output_;
};

}  // namespace ccinit::tools
