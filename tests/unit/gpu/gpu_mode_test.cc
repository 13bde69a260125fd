#include "helpers/gpu-configurator/gpu_mode.h"

#include <gtest/gtest.h>

namespace ccinit::gpu {
namespace {

std::string refusal(wire::Mode mode, PciTopology topology) {
  try {
    decide_mode(mode, topology);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(GpuMode, AutoDetectsCpuAndGpu) {
  EXPECT_EQ(decide_mode(wire::MODE_AUTO, {0, 0, 0}), GuestMode::kCpu);
  EXPECT_EQ(decide_mode(wire::MODE_AUTO, {1, 0, 0}), GuestMode::kGpu);
  EXPECT_EQ(decide_mode(wire::MODE_AUTO, {8, 0, 0}), GuestMode::kGpu);
  EXPECT_EQ(decide_mode(wire::MODE_AUTO, {3, 0, 0}), GuestMode::kGpu);
}

TEST(GpuMode, FabricTopologiesNeedTheFabricLauncher) {
  EXPECT_EQ(refusal(wire::MODE_AUTO, {8, 4, 0}),
            "found 8 NVIDIA GPU(s), 4 NVSwitch(es), 0 Mellanox SW_MNG function(s): gpu mode with "
            "an NVLink 4 fabric (fabric mode 0) needs fabric-launcher, not implemented yet");
  EXPECT_EQ(refusal(wire::MODE_AUTO, {0, 4, 0}),
            "found 0 NVIDIA GPU(s), 4 NVSwitch(es), 0 Mellanox SW_MNG function(s): "
            "servicevm-nvl4 needs fabric-launcher, not implemented yet");
  EXPECT_EQ(refusal(wire::MODE_AUTO, {8, 0, 4}),
            "found 8 NVIDIA GPU(s), 0 NVSwitch(es), 4 Mellanox SW_MNG function(s): gpu mode with "
            "an NVLink 5 fabric needs fabric-launcher, not implemented yet");
  EXPECT_EQ(refusal(wire::MODE_AUTO, {0, 0, 4}),
            "found 0 NVIDIA GPU(s), 0 NVSwitch(es), 4 Mellanox SW_MNG function(s): "
            "servicevm-nvl5 needs fabric-launcher, not implemented yet");
}

TEST(GpuMode, OtherTopologiesAreFatalWithTheCounts) {
  for (PciTopology odd :
       {PciTopology{4, 4, 0}, PciTopology{8, 2, 0}, PciTopology{0, 3, 0}, PciTopology{8, 0, 2},
        PciTopology{8, 4, 4}, PciTopology{0, 4, 4}, PciTopology{1, 0, 4}}) {
    SCOPED_TRACE(describe(odd));
    EXPECT_EQ(refusal(wire::MODE_AUTO, odd),
              "unsupported PCI topology: found " + describe(odd) +
                  "; expected GPUs alone, 8 GPUs with 4 NVSwitches or 4 SW_MNG, or 4 NVSwitches "
                  "or 4 SW_MNG alone");
  }
}

TEST(GpuMode, ExplicitModesAreCheckedAgainstTheHardware) {
  EXPECT_EQ(decide_mode(wire::MODE_GPU, {2, 0, 0}), GuestMode::kGpu);
  EXPECT_EQ(decide_mode(wire::MODE_CPU, {0, 0, 0}), GuestMode::kCpu);
  EXPECT_EQ(refusal(wire::MODE_GPU, {0, 0, 0}),
            "nvrc.mode=gpu but found 0 NVIDIA GPU(s), 0 NVSwitch(es), 0 Mellanox SW_MNG "
            "function(s)");
  EXPECT_EQ(refusal(wire::MODE_CPU, {1, 0, 0}),
            "nvrc.mode=cpu but found 1 NVIDIA GPU(s), 0 NVSwitch(es), 0 Mellanox SW_MNG "
            "function(s): refusing to leave them unconfigured; use nvrc.mode=auto");
  EXPECT_NE(refusal(wire::MODE_GPU, {8, 4, 0}).find("needs fabric-launcher"), std::string::npos);
  EXPECT_NE(refusal(wire::MODE_GPU, {2, 1, 0}).find("need a fabric mode"), std::string::npos);
  for (wire::Mode fabric : {wire::MODE_NVSWITCH_NVL4, wire::MODE_NVSWITCH_NVL5,
                            wire::MODE_SERVICEVM_NVL4, wire::MODE_SERVICEVM_NVL5}) {
    EXPECT_NE(refusal(fabric, {8, 4, 0}).find("needs fabric-launcher, not implemented yet"),
              std::string::npos);
  }
}

}  // namespace
}  // namespace ccinit::gpu
