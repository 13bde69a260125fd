#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/wait_status.h"

// How gpu-configurator and fabric-launcher run NVIDIA's tools. An interface so unit tests
// check the step sequence without processes; ProcessRunner (process_runner.h) is the real one,
// DryRunRunner reports.
namespace ccinit::tools {

struct Command {
  std::string path;               // absolute, e.g. /bin/nvidia-smi (argv[0] too)
  std::vector<std::string> args;  // without argv[0]

  // "path arg1 arg2", as shown in logs and dry runs.
  std::string text() const;
};

struct ToolResult {
  int wait_status = 0;  // as waitpid reports it
  std::string output;   // stdout, when captured

  bool ok() const;
};

// How a self-daemonizing tool (nvidia-persistenced) says it is ready: its launching process
// exits 0, or `syslog_line` shows up in the syslog file; whichever comes first.
struct Readiness {
  std::string name;         // for messages: "nvidia-persistenced"
  std::string syslog_line;  // "Local RPC services initialized"
  std::chrono::milliseconds timeout{};
  std::string timeout_setting;  // "nvrc.timeout.persistenced", named in the timeout error
  std::string pid_file;         // where the daemon writes its pid
};

// How a daemon that stays in the foreground (nvlsm, nv-fabricmanager with DAEMONIZE=0) says
// it is ready. It must still run then: exiting before, even with status 0, is a failure.
// Exactly one of syslog_line and socket_path is set.
struct DaemonReadiness {
  std::string name;  // for messages and the reporter: "nv-fabricmanager"
  std::chrono::milliseconds timeout{};
  std::string timeout_setting;  // "nvrc.timeout.fabricmanager", named in the timeout error
  // A syslog line containing this text whose kernel-verified sender is the daemon itself
  // (not ccinit, which may quote it, nor any other process that can write to /dev/log).
  std::string syslog_line;
  // A Unix socket the daemon creates at this path (its directory must exist).
  std::string socket_path;
};

class ToolRunner {
 public:
  virtual ~ToolRunner() = default;
  // Runs a short-lived tool to its end; its stdout is captured when `capture` is set.
  // Throws when the tool cannot be started at all.
  virtual ToolResult run(const Command& command, bool capture) = 0;
  // Starts a daemon that stays in the foreground; returns its pid.
  virtual pid_t start(const Command& command) = 0;
  // Starts a self-daemonizing tool and waits for its readiness; returns the daemon's pid
  // (from the pid file, else the launcher's). Throws when the launcher fails or crashes, or
  // on timeout (naming the daemon and showing its last syslog lines).
  virtual pid_t start_and_wait(const Command& command, const Readiness& readiness) = 0;
  // Starts a daemon that stays in the foreground, its stdout and stderr kept by PID 1's
  // syslog, and waits for its readiness; returns its pid. Throws when it cannot be started,
  // exits before it is ready, or on timeout (naming the daemon, the timeout setting and its
  // last log lines); the daemon is killed then.
  virtual pid_t start_until_ready(const Command& command, const DaemonReadiness& readiness) = 0;
  // nullopt while the daemon started as `pid` runs (or its launcher exited 0; a daemon
  // started by start_until_ready must run on); otherwise how it ended.
  virtual std::optional<std::string> check_running(pid_t pid) = 0;
};

// The daemons a helper started, each reported to PID 1 as it starts, for the helper's last
// step: a health check that none of them died on the way.
class StartedDaemons {
 public:
  // What a helper does with each daemon it started: report it to PID 1 (daemon_started).
  using Report = std::function<void(std::string_view name, pid_t pid)>;
  // In a dry run nothing was started (the dry-run runner returns pid 0): nothing is reported
  // or kept.
  StartedDaemons(Report report, bool dry_run) : report_(std::move(report)), dry_run_(dry_run) {}

  // Reports the daemon `name` started as `pid` and keeps it for check_all_running.
  void started(const std::string& name, pid_t pid);
  // Throws std::runtime_error "<name> (pid N) <how it ended>" for the first one no longer
  // running, as `runner` sees it.
  void check_all_running(ToolRunner& runner) const;

 private:
  struct Daemon {
    std::string name;
    pid_t pid;
  };
  Report report_;
  bool dry_run_;
  std::vector<Daemon> daemons_;
};

// Runs nothing: logs "would run: <command>" and reports success (pid 0, no output).
class DryRunRunner : public ToolRunner {
 public:
  // `say` gets each "would run: ..." line (the helper passes its reporter's info).
  explicit DryRunRunner(std::function<void(const std::string&)> say) : say_(std::move(say)) {}
  ToolResult run(const Command& command, bool capture) override;
  pid_t start(const Command& command) override;
  pid_t start_and_wait(const Command& command, const Readiness& readiness) override;
  pid_t start_until_ready(const Command& command, const DaemonReadiness& readiness) override;
  std::optional<std::string> check_running(pid_t) override { return std::nullopt; }

 private:
  std::function<void(const std::string&)> say_;
};

}  // namespace ccinit::tools
