#pragma once

#include <map>
#include <set>
#include <string>

#include "common/process.h"
#include "common/tool_runner.h"
#include "common/unique_fd.h"

namespace ccinit::tools {

struct ProcessRunnerOptions {
  // Tool output goes to /dev/kmsg at nvrc.log=debug, like NVRC, else to /dev/null.
  bool output_to_kmsg = false;
  // Where PID 1 writes syslog.log; tests use their own directory.
  std::string syslog_dir = "/run";
  // PID 1's syslog socket. The stdout and stderr of a daemon started by start_until_ready
  // are a datagram socket connected to it, so PID 1 keeps nvlsm's and Fabric Manager's
  // output in syslog.log (with their pids) whatever nvrc.log is; tests use their own.
  std::string daemon_log_socket = "/dev/log";
};

// Runs tools as child processes: fork+exec with PATH as the whole environment, stdin
// /dev/null, fds above 2 closed, stdout/stderr per ProcessRunnerOptions (stdout through a
// pipe when captured). Readiness is event-driven: poll on the launcher's pidfd and on
// SyslogWatch's inotify descriptor (and, for a socket, inotify on its directory), with the
// readiness timeout as the only timer: no sleeps, no polling interval.
class ProcessRunner : public ToolRunner {
 public:
  explicit ProcessRunner(ProcessRunnerOptions options);
  ToolResult run(const Command& command, bool capture) override;
  pid_t start(const Command& command) override;
  pid_t start_and_wait(const Command& command, const Readiness& readiness) override;
  pid_t start_until_ready(const Command& command, const DaemonReadiness& readiness) override;
  std::optional<std::string> check_running(pid_t pid) override;

  static constexpr char kPath[] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";

 private:
  void open_std_fds();
  // Our child still running or exited 0: nullopt; ended otherwise: how. nullopt as well,
  // with *not_ours set, when `pid` is not our child.
  // `exit_zero_is_fine`: a launcher that exited 0 has daemonized; a foreground daemon that
  // did has ended.
  std::optional<std::string> check_child(pid_t pid, bool* not_ours, bool exit_zero_is_fine = true);
  // stderr_fd -1: the runner's output (/dev/kmsg or /dev/null).
  Child spawn(const Command& command, int stdout_fd, int stderr_fd = -1);
  UniqueFd connect_daemon_log(const std::string& name) const;

  ProcessRunnerOptions options_;
  // Daemons that were ready (syslog line) while their launcher still ran: daemon -> launcher.
  // The health check wants the launcher running or exited 0 as well.
  std::map<pid_t, pid_t> launcher_of_;
  // Daemons started by start_until_ready: they must keep running, exit 0 included.
  std::set<pid_t> foreground_;
  UniqueFd null_in_;
  UniqueFd output_;
};

}  // namespace ccinit::tools
