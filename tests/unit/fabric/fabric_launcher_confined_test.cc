// The fabric-launcher binary under its own capabilities and seccomp policy, driven through
// the helper protocol as PID 1 drives it: a dry run of every fabric mode must get through the
// launcher's own code (the request, the mode decision, /sys/class/infiniband, the reports)
// without the filter killing it. The tools themselves run in the namespace tests.
#include <gtest/gtest.h>

#include <string>

#include "proto/channel.h"
#include "tests/unit/helpers/helper_events.h"
#include "tests/unit/helpers/helper_process.h"

namespace ccinit::fabric {
namespace {

using ccinit::testing::decode_events;
using ccinit::testing::HelperEvents;
using ccinit::testing::HelperRun;
using ccinit::testing::run_protocol;

std::string dry_run_request(wire::Mode mode, unsigned gpus, bool gpu_extension = false) {
  wire::Request request;
  request.set_dry_run(true);
  wire::Detected* detected = request.mutable_detected();
  detected->set_mode(mode);
  detected->set_gpus(gpus);
  detected->set_fabric_mode(gpus ? 0 : 1);
  detected->set_rail_policy(wire::RAIL_POLICY_SYMMETRIC);
  if (mode == wire::MODE_NVSWITCH_NVL5 || mode == wire::MODE_SERVICEVM_NVL5)
    detected->add_management_functions("0000:c1:00.1");
  if (gpu_extension) {
    request.mutable_extensions()->add_mounted("gpu");
    request.mutable_extensions()->set_gpu(true);
  }
  return wire::encode_frame(request.SerializeAsString());
}

TEST(FabricLauncherConfined, DryRunOfEveryFabricModeRunsUnderItsPolicy) {
  for (auto [mode, gpus] :
       {std::pair{wire::MODE_NVSWITCH_NVL4, 8u}, std::pair{wire::MODE_NVSWITCH_NVL5, 8u},
        std::pair{wire::MODE_SERVICEVM_NVL4, 0u}, std::pair{wire::MODE_SERVICEVM_NVL5, 0u}}) {
    SCOPED_TRACE(mode);
    HelperRun run = run_protocol("fabric-launcher", {.request_bytes = dry_run_request(mode, gpus)});
    ASSERT_TRUE(run.exited_with(0)) << run.describe();
    const HelperEvents outcome = decode_events(run.events);
    EXPECT_EQ(outcome.error, "");
    ASSERT_TRUE(outcome.result.has_value());
    EXPECT_TRUE(outcome.result->ok()) << outcome.result->error();
    EXPECT_NE(outcome.text.find("would start: /bin/nv-fabricmanager -c /run/fabricmanager.cfg"),
              std::string::npos)
        << outcome.text;
    const bool nvl5 = mode == wire::MODE_NVSWITCH_NVL5 || mode == wire::MODE_SERVICEVM_NVL5;
    EXPECT_EQ(
        outcome.text.find("would start: /bin/nvlsm -F /usr/share/nvidia/nvlsm/nvlsm.conf -g ") !=
            std::string::npos,
        nvl5)
        << outcome.text;
    EXPECT_EQ(outcome.text.find("would run: /bin/nvidia-smi -q") != std::string::npos, gpus > 0)
        << outcome.text;
    EXPECT_EQ(outcome.started_steps.back(), "health-check");
  }
}

TEST(FabricLauncherConfined, DryRunWithTheGpuExtensionPrintsItsPaths) {
  HelperRun run = run_protocol(
      "fabric-launcher",
      {.request_bytes = dry_run_request(wire::MODE_NVSWITCH_NVL5, 8, /*gpu_extension=*/true)});
  ASSERT_TRUE(run.exited_with(0)) << run.describe();
  const HelperEvents outcome = decode_events(run.events);
  ASSERT_TRUE(outcome.result.has_value());
  EXPECT_TRUE(outcome.result->ok()) << outcome.result->error();
  for (const std::string expected :
       {"would start: /run/kata-extensions/gpu/bin/nvlsm -F "
        "/run/kata-extensions/gpu/usr/share/nvidia/nvlsm/nvlsm.conf -g ",
        "would write /run/fabricmanager.cfg (0400) from "
        "/run/kata-extensions/gpu/usr/share/nvidia/nvswitch/fabricmanager.cfg, setting ",
        "TOPOLOGY_FILE_PATH=/run/kata-extensions/gpu/usr/share/nvidia/nvswitch\n",
        "would start: /run/kata-extensions/gpu/bin/nv-fabricmanager -c /run/fabricmanager.cfg",
        "would run: /run/kata-extensions/gpu/bin/nvidia-smi -q\n"})
    EXPECT_NE(outcome.text.find(expected), std::string::npos) << expected << "\n" << outcome.text;
  EXPECT_EQ(outcome.text.find(" /bin/"), std::string::npos) << outcome.text;
}

}  // namespace
}  // namespace ccinit::fabric
