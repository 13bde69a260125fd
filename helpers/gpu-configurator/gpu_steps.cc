#include "helpers/gpu-configurator/gpu_steps.h"

#include <stdexcept>
#include <utility>
#include <vector>

#include "common/cmdline_config.h"
#include "common/file_io.h"
#include "common/text_lines.h"

namespace ccinit::gpu {

namespace {

std::string clock_text(const wire::ClockRange& clock) {
  if (clock.min_mhz() == clock.max_mhz()) return std::to_string(clock.min_mhz());
  return std::to_string(clock.min_mhz()) + "," + std::to_string(clock.max_mhz());
}

// Runs a short-lived tool as its own step; a non-zero exit or a crash is fatal.
ToolResult run_step(ToolRunner& runner, helper::Reporter& reporter, const std::string& step,
                    const Command& command, bool capture = false) {
  helper::StepScope scope(reporter, step);
  reporter.debug("running " + command.text());
  ToolResult result = runner.run(command, capture);
  if (!result.ok())
    throw std::runtime_error(command.text() + " " + describe_wait_status(result.wait_status));
  scope.done();
  return result;
}

pid_t start_daemon(ToolRunner& runner, helper::Reporter& reporter, const std::string& name,
                   const Command& command, tools::StartedDaemons& daemons, bool dry_run) {
  helper::StepScope scope(reporter, "start-" + name);
  reporter.debug("starting " + command.text());
  pid_t pid = runner.start(command);
  if (!dry_run) {
    reporter.daemon_started(name, pid);
    daemons.add(name, pid);
  }
  scope.done();
  return pid;
}

}  // namespace

void check_cc_status(const std::string& output, unsigned gpus) {
  unsigned on = 0;
  std::vector<std::string> other;
  for_each_line(output, [&](std::string_view raw) {
    const std::string_view line = trim_right(raw);
    if (!line.starts_with("CC status:")) return;
    if (line == "CC status: ON") {
      ++on;
    } else {
      other.emplace_back(line);
    }
  });
  if (on == gpus && other.empty()) return;
  std::string found = std::to_string(on) + " x 'CC status: ON'";
  for (const std::string& line : other) found += ", '" + line.substr(0, 64) + "'";
  throw std::runtime_error("confidential guest, but not every GPU has CC on: expected " +
                           std::to_string(gpus) + " x 'CC status: ON' (one per GPU), found " +
                           found);
}

void load_nvidia_modules(const GpuPlan& plan, ToolRunner& runner, helper::Reporter& reporter,
                         bool with_uvm) {
  // One GPU without a fabric has no NVLink peer: skip NVLink training.
  Command nvidia{kModprobe, {"nvidia"}};
  if (plan.disable_nvlink) nvidia.args.push_back("NVreg_NvLinkDisable=1");
  run_step(runner, reporter, "modprobe-nvidia", nvidia);
  if (with_uvm) run_step(runner, reporter, "modprobe-nvidia-uvm", {kModprobe, {"nvidia-uvm"}});
}

void load_infiniband_modules(ToolRunner& runner, helper::Reporter& reporter) {
  run_step(runner, reporter, "modprobe-ib_umad", {kModprobe, {"ib_umad"}});
  run_step(runner, reporter, "modprobe-mlx5_ib", {kModprobe, {"mlx5_ib"}});
}

void run_gpu_steps(const wire::Config& config, const GpuPlan& plan, ToolRunner& runner,
                   helper::Reporter& reporter) {
  load_nvidia_modules(plan, runner, reporter);
  run_gpu_daemons(config, plan, runner, reporter);
}

void run_gpu_daemons(const wire::Config& config, const GpuPlan& plan, ToolRunner& runner,
                     helper::Reporter& reporter) {
  tools::StartedDaemons daemons;

  // 1. nvidia-persistenced keeps the GPUs initialized; everything after needs it ready.
  {
    helper::StepScope scope(reporter, "start-nvidia-persistenced");
    Command command{kPersistenced, {"--verbose"}};
    if (config.uvm_persistence_mode()) command.args.push_back("--uvm-persistence-mode");
    Readiness readiness{
        .name = "nvidia-persistenced",
        .syslog_line = "Local RPC services initialized",
        .timeout = std::chrono::seconds(
            timeout_seconds(config, "persistenced", kDefaultPersistencedTimeoutSeconds)),
        .timeout_setting = "nvrc.timeout.persistenced",
        .pid_file = kPersistencedPidFile,
    };
    reporter.debug("starting " + command.text());
    pid_t pid = runner.start_and_wait(command, readiness);
    if (!plan.dry_run) {
      reporter.daemon_started("nvidia-persistenced", pid);
      daemons.add("nvidia-persistenced", pid);
    }
    scope.done();
  }

  // 2. Clocks and power limit, when set.
  if (config.has_smi_lmc())
    run_step(runner, reporter, "nvidia-smi-lmc",
             {kNvidiaSmi, {"-lmc", clock_text(config.smi_lmc())}});
  if (config.has_smi_lgc())
    run_step(runner, reporter, "nvidia-smi-lgc",
             {kNvidiaSmi, {"-lgc", clock_text(config.smi_lgc())}});
  if (config.has_smi_pl_watts())
    run_step(runner, reporter, "nvidia-smi-pl",
             {kNvidiaSmi, {"-pl", std::to_string(config.smi_pl_watts())}});

  // 3. DCGM: the exporter talks to this hostengine instead of embedding a second one.
  if (config.dcgm()) {
    start_daemon(runner, reporter, "nv-hostengine",
                 {kHostengine, {"--service-account", "nvidia-dcgm", "--home-dir", "/tmp"}}, daemons,
                 plan.dry_run);
    start_daemon(
        runner, reporter, "dcgm-exporter",
        {kDcgmExporter, {"-r", "localhost:5555", "-f", "/etc/dcgm-exporter/default-counters.csv"}},
        daemons, plan.dry_run);
  }

  // 4. The CDI spec kata-agent waits for.
  run_step(runner, reporter, "nvidia-ctk-cdi-generate",
           {kNvidiaCtk, {"cdi", "generate", "--output=/var/run/cdi/nvidia.yaml"}});

  // 5. A confidential guest must not hand out a GPU whose CC mode is off.
  if (plan.confidential_guest) {
    const Command command{kNvidiaSmi, {"conf-compute", "-f"}};
    helper::StepScope scope(reporter, "check-cc-status");
    ToolResult result = runner.run(command, true);
    if (!result.ok())
      throw std::runtime_error(command.text() + " " + describe_wait_status(result.wait_status));
    if (plan.dry_run) {
      reporter.info("would check that every GPU reports exactly 'CC status: ON'");
    } else {
      check_cc_status(result.output, plan.gpus);
      reporter.info("CC status: ON on all " + std::to_string(plan.gpus) + " GPU(s)");
    }
    scope.done();
  }

  // 6. The GPUs' ready state, only when asked for.
  if (config.has_smi_srs())
    run_step(runner, reporter, "nvidia-smi-conf-compute-srs",
             {kNvidiaSmi, {"conf-compute", "-srs", config.smi_srs() ? "1" : "0"}});

  // 7. Nothing started may have died on the way.
  helper::StepScope health(reporter, "health-check");
  daemons.check_all_running(runner);
  health.done();
}

}  // namespace ccinit::gpu
