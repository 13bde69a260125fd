#include "common/process_runner.h"
#include "helpers/fabric-launcher/launch.h"
#include "helpers/runtime/reporter.h"
#include "proto/ccinit.pb.h"

namespace ccinit::helpers::fabric_launcher {

void run(const wire::Request& request, helper::Reporter& reporter) {
  const bool debug = request.config().log_level() >= wire::LOG_DEBUG;
  if (request.dry_run()) {
    tools::DryRunRunner runner([&](const std::string& line) { reporter.info(line); });
    fabric::launch_fabric(request, reporter, fabric::LauncherPaths{}, runner, fabric::WaitClock{});
  } else {
    tools::ProcessRunner runner(tools::ProcessRunnerOptions{.output_to_kmsg = debug});
    fabric::launch_fabric(request, reporter, fabric::LauncherPaths{}, runner, fabric::WaitClock{});
  }
}

}  // namespace ccinit::helpers::fabric_launcher
