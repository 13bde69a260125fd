#include "helpers/gpu-configurator/configure.h"

#include <sys/stat.h>

#include <stdexcept>

#include "common/cmdline_config.h"
#include "common/detected_mode.h"
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

namespace {

// Only with the GPU extension: without it the paths are the base image's, as always.
void say_where_the_driver_is(const GpuPlan& plan, helper::Reporter& reporter) {
  if (plan.nvidia_paths.from_extension())
    reporter.info("NVIDIA driver, tools and modules from the GPU extension at " +
                  plan.nvidia_paths.root());
}

// gpu-configurator's second run, after the fabric-launcher: the GPU daemons, on the mode
// decision its first run made and PID 1 relayed.
void configure_after_fabric(const wire::Request& request, helper::Reporter& reporter,
                            const HostPaths& host, ToolRunner& runner) {
  if (!request.has_detected())
    throw std::runtime_error("stage after-fabric needs the detected mode, which PID 1 relays");
  const wire::Detected& detected = request.detected();
  check_detected(request.config(), detected);
  if (!has_fabric(detected) || detected.gpus() == 0)
    throw std::runtime_error("stage after-fabric is for GPUs with a fabric, not " +
                             describe_detected(detected));
  GpuPlan plan{.gpus = detected.gpus(),
               .confidential_guest = is_confidential_guest(host.dev_root),
               .dry_run = request.dry_run(),
               .nvidia_paths = nvidia::nvidia_paths_for(request)};
  say_where_the_driver_is(plan, reporter);
  reporter.info("the fabric is up: GPU mode on " + std::to_string(plan.gpus) + " GPU(s)" +
                (plan.confidential_guest ? " in a confidential guest" : ""));
  run_gpu_daemons(request.config(), plan, runner, reporter);
}

// With a fabric, this run loads only the modules: the fabric-launcher (which may not load
// modules) starts the fabric services next, and the GPU daemons wait for the fabric.
void load_fabric_modules(const ModeDecision& decision, const GpuPlan& plan, ToolRunner& runner,
                         helper::Reporter& reporter) {
  const bool nvlink5 = decision.fabric == FabricInterface::kConnectX;
  if (decision.mode == GuestMode::kGpu) {
    load_nvidia_modules(plan, runner, reporter);
  } else if (!nvlink5) {
    // The NVLink 4 service VM: Fabric Manager drives the NVSwitches through nvidia.ko.
    load_nvidia_modules(plan, runner, reporter, /*with_uvm=*/false);
  }
  // The NVLink 5 service VM never loads nvidia.ko: it has no GPU, only the ConnectX bridges.
  if (nvlink5) load_infiniband_modules(runner, reporter);
}

}  // namespace

void configure(const wire::Request& request, helper::Reporter& reporter, const HostPaths& host,
               ToolRunner& runner) {
  if (request.stage() == wire::STAGE_AFTER_FABRIC) {
    configure_after_fabric(request, reporter, host, runner);
    return;
  }
  const wire::Config& config = request.config();
  helper::StepScope detect(reporter, "detect-mode");
  const PciTopology topology = scan_pci_topology(host.sysfs_root);
  const ModeDecision decision = decide_mode(config, topology);
  reporter.set_detected(to_wire(decision));
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
               .disable_nvlink = decision.disable_nvlink(),
               .confidential_guest = is_confidential_guest(host.dev_root),
               .dry_run = request.dry_run(),
               .nvidia_paths = nvidia::nvidia_paths_for(request)};
  say_where_the_driver_is(plan, reporter);
  if (decision.has_fabric()) {
    reporter.info("found " + describe(topology) + ": " + describe(decision) +
                  "; the fabric-launcher starts the fabric after these modules");
    detect.done();
    load_fabric_modules(decision, plan, runner, reporter);
    return;
  }
  reporter.info("found " + describe(topology) + ": gpu mode" +
                (plan.confidential_guest ? " in a confidential guest" : ""));
  detect.done();
  run_gpu_steps(config, plan, runner, reporter);
}

}  // namespace ccinit::gpu
