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

// The CDI spec kata-agent waits for. With the GPU extension nvidia-ctk looks for the driver
// under the extension's root and strips that root from the container paths (the extension's
// usr/lib/<triplet> becomes the canonical /usr/lib/<triplet>); the device nodes are the
// guest's own /dev, which would otherwise default to the driver root; and the spec's hooks
// must name the nvidia-cdi-hook the extension ships (nvidia-ctk's default is /usr/bin), else
// they do nothing.
Command cdi_generate(const nvidia::NvidiaPaths& paths) {
  Command command{paths.nvidia_ctk(), {"cdi", "generate", "--output=/var/run/cdi/nvidia.yaml"}};
  if (paths.from_extension())
    command.args.insert(command.args.end(), {"--driver-root=" + paths.root(), "--dev-root=/",
                                             "--nvidia-cdi-hook-path=" + paths.nvidia_cdi_hook()});
  return command;
}

void start_daemon(ToolRunner& runner, helper::Reporter& reporter, const std::string& name,
                  const Command& command, tools::StartedDaemons& daemons) {
  helper::StepScope scope(reporter, "start-" + name);
  reporter.debug("starting " + command.text());
  daemons.started(name, runner.start(command));
  scope.done();
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
  Command command{nvidia::kModprobe, plan.nvidia_paths.modprobe_nvidia("nvidia")};
  if (plan.disable_nvlink) command.args.push_back("NVreg_NvLinkDisable=1");
  run_step(runner, reporter, "modprobe-nvidia", command);
  if (with_uvm)
    run_step(runner, reporter, "modprobe-nvidia-uvm",
             {nvidia::kModprobe, plan.nvidia_paths.modprobe_nvidia("nvidia-uvm")});
}

void load_infiniband_modules(ToolRunner& runner, helper::Reporter& reporter) {
  run_step(runner, reporter, "modprobe-ib_umad", {nvidia::kModprobe, {"ib_umad"}});
  run_step(runner, reporter, "modprobe-mlx5_ib", {nvidia::kModprobe, {"mlx5_ib"}});
}

void run_gpu_steps(const wire::Config& config, const GpuPlan& plan, ToolRunner& runner,
                   helper::Reporter& reporter) {
  load_nvidia_modules(plan, runner, reporter);
  run_gpu_daemons(config, plan, runner, reporter);
}

void run_gpu_daemons(const wire::Config& config, const GpuPlan& plan, ToolRunner& runner,
                     helper::Reporter& reporter) {
  tools::StartedDaemons daemons(reporter.daemon_reports(), plan.dry_run);
  const nvidia::NvidiaPaths& paths = plan.nvidia_paths;

  // 1. nvidia-persistenced keeps the GPUs initialized; everything after needs it ready.
  {
    helper::StepScope scope(reporter, "start-nvidia-persistenced");
    Command command{paths.persistenced(), {"--verbose"}};
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
    daemons.started("nvidia-persistenced", runner.start_and_wait(command, readiness));
    scope.done();
  }

  // 2. Clocks and power limit, when set.
  if (config.has_smi_lmc())
    run_step(runner, reporter, "nvidia-smi-lmc",
             {paths.nvidia_smi(), {"-lmc", clock_text(config.smi_lmc())}});
  if (config.has_smi_lgc())
    run_step(runner, reporter, "nvidia-smi-lgc",
             {paths.nvidia_smi(), {"-lgc", clock_text(config.smi_lgc())}});
  if (config.has_smi_pl_watts())
    run_step(runner, reporter, "nvidia-smi-pl",
             {paths.nvidia_smi(), {"-pl", std::to_string(config.smi_pl_watts())}});

  // 3. DCGM: the exporter talks to this hostengine instead of embedding a second one.
  if (config.dcgm()) {
    start_daemon(runner, reporter, "nv-hostengine",
                 {paths.hostengine(), {"--service-account", "nvidia-dcgm", "--home-dir", "/tmp"}},
                 daemons);
    start_daemon(runner, reporter, "dcgm-exporter",
                 {paths.dcgm_exporter(), {"-r", "localhost:5555", "-f", paths.dcgm_counters()}},
                 daemons);
  }

  // 4. The CDI spec kata-agent waits for.
  run_step(runner, reporter, "nvidia-ctk-cdi-generate", cdi_generate(paths));

  // 5. A confidential guest must not hand out a GPU whose CC mode is off.
  if (plan.confidential_guest) {
    const Command command{paths.nvidia_smi(), {"conf-compute", "-f"}};
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
             {paths.nvidia_smi(), {"conf-compute", "-srs", config.smi_srs() ? "1" : "0"}});

  // 7. Nothing started may have died on the way.
  helper::StepScope health(reporter, "health-check");
  daemons.check_all_running(runner);
  health.done();
}

}  // namespace ccinit::gpu
