#include "helpers/runtime/gpu_detect.h"
#include "helpers/runtime/helper_main.h"

int main(int argc, char** argv) {
  using namespace ccinit;
  helper::HelperSpec spec{
      .name = "gpu-configurator",
      .summary = "detects the GPU mode from PCI topology (CPU mode only, for now)",
      // Detection only reads sysfs.
      .capabilities = {},
      .run = [](const wire::Request& request,
                helper::Reporter& reporter) { gpu::configure(request, reporter, "/sys"); },
  };
  return helper::helper_main(argc, argv, spec);
}
