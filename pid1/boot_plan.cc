#include "pid1/boot_plan.h"

#include <algorithm>
#include <span>

#include "common/cmdline_config.h"
#include "common/detected_mode.h"
#include "common/text_lines.h"
#include "pid1/agent.h"

namespace ccinit::pid1 {

namespace {

HelperStep step(const HelperInfo& helper, std::uint32_t timeout_seconds) {
  return {.name = std::string(helper.name),
          .path = helper_path(helper),
          .purpose = std::string(helper.purpose),
          .timeout = std::chrono::seconds(timeout_seconds)};
}

// One planned run of a helper: the table's purpose unless the step does only part of it.
struct Planned {
  std::string_view name;
  wire::Stage stage = wire::STAGE_MAIN;
  StepCondition when = StepCondition::kAlways;
  bool detects = false;
  std::string_view purpose = {};
  bool sets_up_extensions = false;
};

// Every boot runs the extensions helper first: a disk with an extension serial and no
// verity_params must fail the boot even when the command line names no extension, and the
// GPU helpers take the driver from the GPU extension it mounts.
constexpr Planned kExtensions{.name = "extensions", .sets_up_extensions = true};

constexpr std::string_view kGpuAfterFabric =
    "GPU mode once the fabric is up: start nvidia-persistenced and the configured tools, "
    "generate the CDI spec, verify confidential computing";

// Which kernel modules gpu-configurator loads before the fabric-launcher runs: the fabric
// services need the driver (NVLink 4) or the InfiniBand stack (NVLink 5), and the
// fabric-launcher may not load modules itself.
std::string_view fabric_modules_purpose(wire::Mode mode) {
  switch (mode) {
    case wire::MODE_NVSWITCH_NVL4:
      return "check the PCI topology against the mode; load nvidia and nvidia-uvm";
    case wire::MODE_NVSWITCH_NVL5:
      return "check the PCI topology against the mode; load nvidia, nvidia-uvm, ib_umad and "
             "mlx5_ib";
    case wire::MODE_SERVICEVM_NVL4:
      return "check the PCI topology against the mode; load nvidia";
    default:
      return "check the PCI topology against the mode; load ib_umad and mlx5_ib (never nvidia)";
  }
}

// The helpers a mode runs after the command line, in order.
std::vector<Planned> helpers_for_mode(wire::Mode mode) {
  switch (mode) {
    case wire::MODE_CPU:
      return {kExtensions, {"lockdown"}};
    case wire::MODE_GPU:
      return {kExtensions,
              {"gpu-configurator", wire::STAGE_MAIN, StepCondition::kAlways, true},
              {"lockdown"}};
    case wire::MODE_AUTO:
      return {kExtensions,
              {"gpu-configurator", wire::STAGE_MAIN, StepCondition::kAlways, true,
               "detect the mode from the PCI topology and load the kernel modules it needs; "
               "without an NVLink fabric, also the rest of GPU mode (nvidia-persistenced, the "
               "configured tools, the CDI spec, confidential computing check)"},
              {"fabric-launcher", wire::STAGE_MAIN, StepCondition::kFabric},
              {"gpu-configurator", wire::STAGE_AFTER_FABRIC, StepCondition::kGpusWithFabric, false,
               kGpuAfterFabric},
              {"lockdown"}};
    case wire::MODE_NVSWITCH_NVL4:
    case wire::MODE_NVSWITCH_NVL5:
      return {kExtensions,
              {"gpu-configurator", wire::STAGE_MAIN, StepCondition::kAlways, true,
               fabric_modules_purpose(mode)},
              {"fabric-launcher"},
              {"gpu-configurator", wire::STAGE_AFTER_FABRIC, StepCondition::kAlways, false,
               kGpuAfterFabric},
              {"lockdown"}};
    case wire::MODE_SERVICEVM_NVL4:
    case wire::MODE_SERVICEVM_NVL5:
      return {kExtensions,
              {"gpu-configurator", wire::STAGE_MAIN, StepCondition::kAlways, true,
               fabric_modules_purpose(mode)},
              {"fabric-launcher"},
              {"lockdown"}};
    default:
      throw ConfigError("nvrc.mode: unknown mode " + std::to_string(mode));
  }
}

HelperStep planned_step(const wire::Config& config, const Planned& planned) {
  const HelperInfo& helper = helper_info(planned.name);
  HelperStep out =
      step(helper, timeout_seconds(config, planned.name, helper.default_timeout_seconds));
  if (!planned.purpose.empty()) out.purpose = std::string(planned.purpose);
  out.stage = planned.stage;
  out.when = planned.when;
  out.detects = planned.detects;
  out.sets_up_extensions = planned.sets_up_extensions;
  return out;
}

// Which helper's run a daemon's readiness timeout belongs to.
std::string_view owner_of_daemon_timeout(std::string_view daemon) {
  if (daemon == "persistenced") return "gpu-configurator";
  if (daemon == "fabricmanager" || daemon == "nvlsm") return "fabric-launcher";
  return {};
}

// An nvrc.timeout.<name> for a helper this plan does not run would be accepted and shown
// but do nothing: refuse it instead.
void check_settings_act(const wire::Config& config, std::span<const Planned> planned) {
  auto runs = [&](std::string_view name) {
    return std::any_of(planned.begin(), planned.end(),
                       [&](const Planned& p) { return p.name == name; });
  };
  const std::string mode = "nvrc.mode=" + std::string(mode_name(config.mode()));
  if (!runs("fabric-launcher")) {
    if (config.has_fm_mode())
      throw ConfigError("nvrc.fm.mode=" + std::to_string(config.fm_mode()) +
                        ": has no effect with " + mode + ", which starts no Fabric Manager");
    if (config.fm_rail_policy() != wire::RAIL_POLICY_UNSET)
      throw ConfigError(
          "nvrc.fm.rail.policy=" + std::string(rail_policy_name(config.fm_rail_policy())) +
          ": has no effect with " + mode + ", which starts no Fabric Manager");
  }
  for (const wire::HelperTimeout& timeout : config.timeouts()) {
    const std::string_view owner = find_helper(timeout.name()) != nullptr
                                       ? std::string_view(timeout.name())
                                       : owner_of_daemon_timeout(timeout.name());
    if (runs(owner)) continue;
    throw ConfigError("nvrc.timeout." + timeout.name() + "=" + std::to_string(timeout.seconds()) +
                      ": has no effect with " + mode + ", which does not run " +
                      std::string(owner.empty() ? "it" : owner));
  }
}

std::string_view condition_text(StepCondition when) {
  switch (when) {
    case StepCondition::kAlways:
      break;
    case StepCondition::kFabric:
      return "; only when gpu-configurator finds an NVLink fabric";
    case StepCondition::kGpusWithFabric:
      return "; only when gpu-configurator finds GPUs with an NVLink fabric";
  }
  return "";
}

}  // namespace

std::vector<HelperStep> helpers_before_cmdline() {
  std::vector<HelperStep> steps;
  for (const HelperInfo& helper : kHelpers)
    if (helper.stage == HelperStage::kFirst)
      steps.push_back(step(helper, helper.default_timeout_seconds));
  return steps;
}

std::vector<HelperStep> helpers_after_cmdline(const wire::Config& config) {
  const std::vector<Planned> planned = helpers_for_mode(config.mode());
  check_settings_act(config, planned);
  std::vector<HelperStep> steps;
  for (const Planned& p : planned) steps.push_back(planned_step(config, p));
  return steps;
}

bool step_runs(StepCondition when, const wire::Detected& detected) {
  switch (when) {
    case StepCondition::kAlways:
      return true;
    case StepCondition::kFabric:
      return has_fabric(detected);
    case StepCondition::kGpusWithFabric:
      return has_fabric(detected) && detected.gpus() > 0;
  }
  return false;
}

std::string describe_plan(const wire::Config& config) {
  std::vector<HelperStep> steps = helpers_before_cmdline();
  for (auto& s : helpers_after_cmdline(config)) steps.push_back(std::move(s));
  std::string out = "config:\n";
  for_each_line(describe_config(config), [&](std::string_view line) {
    out += "  ";
    out += line;
    out += '\n';
  });
  out += "plan:\n";
  int n = 1;
  for (const auto& s : steps)
    out += "  " + std::to_string(n++) + ". " + s.path + ": " + s.purpose + " (timeout " +
           std::to_string(s.timeout.count()) + " s)" + std::string(condition_text(s.when)) + "\n";
  // Only the extension named gpu can be a read-only mount at /run/kata-extensions/gpu in a
  // boot, and PID 1 refuses a report that mounted it without using it.
  const bool gpu_extension =
      std::any_of(config.extensions().begin(), config.extensions().end(),
                  [](const wire::ExtensionVerity& verity) { return verity.name() == "gpu"; });
  out += "  " + std::to_string(n) + ". " + std::string(kAgentPath) +
         " as a child of PID 1: RLIMIT_NOFILE 1048576, oom_score_adj -997, clean environment (" +
         (gpu_extension ? "PATH and " + std::string(kAgentAttesterVariantEnv) +
                              ": the GPU extension is in use"
                        : std::string("PATH only")) +
         "); power off when it exits\n";
  return out;
}

}  // namespace ccinit::pid1
