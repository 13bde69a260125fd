#include "common/process_runner.h"
#include "helpers/gpu-configurator/configure.h"
#include "proto/ccinit.pb.h"

namespace ccinit::helpers::gpu_configurator {

void run(const wire::Request& request, helper::Reporter& reporter) {
  const bool debug = request.config().log_level() >= wire::LOG_DEBUG;
  if (request.dry_run()) {
    tools::DryRunRunner runner([&](const std::string& line) { reporter.info(line); });
    gpu::configure(request, reporter, gpu::HostPaths{}, runner);
  } else {
    tools::ProcessRunner runner(tools::ProcessRunnerOptions{.output_to_kmsg = debug});
    gpu::configure(request, reporter, gpu::HostPaths{}, runner);
  }
}

}  // namespace ccinit::helpers::gpu_configurator
