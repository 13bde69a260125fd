#include "common/tool_runner.h"

#include <sys/wait.h>

#include <stdexcept>

namespace ccinit::tools {

std::string Command::text() const {
  std::string out = path;
  for (const std::string& arg : args) out += " " + arg;
  return out;
}

void StartedDaemons::started(const std::string& name, pid_t pid) {
  if (dry_run_) return;
  report_(name, pid);
  daemons_.push_back({name, pid});
}

void StartedDaemons::check_all_running(ToolRunner& runner) const {
  for (const Daemon& daemon : daemons_) {
    if (auto ended = runner.check_running(daemon.pid))
      throw std::runtime_error(daemon.name + " (pid " + std::to_string(daemon.pid) + ") " + *ended);
  }
}

bool ToolResult::ok() const {
  return WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0;
}

ToolResult DryRunRunner::run(const Command& command, bool) {
  say_("would run: " + command.text());
  return {};
}

pid_t DryRunRunner::start(const Command& command) {
  say_("would start: " + command.text());
  return 0;
}

pid_t DryRunRunner::start_and_wait(const Command& command, const Readiness& readiness) {
  say_("would start: " + command.text() + " and wait up to " +
       std::to_string(readiness.timeout.count() / 1000) + " s for its launcher to exit 0 or '" +
       readiness.syslog_line + "' in syslog");
  return 0;
}

pid_t DryRunRunner::start_until_ready(const Command& command, const DaemonReadiness& readiness) {
  const std::string what =
      readiness.socket_path.empty()
          ? "a syslog line from its own pid containing '" + readiness.syslog_line + "'"
          : "its socket " + readiness.socket_path;
  say_("would start: " + command.text() + " (output to /dev/log) and wait up to " +
       std::to_string(readiness.timeout.count() / 1000) + " s (" + readiness.timeout_setting +
       ") for " + what);
  return 0;
}

}  // namespace ccinit::tools
