#include "pid1/boot_plan.h"

#include "common/cmdline_config.h"

namespace ccinit::pid1 {

namespace {

HelperStep step(const wire::Config& config, const char* name, std::string purpose,
                std::uint32_t default_timeout) {
  return {name, std::move(purpose),
          std::chrono::seconds(timeout_seconds(config, name, default_timeout))};
}

}  // namespace

HelperStep mounter_step(const wire::Config& config) {
  return step(config, "mounter",
              "mount /proc, /sys, /dev, /run, /tmp, securityfs, configfs, /dev/pts, /dev/shm, "
              "cgroup2; bring up lo; set net.core buffer sizes",
              30);
}

std::vector<HelperStep> helpers_after_mount(const wire::Config& config) {
  std::vector<HelperStep> steps;
  switch (config.mode()) {
    case wire::MODE_CPU:
      break;
    case wire::MODE_AUTO:
    case wire::MODE_GPU:
      steps.push_back(step(config, "gpu-configurator",
                           "check the PCI topology against the mode (auto: detect it); in GPU "
                           "mode load the driver, start nvidia-persistenced and the configured "
                           "tools, generate the CDI spec, verify confidential computing",
                           900));
      break;
    default:
      throw ConfigError("nvrc.mode=" + std::string(mode_name(config.mode())) +
                        ": fabric modes are not implemented yet (use cpu, gpu or auto)");
  }
  steps.push_back(step(config, "lockdown",
                       "set kernel.modules_disabled=1 and kernel.kexec_load_disabled=1", 30));
  return steps;
}

std::string describe_plan(const wire::Config& config) {
  std::vector<HelperStep> steps{mounter_step(config)};
  for (auto& s : helpers_after_mount(config)) steps.push_back(std::move(s));
  std::string out = "config:\n";
  std::string desc = describe_config(config);
  std::size_t pos = 0;
  while (pos < desc.size()) {
    auto eol = desc.find('\n', pos);
    if (eol == std::string::npos) eol = desc.size();
    out += "  " + desc.substr(pos, eol - pos) + "\n";
    pos = eol + 1;
  }
  out += "plan:\n";
  int n = 1;
  for (const auto& s : steps)
    out += "  " + std::to_string(n++) + ". " + std::string(kHelperDir) + "/" + s.name + ": " +
           s.purpose + " (timeout " + std::to_string(s.timeout.count()) + " s)\n";
  out += "  " + std::to_string(n) + ". " + std::string(kAgentPath) +
         " as a child of PID 1: RLIMIT_NOFILE 1048576, oom_score_adj -997, clean environment; "
         "power off when it exits\n";
  return out;
}

}  // namespace ccinit::pid1
