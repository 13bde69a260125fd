#include <memory>
#include <vector>

#include "common/process_runner.h"
#include "helpers/extensions/block_events.h"
#include "helpers/extensions/dry_run_kernel.h"
#include "helpers/extensions/extension_setup.h"
#include "helpers/runtime/reporter.h"
#include "proto/ccinit.pb.h"

namespace ccinit::helpers::extensions {

namespace ext = ccinit::extensions;

void run(const wire::Request& request, helper::Reporter& reporter) {
  const std::vector<wire::ExtensionVerity> params(request.config().extensions().begin(),
                                                  request.config().extensions().end());
  const ext::ExtensionPaths paths;
  if (request.dry_run()) {
    auto say = [&](const std::string& line) { reporter.info(line); };
    tools::DryRunRunner runner(say);
    ext::DryRunDeviceMapper device_mapper(say);
    ext::DryRunDeviceNodes nodes(say);
    ext::DryRunErofsMounter mounter(say);
    ext::ExtensionKernel kernel{.runner = runner,
                                .device_mapper = device_mapper,
                                .nodes = nodes,
                                .mounter = mounter,
                                .open_block_events = nullptr,  // a dry run never waits
                                .dry_run = true};
    ext::set_up_extensions(params, paths, kernel, reporter);
    reporter.set_extensions(ext::mounted_extensions(params));
    return;
  }
  tools::ProcessRunner runner(tools::ProcessRunnerOptions{
      .output_to_kmsg = request.config().log_level() >= wire::LOG_DEBUG});
  ext::LinuxDeviceMapper device_mapper(paths.mapper_control());
  ext::LinuxDeviceNodes nodes;
  ext::LinuxErofsMounter mounter;
  ext::ExtensionKernel kernel{
      .runner = runner,
      .device_mapper = device_mapper,
      .nodes = nodes,
      .mounter = mounter,
      .open_block_events = [] { return std::make_unique<ext::UeventBlockEvents>(); }};
  ext::set_up_extensions(params, paths, kernel, reporter);
  reporter.set_extensions(ext::mounted_extensions(params));
}

}  // namespace ccinit::helpers::extensions
