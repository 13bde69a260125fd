#include "pid1/boot_plan.h"

#include <algorithm>
#include <span>

#include "common/cmdline_config.h"
#include "common/text_lines.h"

namespace ccinit::pid1 {

namespace {

HelperStep step(const HelperInfo& helper, std::uint32_t timeout_seconds) {
  return {std::string(helper.name), helper_path(helper), std::string(helper.purpose),
          std::chrono::seconds(timeout_seconds)};
}

HelperStep planned_step(const wire::Config& config, std::string_view name) {
  const HelperInfo& helper = helper_info(name);
  return step(helper, timeout_seconds(config, name, helper.default_timeout_seconds));
}

// The helpers a mode runs after the command line, in order.
std::vector<std::string_view> helpers_for_mode(wire::Mode mode) {
  switch (mode) {
    case wire::MODE_CPU:
      return {"lockdown"};
    case wire::MODE_AUTO:
    case wire::MODE_GPU:
      return {"gpu-configurator", "lockdown"};
    default:
      throw ConfigError("nvrc.mode=" + std::string(mode_name(mode)) +
                        ": fabric modes are not implemented yet (use cpu, gpu or auto)");
  }
}

// Which helper's run a daemon's readiness timeout belongs to.
std::string_view owner_of_daemon_timeout(std::string_view daemon) {
  if (daemon == "persistenced") return "gpu-configurator";
  return {};
}

// An nvrc.timeout.<name> for a helper this plan does not run would be accepted and shown
// but do nothing: refuse it instead.
void check_timeouts_act(const wire::Config& config, std::span<const std::string_view> planned) {
  auto runs = [&](std::string_view name) {
    return std::find(planned.begin(), planned.end(), name) != planned.end();
  };
  for (const wire::HelperTimeout& timeout : config.timeouts()) {
    const std::string_view owner = find_helper(timeout.name()) != nullptr
                                       ? std::string_view(timeout.name())
                                       : owner_of_daemon_timeout(timeout.name());
    if (runs(owner)) continue;
    throw ConfigError("nvrc.timeout." + timeout.name() + "=" + std::to_string(timeout.seconds()) +
                      ": has no effect with nvrc.mode=" + std::string(mode_name(config.mode())) +
                      ", which does not run " + std::string(owner.empty() ? "it" : owner));
  }
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
  const std::vector<std::string_view> names = helpers_for_mode(config.mode());
  check_timeouts_act(config, names);
  std::vector<HelperStep> steps;
  for (std::string_view name : names) steps.push_back(planned_step(config, name));
  return steps;
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
           std::to_string(s.timeout.count()) + " s)\n";
  out += "  " + std::to_string(n) + ". " + std::string(kAgentPath) +
         " as a child of PID 1: RLIMIT_NOFILE 1048576, oom_score_adj -997, clean environment; "
         "power off when it exits\n";
  return out;
}

}  // namespace ccinit::pid1
