#include "pid1/boot.h"

#include <poll.h>
#include <sys/reboot.h>
#include <sys/wait.h>

#include <optional>

#include "common/cmdline_config.h"
#include "common/detected_mode.h"
#include "common/extensions_report.h"
#include "common/file_io.h"
#include "common/log_escape.h"
#include "common/sys_error.h"
#include "common/wait_status.h"
#include "pid1/agent.h"
#include "pid1/boot_plan.h"
#include "pid1/crash_guard.h"
#include "pid1/daemon_report.h"
#include "pid1/helper_run.h"
#include "pid1/log.h"
#include "pid1/power_off.h"
#include "pid1/reaper.h"
#include "pid1/signals.h"
#include "pid1/syslog_sink.h"

namespace ccinit::pid1 {

namespace {

constexpr char kSyslogSocket[] = "/dev/log";
constexpr char kSyslogFile[] = "/run/syslog.log";

class Boot {
 public:
  [[noreturn]] void run();

 private:
  void run_step(const HelperStep& step);
  void accept_detection(const HelperStep& step, const std::optional<wire::Detected>& detected);
  void accept_extensions(const HelperStep& step, const std::optional<wire::Extensions>& extensions);
  wire::Config read_config();
  [[noreturn]] void supervise_agent(Child agent);
  void on_exit(const Exit& exit, std::optional<int>& agent_status);
  [[noreturn]] void fail(const std::string& reason) { power_off_now(reason, log_); }

  Log log_;
  Reaper reaper_;
  UniqueFd signal_fd_;
  std::optional<SyslogSink> syslog_;
  wire::Config config_;
  std::optional<wire::Detected> detected_;      // gpu-configurator's, once it ran
  std::optional<wire::Extensions> extensions_;  // the extensions helper's, once it ran
};

void Boot::run_step(const HelperStep& step) {
  if (step.when != StepCondition::kAlways) {
    // The plan puts every conditional step after the detecting one.
    if (!detected_)
      fail("boot plan error: " + step.name + " depends on a detection that never ran");
    if (!step_runs(step.when, *detected_)) {
      log_.logger().info("skipping {}: detected {}", step.name, describe_detected(*detected_));
      return;
    }
  }
  HelperInvocation invocation{step.name, step.path, step.timeout, {}};
  *invocation.request.mutable_config() = config_;
  invocation.request.set_stage(step.stage);
  if (detected_) *invocation.request.mutable_detected() = *detected_;
  if (extensions_) *invocation.request.mutable_extensions() = *extensions_;
  HelperOutcome outcome =
      run_helper(invocation, signal_fd_.get(), reaper_, log_, syslog_ ? &*syslog_ : nullptr);
  if (outcome.kind == OutcomeKind::kInterrupted)
    power_off_orderly("received " + signal_name(outcome.shutdown_signal), PowerOffKind::kRequested,
                      signal_fd_.get(), reaper_, log_);
  if (!outcome.ok()) fail("helper " + step.name + " failed: " + describe_outcome(outcome));
  if (step.detects)
    accept_detection(step, outcome.detected);
  else if (outcome.detected)
    fail("helper " + step.name +
         " failed: sent a mode detection, which only its detecting step may");
  if (step.sets_up_extensions)
    accept_extensions(step, outcome.extensions);
  else if (outcome.extensions)
    fail("helper " + step.name +
         " failed: sent an extensions report, which only the extensions helper may");
}

void Boot::accept_extensions(const HelperStep& step,
                             const std::optional<wire::Extensions>& extensions) {
  if (!extensions)
    fail("helper " + step.name + " failed: succeeded without reporting what it set up");
  try {
    check_extensions(config_, *extensions);
  } catch (const ExtensionsError& e) {
    fail("helper " + step.name + " failed: " + e.what());
  }
  extensions_ = *extensions;
  log_.logger().info("extensions: {}", describe_extensions(*extensions_));
}

void Boot::accept_detection(const HelperStep& step, const std::optional<wire::Detected>& detected) {
  if (!detected)
    fail("helper " + step.name + " failed: succeeded without sending the detected mode");
  try {
    check_detected(config_, *detected);
  } catch (const DetectedError& e) {
    fail("helper " + step.name + " failed: " + e.what());
  }
  detected_ = *detected;
  log_.logger().info("detected {}", describe_detected(*detected_));
}

wire::Config Boot::read_config() {
  std::string cmdline;
  try {
    cmdline = read_file("/proc/cmdline");
  } catch (const SysError& e) {
    fail(std::string("cannot read the kernel command line: ") + e.what());
  }
  try {
    return parse_cmdline(cmdline);
  } catch (const ConfigError& e) {
    fail(std::string("bad kernel command line: ") + e.what());
  }
}

void Boot::supervise_agent(Child agent) {
  pid_t agent_pid = agent.pid();
  reaper_.track(agent_pid, Role::kAgent, "kata-agent");
  for (;;) {
    pollfd fds[2] = {{signal_fd_.get(), POLLIN, 0}, {syslog_->fd(), POLLIN, 0}};
    if (poll(fds, 2, -1) < 0 && errno != EINTR) fail("poll: " + std::string(strerror(errno)));
    if (fds[1].revents) syslog_->drain();
    while (int sig = read_signal(signal_fd_.get())) {
      if (sig != SIGCHLD) {
        power_off_orderly("received " + signal_name(sig), PowerOffKind::kRequested,
                          signal_fd_.get(), reaper_, log_);
      }
      std::optional<int> agent_status;
      reaper_.reap_all([&](const Exit& exit) { on_exit(exit, agent_status); });
      if (agent_status) {
        agent.mark_reaped();
        bool clean = WIFEXITED(*agent_status) && WEXITSTATUS(*agent_status) == 0;
        power_off_orderly("kata-agent " + describe_wait_status(*agent_status),
                          clean ? PowerOffKind::kAgentExitedCleanly : PowerOffKind::kFailure,
                          signal_fd_.get(), reaper_, log_);
      }
    }
  }
}

// Nothing here allocates unless its line is logged: an orphan burst costs no memory.
void Boot::on_exit(const Exit& exit, std::optional<int>& agent_status) {
  auto& logger = log_.logger();
  switch (exit.role) {
    case Role::kAgent:
      agent_status = exit.status;
      break;
    case Role::kDaemon:
      // Names are checked when reported; escaped all the same, as all helper-given text.
      logger.error("daemon {} (pid {}) {}", escape_for_log(exit.name, kMaxDaemonNameBytes),
                   exit.pid, describe_wait_status(exit.status));
      break;
    default:
      if (logger.should_log(spdlog::level::trace))
        logger.trace("reaped pid {}: {}", exit.pid, describe_wait_status(exit.status));
      break;
  }
}

void Boot::run() {
  install_crash_guard(STDERR_FILENO);
  try {
    signal_fd_ = block_signals_and_open_signalfd();
  } catch (const SysError& e) {
    fail(e.what());
  }
  // Ctrl-Alt-Del now sends SIGINT to PID 1 instead of rebooting at once.
  reboot(RB_DISABLE_CAD);
  log_.logger().info("ccinit {} starting as PID 1", CCINIT_VERSION);

  // The mounter: the command line needs /proc; the config it gets is the defaults.
  for (const auto& step : helpers_before_cmdline()) run_step(step);
  set_crash_log_fd(log_.fd_for_crash());
  try {
    syslog_.emplace(kSyslogSocket, kSyslogFile, log_);
  } catch (const SysError& e) {
    fail(std::string("cannot own the syslog socket: ") + e.what());
  }

  config_ = read_config();
  if (config_.log_level_set()) {
    try {
      // Userspace kmsg writes are rate-limited by default; a requested log must be complete.
      write_existing_file("/proc/sys/kernel/printk_devkmsg", "on\n");
    } catch (const SysError& e) {
      log_.logger().warn("cannot enable printk_devkmsg: {}", e.what());
    }
  }
  log_.set_level(config_.log_level());
  log_.logger().info("kernel command line accepted: mode={}", mode_name(config_.mode()));

  std::vector<HelperStep> steps;
  try {
    steps = helpers_after_cmdline(config_);
  } catch (const ConfigError& e) {
    fail(std::string("bad kernel command line: ") + e.what());
  }
  for (const auto& step : steps) run_step(step);

  AgentLimits limits = agent_limits();
  for (const auto& warning : limits.warnings) log_.logger().warn("{}", warning);
  log_.logger().info("starting kata-agent {}", kAgentPath);
  Child agent;
  try {
    agent = start_agent(kAgentPath, limits, agent_environment(extensions_ && extensions_->gpu()));
  } catch (const SpawnError& e) {
    fail(std::string("cannot start kata-agent ") + kAgentPath + ": " + e.detail());
  }
  supervise_agent(std::move(agent));
}

}  // namespace

void boot_as_pid1() {
  Boot boot;
  boot.run();
}

}  // namespace ccinit::pid1
