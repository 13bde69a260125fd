#include "helpers/gpu-configurator/gpu_mode.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/unit/gpu/gpu_fake_sysfs.h"

namespace ccinit::gpu {
namespace {

using Strings = std::vector<std::string>;

wire::Config config_of(wire::Mode mode) {
  wire::Config config;
  config.set_mode(mode);
  return config;
}

// Mode decisions on whole fake PCI trees: scan, then decide, as the helper does.
class GpuModeTest : public testing::FakeSysfs {
 protected:
  // An HGX H100-style NVLink 4 guest: `gpus` GPUs and 4 NVSwitches.
  void nvl4(unsigned gpus) {
    add_gpus(gpus);
    add_nvswitches(4);
  }
  // An HGX B200-style NVLink 5 guest: `gpus` GPUs, two ConnectX management ports (FC PF +
  // Limited PF each) and a workload NIC that sorts first.
  void nvl5(unsigned gpus) {
    add_gpus(gpus);
    add_workload_nic("1a");
    add_connectx_management_port("c1");
    add_connectx_management_port("c2");
  }
  ModeDecision decide(const wire::Config& config) {
    return decide_mode(config, scan_pci_topology(root()));
  }
  ModeDecision decide(wire::Mode mode = wire::MODE_AUTO) { return decide(config_of(mode)); }
  std::string refusal(const wire::Config& config) {
    try {
      decide(config);
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    return "(accepted)";
  }
  std::string refusal(wire::Mode mode) { return refusal(config_of(mode)); }

  const Strings management_{"0000:c1:00.0", "0000:c1:00.1", "0000:c2:00.0", "0000:c2:00.1"};
};

TEST_F(GpuModeTest, NothingNvidiaIsCpuMode) {
  add_workload_nic("1a");
  EXPECT_EQ(decide(), ModeDecision{});
  EXPECT_EQ(decide(wire::MODE_CPU), ModeDecision{});
}

TEST_F(GpuModeTest, GpusWithoutFabricAreGpuModeAndOneDisablesNvlink) {
  add_gpus(1);
  ModeDecision one = decide();
  EXPECT_EQ(one, (ModeDecision{.mode = GuestMode::kGpu, .gpus = 1}));
  EXPECT_TRUE(one.disable_nvlink());
  EXPECT_EQ(describe(one), "gpu mode");
  add_devices(2, "42", "0x10de\n", "0x030200\n");
  EXPECT_EQ(decide(wire::MODE_GPU), (ModeDecision{.mode = GuestMode::kGpu, .gpus = 3}));
  EXPECT_FALSE(decide().disable_nvlink());
}

class Nvl4GpuVm : public GpuModeTest, public ::testing::WithParamInterface<unsigned> {};

TEST_P(Nvl4GpuVm, IsGpuModeWithFabricModeZeroAndGreedyRails) {
  nvl4(GetParam());
  const ModeDecision expected{.mode = GuestMode::kGpu,
                              .fabric = FabricInterface::kNvSwitch,
                              .fabric_mode = 0,
                              .rail_policy = wire::RAIL_POLICY_GREEDY,
                              .gpus = GetParam()};
  EXPECT_EQ(decide(), expected);
  EXPECT_EQ(decide(wire::MODE_NVSWITCH_NVL4), expected);
  EXPECT_FALSE(expected.disable_nvlink()) << "Fabric Manager needs the links of a 1-GPU partition";
  EXPECT_EQ(describe(expected),
            "gpu mode with an NVLink 4 fabric (FABRIC_MODE=0, PARTITION_RAIL_POLICY=greedy)");
}

INSTANTIATE_TEST_SUITE_P(Partitions, Nvl4GpuVm, ::testing::Values(1u, 4u, 8u));

class Nvl5GpuVm : public GpuModeTest, public ::testing::WithParamInterface<unsigned> {};

TEST_P(Nvl5GpuVm, IsGpuModeWithFabricModeZeroSymmetricRailsAndTheManagementFunctions) {
  nvl5(GetParam());
  const ModeDecision expected{.mode = GuestMode::kGpu,
                              .fabric = FabricInterface::kConnectX,
                              .fabric_mode = 0,
                              .rail_policy = wire::RAIL_POLICY_SYMMETRIC,
                              .gpus = GetParam(),
                              .management_functions = management_};
  EXPECT_EQ(decide(), expected);
  EXPECT_EQ(decide(wire::MODE_NVSWITCH_NVL5), expected);
  EXPECT_FALSE(expected.disable_nvlink());
  EXPECT_EQ(describe(expected),
            "gpu mode with an NVLink 5 fabric (FABRIC_MODE=0, PARTITION_RAIL_POLICY=symmetric)");
}

INSTANTIATE_TEST_SUITE_P(Partitions, Nvl5GpuVm, ::testing::Values(1u, 4u, 8u));

TEST_F(GpuModeTest, NvSwitchesWithoutGpusAreTheNvl4ServiceVm) {
  add_nvswitches(2);  // a partition's share of the switches: no count is expected
  const ModeDecision expected{.mode = GuestMode::kServiceVm,
                              .fabric = FabricInterface::kNvSwitch,
                              .fabric_mode = 1,
                              .rail_policy = wire::RAIL_POLICY_GREEDY};
  EXPECT_EQ(decide(), expected);
  EXPECT_EQ(decide(wire::MODE_SERVICEVM_NVL4), expected);
  EXPECT_EQ(describe(expected), "servicevm-nvl4 (FABRIC_MODE=1, PARTITION_RAIL_POLICY=greedy)");
}

TEST_F(GpuModeTest, ManagementFunctionsWithoutGpusAreTheNvl5ServiceVm) {
  nvl5(0);
  const ModeDecision expected{.mode = GuestMode::kServiceVm,
                              .fabric = FabricInterface::kConnectX,
                              .fabric_mode = 1,
                              .rail_policy = wire::RAIL_POLICY_SYMMETRIC,
                              .management_functions = management_};
  EXPECT_EQ(decide(), expected);
  EXPECT_EQ(decide(wire::MODE_SERVICEVM_NVL5), expected);
  EXPECT_EQ(describe(expected), "servicevm-nvl5 (FABRIC_MODE=1, PARTITION_RAIL_POLICY=symmetric)");
}

TEST_F(GpuModeTest, NvSwitchesAndManagementFunctionsTogetherAreFatal) {
  nvl4(8);
  add_connectx_management_port("c1");
  const std::string expected =
      "mixed NVLink fabric: found 8 NVIDIA GPU(s), 4 NVSwitch(es), 1 Mellanox SW_MNG "
      "function(s); NVSwitches (NVLink 4) and ConnectX SW_MNG functions (NVLink 5) cannot both "
      "manage the fabric";
  for (wire::Mode mode : {wire::MODE_AUTO, wire::MODE_GPU, wire::MODE_NVSWITCH_NVL4,
                          wire::MODE_NVSWITCH_NVL5, wire::MODE_SERVICEVM_NVL5})
    EXPECT_EQ(refusal(mode), expected) << mode;
}

TEST_F(GpuModeTest, AWorkloadNicAloneIsNoFabric) {
  add_gpus(2);
  add_workload_nic("1a");
  add_workload_nic("1b");
  EXPECT_EQ(decide(), (ModeDecision{.mode = GuestMode::kGpu, .gpus = 2}));
}

TEST_F(GpuModeTest, ExplicitModesMustMatchTheHardware) {
  nvl4(8);
  EXPECT_EQ(refusal(wire::MODE_CPU),
            "nvrc.mode=cpu but found 8 NVIDIA GPU(s), 4 NVSwitch(es), 0 Mellanox SW_MNG "
            "function(s): refusing to leave them unconfigured; use nvrc.mode=auto");
  EXPECT_EQ(refusal(wire::MODE_NVSWITCH_NVL5),
            "nvrc.mode=nvswitch-nvl5 but found 8 NVIDIA GPU(s), 4 NVSwitch(es), 0 Mellanox "
            "SW_MNG function(s), which is gpu mode with an NVLink 4 fabric (FABRIC_MODE=0, "
            "PARTITION_RAIL_POLICY=greedy); use nvrc.mode=auto");
  EXPECT_NE(refusal(wire::MODE_GPU)
                .find("nvrc.mode=gpu but found 8 NVIDIA GPU(s), 4 "
                      "NVSwitch(es)"),
            std::string::npos);
  EXPECT_NE(refusal(wire::MODE_SERVICEVM_NVL4).find("which is gpu mode with an NVLink 4"),
            std::string::npos);
}

TEST_F(GpuModeTest, ExplicitFabricModesWithoutTheirFabricAreRefused) {
  add_gpus(8);
  EXPECT_EQ(refusal(wire::MODE_NVSWITCH_NVL4),
            "nvrc.mode=nvswitch-nvl4 but found 8 NVIDIA GPU(s), 0 NVSwitch(es), 0 Mellanox "
            "SW_MNG function(s), which is gpu mode; use nvrc.mode=auto");
  EXPECT_NE(refusal(wire::MODE_SERVICEVM_NVL5).find("which is gpu mode;"), std::string::npos);
}

TEST_F(GpuModeTest, ServiceVmModeWithGpusIsRefused) {
  nvl5(4);
  EXPECT_EQ(refusal(wire::MODE_SERVICEVM_NVL5),
            "nvrc.mode=servicevm-nvl5 but found 4 NVIDIA GPU(s), 0 NVSwitch(es), 2 Mellanox "
            "SW_MNG function(s), which is gpu mode with an NVLink 5 fabric (FABRIC_MODE=0, "
            "PARTITION_RAIL_POLICY=symmetric); use nvrc.mode=auto");
}

TEST_F(GpuModeTest, ExplicitModesWithNothingFoundSayWhatIsMissing) {
  EXPECT_EQ(refusal(wire::MODE_GPU),
            "nvrc.mode=gpu but found 0 NVIDIA GPU(s), 0 NVSwitch(es), 0 Mellanox SW_MNG "
            "function(s)");
  EXPECT_EQ(refusal(wire::MODE_SERVICEVM_NVL4),
            "nvrc.mode=servicevm-nvl4 but found 0 NVIDIA GPU(s), 0 NVSwitch(es), 0 Mellanox "
            "SW_MNG function(s)");
}

TEST_F(GpuModeTest, FabricManagerSettingsOverrideTheDefaults) {
  nvl5(8);
  wire::Config config = config_of(wire::MODE_AUTO);
  config.set_fm_mode(1);
  config.set_fm_rail_policy(wire::RAIL_POLICY_GREEDY);
  ModeDecision decision = decide(config);
  EXPECT_EQ(decision.fabric_mode, 1u);
  EXPECT_EQ(decision.rail_policy, wire::RAIL_POLICY_GREEDY);
  EXPECT_EQ(decision.mode, GuestMode::kGpu) << "FABRIC_MODE does not change what the VM is";
  // Each setting alone overrides only itself; an explicit 0 is an override too.
  wire::Config rails_only = config_of(wire::MODE_AUTO);
  rails_only.set_fm_rail_policy(wire::RAIL_POLICY_GREEDY);
  EXPECT_EQ(decide(rails_only).fabric_mode, 0u);
  EXPECT_EQ(decide(rails_only).rail_policy, wire::RAIL_POLICY_GREEDY);
}

TEST_F(GpuModeTest, FabricModeZeroOverridesTheServiceVmDefault) {
  add_nvswitches(4);
  wire::Config config = config_of(wire::MODE_SERVICEVM_NVL4);
  config.set_fm_mode(0);
  config.set_fm_rail_policy(wire::RAIL_POLICY_SYMMETRIC);
  ModeDecision decision = decide(config);
  EXPECT_EQ(decision.mode, GuestMode::kServiceVm);
  EXPECT_EQ(decision.fabric_mode, 0u);
  EXPECT_EQ(decision.rail_policy, wire::RAIL_POLICY_SYMMETRIC);
}

TEST_F(GpuModeTest, FabricManagerSettingsWithoutAFabricChangeNothing) {
  add_gpus(1);
  wire::Config config = config_of(wire::MODE_AUTO);
  config.set_fm_mode(1);
  config.set_fm_rail_policy(wire::RAIL_POLICY_SYMMETRIC);
  EXPECT_EQ(decide(config), (ModeDecision{.mode = GuestMode::kGpu, .gpus = 1}));
}

}  // namespace
}  // namespace ccinit::gpu
