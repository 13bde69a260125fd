#include <linux/capability.h>

#include "helpers/gpu-configurator/configure.h"
#include "helpers/gpu-configurator/process_runner.h"
#include "helpers/runtime/helper_main.h"

namespace ccinit::policy {
extern const Policy policy_gpu_configurator;
}

int main(int argc, char** argv) {
  using namespace ccinit;
  helper::HelperSpec spec{
      .name = "gpu-configurator",
      .summary =
          "detects the mode from PCI topology and, in GPU mode, loads the NVIDIA driver "
          "and starts its daemons and tools",
      // The tools run as root and inherit exactly these (the bounding set is reduced to them).
      .capabilities =
          {
              // modprobe nvidia / nvidia-uvm: finit_module.
              CAP_SYS_MODULE,
              // nvidia-smi -lgc/-lmc/-pl and conf-compute, nvidia-persistenced: the driver's
              // privileged ioctls check CAP_SYS_ADMIN.
              CAP_SYS_ADMIN,
              // The driver's user-space creates /dev/nvidia* nodes (nvidia-modprobe logic in
              // persistenced and nvidia-smi) when udev is absent, as in the guest.
              CAP_MKNOD,
              // nv-hostengine --service-account nvidia-dcgm switches to that user and group
              // and hands it its files; persistenced does the same for its run directory.
              CAP_SETUID,
              CAP_SETGID,
              CAP_CHOWN,
          },
      .policy = policy::policy_gpu_configurator,
      .run =
          [](const wire::Request& request, helper::Reporter& reporter) {
            const wire::Config& config = request.config();
            const bool debug = config.log_level() >= wire::LOG_DEBUG;
            if (request.dry_run()) {
              gpu::DryRunRunner runner(reporter);
              gpu::configure(request, reporter, gpu::HostPaths{}, runner);
            } else {
              gpu::ProcessRunner runner(gpu::ProcessRunnerOptions{.output_to_kmsg = debug});
              gpu::configure(request, reporter, gpu::HostPaths{}, runner);
            }
          },
  };
  return helper::helper_main(argc, argv, spec);
}
