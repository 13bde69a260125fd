#include <algorithm>
#include <memory>
#include <vector>

#include "common/gpu_extension.h"
#include "common/process_runner.h"
#include "helpers/extensions/bind_mount.h"
#include "helpers/extensions/block_events.h"
#include "helpers/extensions/dry_run_kernel.h"
#include "helpers/extensions/extension_error.h"
#include "helpers/extensions/extension_setup.h"
#include "helpers/extensions/gpu_extension_setup.h"
#include "helpers/runtime/reporter.h"
#include "proto/ccinit.pb.h"

namespace ccinit::helpers::extensions {

namespace ext = ccinit::extensions;

namespace {

bool names_gpu(const std::vector<wire::ExtensionVerity>& params) {
  return std::any_of(params.begin(), params.end(),
                     [](const wire::ExtensionVerity& verity) { return verity.name() == "gpu"; });
}

// Whether the GPU extension is in use once the extensions are set up: the one rule of
// common/gpu_extension.h. In a boot it holds exactly when this helper mounted "gpu"; a
// dry run mounted nothing, so there the command line's "gpu" counts as mounted.
bool gpu_in_use(const std::vector<wire::ExtensionVerity>& params, bool dry_run) {
  const bool mounted = nvidia::gpu_extension_in_use();
  if (dry_run) return mounted || names_gpu(params);
  if (names_gpu(params) && !mounted)
    throw ext::ExtensionError("GPU extension: mounted, yet " +
                              std::string(nvidia::kGpuExtensionRoot) +
                              " is not there");  // set_up_extensions would have thrown
  return mounted;
}

// Steps 1-3 of set_up_extensions are done; prepares the GPU extension when in use and
// reports what is mounted.
void finish(const std::vector<wire::ExtensionVerity>& params, ext::GpuExtensionSystem& system,
            helper::Reporter& reporter) {
  wire::Extensions report = ext::mounted_extensions(params);
  const ext::GpuExtensionPaths paths;
  if (gpu_in_use(params, system.dry_run)) {
    ext::prepare_gpu_extension(paths, system, reporter);
    report.set_gpu(true);
  } else {
    reporter.info("GPU extension: not in use (nothing at " + paths.root + ")");
  }
  reporter.set_extensions(std::move(report));
}

}  // namespace

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
    ext::DryRunBindMounter binds(say);
    ext::GpuExtensionSystem system{.runner = runner, .mounter = binds, .dry_run = true};
    finish(params, system, reporter);
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
  ext::LinuxBindMounter binds;
  ext::GpuExtensionSystem system{.runner = runner, .mounter = binds};
  finish(params, system, reporter);
}

}  // namespace ccinit::helpers::extensions
