#include "common/detected_mode.h"

#include <gtest/gtest.h>

#include "common/cmdline_config.h"

namespace ccinit {
namespace {

wire::Detected nvl5_gpu_vm() {
  wire::Detected d;
  d.set_mode(wire::MODE_NVSWITCH_NVL5);
  d.set_gpus(8);
  d.set_rail_policy(wire::RAIL_POLICY_SYMMETRIC);
  d.add_management_functions("0000:c1:00.0");
  d.add_management_functions("0000:c1:00.1");
  return d;
}

std::string error_of(const wire::Config& config, const wire::Detected& d) {
  try {
    check_detected(config, d);
  } catch (const DetectedError& e) {
    return e.what();
  }
  return "";
}

TEST(DetectedMode, ADecisionForTheConfigIsAccepted) {
  EXPECT_EQ(error_of(parse_cmdline(""), nvl5_gpu_vm()), "");
  EXPECT_EQ(error_of(parse_cmdline("nvrc.mode=nvswitch-nvl5"), nvl5_gpu_vm()), "");
  EXPECT_EQ(describe_detected(nvl5_gpu_vm()),
            "nvswitch-nvl5: 8 GPU(s), FABRIC_MODE=0, PARTITION_RAIL_POLICY=symmetric, "
            "management functions 0000:c1:00.0 0000:c1:00.1");
  EXPECT_TRUE(has_fabric(nvl5_gpu_vm()));
  EXPECT_TRUE(is_nvlink5(nvl5_gpu_vm()));
  wire::Detected cpu;
  cpu.set_mode(wire::MODE_CPU);
  EXPECT_EQ(error_of(parse_cmdline(""), cpu), "");
  EXPECT_FALSE(has_fabric(cpu));
}

// PID 1 relays what one helper says to the next: whatever does not fit is refused, naming it.
TEST(DetectedMode, AnInconsistentDecisionIsRefused) {
  const wire::Config automatic = parse_cmdline("");
  wire::Detected d = nvl5_gpu_vm();
  d.set_mode(wire::MODE_AUTO);
  EXPECT_EQ(error_of(automatic, d), "detected mode is not a concrete mode (0)");
  d.set_mode(static_cast<wire::Mode>(42));
  EXPECT_EQ(error_of(automatic, d), "detected mode is not a concrete mode (42)");

  EXPECT_EQ(error_of(parse_cmdline("nvrc.mode=nvswitch-nvl4"), nvl5_gpu_vm()),
            "detected mode nvswitch-nvl5 differs from nvrc.mode=nvswitch-nvl4");
  d = nvl5_gpu_vm();
  d.set_gpus(0);
  EXPECT_EQ(error_of(automatic, d), "detected mode nvswitch-nvl5 with 0 GPU(s)");
  d = nvl5_gpu_vm();
  d.set_fabric_mode(3);
  EXPECT_EQ(error_of(automatic, d),
            "detected mode nvswitch-nvl5 with FABRIC_MODE=3 (expected 0, 1 or 2)");
  d = nvl5_gpu_vm();
  d.set_rail_policy(wire::RAIL_POLICY_UNSET);
  EXPECT_EQ(error_of(automatic, d), "detected mode nvswitch-nvl5 without a rail policy");
  d = nvl5_gpu_vm();
  d.clear_management_functions();
  EXPECT_EQ(error_of(automatic, d), "detected mode nvswitch-nvl5 without management functions");
  d.add_management_functions("0000:c1:00.1\n<3>forged");
  EXPECT_EQ(error_of(automatic, d),
            "detected mode nvswitch-nvl5: management function '0000:c1:00.1\\x0a<3>forged' is "
            "not a PCI address like 0000:c1:00.1");
  d = nvl5_gpu_vm();
  for (int i = 0; i < kMaxManagementFunctions; ++i) d.add_management_functions("0000:c1:00.1");
  EXPECT_EQ(error_of(automatic, d),
            "detected mode nvswitch-nvl5 names 34 management functions (at most 32)");

  wire::Detected gpu;
  gpu.set_mode(wire::MODE_GPU);
  gpu.set_gpus(1);
  gpu.set_rail_policy(wire::RAIL_POLICY_GREEDY);
  EXPECT_EQ(error_of(automatic, gpu),
            "detected mode gpu has no fabric but sets FABRIC_MODE or a rail policy");
  gpu.set_rail_policy(wire::RAIL_POLICY_UNSET);
  gpu.add_management_functions("0000:c1:00.1");
  EXPECT_EQ(error_of(automatic, gpu),
            "detected mode gpu names management functions, which only NVLink 5 has");
}

// What gpu-configurator prints is what a hand-run helper takes back.
TEST(DetectedMode, TheTextGpuConfiguratorPrintsParsesBack) {
  wire::Detected gpu;
  gpu.set_mode(wire::MODE_GPU);
  gpu.set_gpus(2);
  wire::Detected service;
  service.set_mode(wire::MODE_SERVICEVM_NVL4);
  service.set_fabric_mode(1);
  service.set_rail_policy(wire::RAIL_POLICY_GREEDY);
  for (const wire::Detected& d : {nvl5_gpu_vm(), gpu, service}) {
    const std::string text = describe_detected(d);
    EXPECT_EQ(parse_detected(text).SerializeAsString(), d.SerializeAsString()) << text;
  }
}

TEST(DetectedMode, AnyOtherTextIsRefusedQuotingIt) {
  auto error = [](std::string_view text) {
    try {
      parse_detected(text);
    } catch (const DetectedError& e) {
      const std::string what = e.what();
      return what.substr(0, what.find(" (expected"));
    }
    return std::string("accepted");
  };
  EXPECT_EQ(error(""), "--detected '': no mode");
  EXPECT_EQ(error("auto: 0 GPU(s)"), "--detected 'auto: 0 GPU(s)': no mode");
  EXPECT_EQ(error("GPU: 1 GPU(s)"), "--detected 'GPU: 1 GPU(s)': no mode");
  EXPECT_EQ(error("gpu: 01 GPU(s)"), "--detected 'gpu: 01 GPU(s)': no GPU count");
  EXPECT_EQ(error("gpu: 4294967296 GPU(s)"), "--detected 'gpu: 4294967296 GPU(s)': no GPU count");
  EXPECT_EQ(error("gpu: 1 GPUs"), "--detected 'gpu: 1 GPUs': no GPU count");
  EXPECT_EQ(error("gpu: 1 GPU(s) "), "--detected 'gpu: 1 GPU(s) ': unexpected ' '");
  EXPECT_EQ(error("servicevm-nvl4: 0 GPU(s), FABRIC_MODE=1"),
            "--detected 'servicevm-nvl4: 0 GPU(s), FABRIC_MODE=1': no PARTITION_RAIL_POLICY");
  EXPECT_EQ(error("servicevm-nvl4: 0 GPU(s), FABRIC_MODE=1, PARTITION_RAIL_POLICY=unset"),
            "--detected 'servicevm-nvl4: 0 GPU(s), FABRIC_MODE=1, PARTITION_RAIL_POLICY=unset': "
            "bad PARTITION_RAIL_POLICY");
  EXPECT_EQ(error("servicevm-nvl5: 0 GPU(s), FABRIC_MODE=1, PARTITION_RAIL_POLICY=symmetric, "
                  "management functions"),
            "--detected 'servicevm-nvl5: 0 GPU(s), FABRIC_MODE=1, "
            "PARTITION_RAIL_POLICY=symmetric, management functions': no management function "
            "listed");
  EXPECT_EQ(error("gpu: 1 GPU(s)\n"), "--detected 'gpu: 1 GPU(s)\\x0a': unexpected '\\x0a'");
}

}  // namespace
}  // namespace ccinit
