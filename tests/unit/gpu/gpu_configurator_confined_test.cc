// The gpu-configurator binary under its own capabilities and seccomp policy, driven through
// the helper protocol as PID 1 drives it after the fabric-launcher: a dry run with the GPU
// extension in the request prints the extension's tools and gets through under its policy.
// (The first run scans the machine's PCI tree, which has no NVIDIA devices here.)
#include <gtest/gtest.h>

#include <string>

#include "common/cmdline_config.h"
#include "proto/channel.h"
#include "tests/unit/helpers/helper_events.h"
#include "tests/unit/helpers/helper_process.h"

namespace ccinit::gpu {
namespace {

using ccinit::testing::decode_events;
using ccinit::testing::HelperEvents;
using ccinit::testing::HelperRun;
using ccinit::testing::run_protocol;

HelperEvents dry_run_after_fabric(bool gpu_extension) {
  wire::Request request;
  request.set_dry_run(true);
  request.set_stage(wire::STAGE_AFTER_FABRIC);
  *request.mutable_config() = parse_cmdline("nvrc.dcgm=on");
  wire::Detected* detected = request.mutable_detected();
  detected->set_mode(wire::MODE_NVSWITCH_NVL4);
  detected->set_gpus(8);
  detected->set_rail_policy(wire::RAIL_POLICY_GREEDY);
  if (gpu_extension) {
    request.mutable_extensions()->add_mounted("gpu");
    request.mutable_extensions()->set_gpu(true);
  }
  HelperRun run = run_protocol("gpu-configurator",
                               {.request_bytes = wire::encode_frame(request.SerializeAsString())});
  EXPECT_TRUE(run.exited_with(0)) << run.describe();
  HelperEvents events = decode_events(run.events);
  EXPECT_EQ(events.error, "");
  EXPECT_TRUE(events.result.has_value() && events.result->ok()) << events.text;
  return events;
}

TEST(GpuConfiguratorConfined, DryRunAfterTheFabricWithTheGpuExtensionPrintsItsTools) {
  const HelperEvents events = dry_run_after_fabric(true);
  const std::string root = "/run/kata-extensions/gpu";
  for (const std::string& expected :
       {"NVIDIA driver, tools and modules from the GPU extension at " + root + "\n",
        "would start: " + root + "/bin/nvidia-persistenced --verbose --uvm-persistence-mode",
        "would start: " + root + "/bin/nv-hostengine --service-account nvidia-dcgm",
        "would start: " + root + "/bin/dcgm-exporter -r localhost:5555 -f " + root +
            "/etc/dcgm-exporter/default-counters.csv\n",
        "would run: " + root +
            "/bin/nvidia-ctk cdi generate --output=/var/run/cdi/nvidia.yaml --driver-root=" + root +
            " --dev-root=/ --nvidia-cdi-hook-path=" + root + "/bin/nvidia-cdi-hook\n"})
    EXPECT_NE(events.text.find(expected), std::string::npos) << expected << "\n" << events.text;
  EXPECT_EQ(events.text.find(" /bin/"), std::string::npos) << events.text;
}

TEST(GpuConfiguratorConfined, DryRunAfterTheFabricWithoutTheExtensionKeepsTheBasePaths) {
  const HelperEvents events = dry_run_after_fabric(false);
  EXPECT_NE(events.text.find("would run: /bin/nvidia-ctk cdi generate "
                             "--output=/var/run/cdi/nvidia.yaml\n"),
            std::string::npos)
      << events.text;
  EXPECT_EQ(events.text.find("kata-extensions"), std::string::npos) << events.text;
}

}  // namespace
}  // namespace ccinit::gpu
