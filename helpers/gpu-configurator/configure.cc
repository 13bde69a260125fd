#include "helpers/gpu-configurator/configure.h"

#include <sys/stat.h>

#include <stdexcept>

#include "common/cmdline_config.h"
#include "helpers/gpu-configurator/gpu_mode.h"
#include "helpers/gpu-configurator/gpu_steps.h"
#include "helpers/gpu-configurator/pci_topology.h"

namespace ccinit::gpu {

bool is_confidential_guest(const std::string& dev_root) {
  struct stat st;
  for (const char* device : {"/tdx_guest", "/sev-guest"})
    if (::stat((dev_root + device).c_str(), &st) == 0) return true;
  return false;
}

void configure(const wire::Request& request, helper::Reporter& reporter, const HostPaths& host,
               ToolRunner& runner) {
  const wire::Config& config = request.config();
  helper::StepScope detect(reporter, "detect-mode");
  const PciTopology topology = scan_pci_topology(host.sysfs_root);
  const ModeDecision decision = decide_mode(config, topology);
  if (decision.has_fabric())
    throw std::runtime_error("found " + describe(topology) + ": " + describe(decision) +
                             " needs fabric-launcher, not implemented yet");
  if (decision.mode == GuestMode::kCpu) {
    if (config.mode() == wire::MODE_CPU) {
      reporter.info("nvrc.mode=cpu: nothing to configure");
    } else {
      reporter.info("no NVIDIA GPU or NVSwitch: cpu mode");
    }
    detect.done();
    return;
  }
  GpuPlan plan{.gpus = decision.gpus,
               .confidential_guest = is_confidential_guest(host.dev_root),
               .dry_run = request.dry_run()};
  reporter.info("found " + describe(topology) + ": gpu mode" +
                (plan.confidential_guest ? " in a confidential guest" : ""));
  detect.done();
  run_gpu_steps(config, plan, runner, reporter);
}

}  // namespace ccinit::gpu
