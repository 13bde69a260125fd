#include "helpers/gpu-configurator/configure.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <stdexcept>

#include "common/cmdline_config.h"
#include "tests/unit/fake_tool_runner.h"
#include "tests/unit/gpu/gpu_fake_sysfs.h"
#include "tests/unit/helpers/recording_reporter.h"

namespace ccinit::gpu {
namespace {

using ccinit::testing::FakeRunner;
using ccinit::testing::RecordingReporter;
using Calls = std::vector<std::string>;

class GpuConfigure : public testing::FakeSysfs {
 protected:
  void SetUp() override {
    FakeSysfs::SetUp();
    std::filesystem::create_directories(dev_);
  }
  std::string configure_with(const std::string& cmdline, bool dry_run = false) {
    wire::Request request;
    *request.mutable_config() = parse_cmdline(cmdline);
    request.set_dry_run(dry_run);
    try {
      if (dry_run) {
        tools::DryRunRunner dry([this](const std::string& line) { reporter_.info(line); });
        configure(request, reporter_, HostPaths{root(), dev_.string()}, dry);
      } else {
        configure(request, reporter_, HostPaths{root(), dev_.string()}, runner_);
      }
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    return "";
  }
  std::vector<std::string> infos() const {
    std::vector<std::string> out;
    for (const std::string& line : reporter_.lines)
      if (line.starts_with("info: ")) out.push_back(line.substr(6));
    return out;
  }

  const std::filesystem::path dev_ = root_ / "dev";
  FakeRunner runner_;
  RecordingReporter reporter_;
};

TEST_F(GpuConfigure, NoNvidiaHardwareIsCpuModeAndRunsNothing) {
  add_device("0000:00:00.0", "0x8086\n", "0x060000\n");
  EXPECT_EQ(configure_with(""), "");
  EXPECT_TRUE(reporter_.has("info: no NVIDIA GPU or NVSwitch: cpu mode"));
  EXPECT_TRUE(reporter_.has("step detect-mode done"));
  EXPECT_TRUE(runner_.calls.empty());
  EXPECT_EQ(configure_with("nvrc.mode=cpu"), "");
  EXPECT_TRUE(reporter_.has("info: nvrc.mode=cpu: nothing to configure"));
}

TEST_F(GpuConfigure, OneGpuRunsTheGpuSteps) {
  add_gpus(1);
  EXPECT_EQ(configure_with(""), "");
  EXPECT_TRUE(reporter_.has(
      "info: found 1 NVIDIA GPU(s), 0 NVSwitch(es), 0 Mellanox SW_MNG function(s): gpu mode"));
  ASSERT_FALSE(runner_.calls.empty());
  EXPECT_EQ(runner_.calls.front(), "/sbin/modprobe nvidia NVreg_NvLinkDisable=1");
}

TEST_F(GpuConfigure, ConfidentialGuestsAreFoundByTheirGuestDevice) {
  add_gpus(8);
  for (const char* device : {"tdx_guest", "sev-guest"}) {
    SCOPED_TRACE(device);
    runner_.calls.clear();
    dir_.write(std::filesystem::path("dev") / device, "");
    std::string all_on;
    for (int i = 0; i < 8; ++i) all_on += "CC status: ON\n";
    runner_.results["/bin/nvidia-smi conf-compute -f"] = FakeRunner::exit_status(0, all_on);
    EXPECT_EQ(configure_with(""), "");
    EXPECT_NE(
        std::find(runner_.calls.begin(), runner_.calls.end(), "/bin/nvidia-smi conf-compute -f"),
        runner_.calls.end());
    std::filesystem::remove(dev_ / device);
  }
}

TEST_F(GpuConfigure, FabricTopologyIsRefusedBeforeAnythingRuns) {
  add_gpus(8);
  add_nvswitches(4);
  EXPECT_EQ(configure_with(""),
            "found 8 NVIDIA GPU(s), 4 NVSwitch(es), 0 Mellanox SW_MNG function(s): gpu mode with "
            "an NVLink 4 fabric (FABRIC_MODE=0, PARTITION_RAIL_POLICY=greedy) needs "
            "fabric-launcher, not implemented yet");
  EXPECT_TRUE(runner_.calls.empty());
  EXPECT_FALSE(reporter_.has("step detect-mode done"));
}

TEST_F(GpuConfigure, EveryFabricTopologyOnATreeIsDetected) {
  struct Case {
    unsigned gpus, nvswitches, sw_mng;
    const char* says;
  };
  for (const Case& c :
       {Case{0, 4, 0, "servicevm-nvl4 (FABRIC_MODE=1, PARTITION_RAIL_POLICY=greedy) needs"},
        Case{8, 0, 4, "NVLink 5 fabric (FABRIC_MODE=0, PARTITION_RAIL_POLICY=symmetric) needs"},
        Case{0, 0, 4, "servicevm-nvl5 (FABRIC_MODE=1, PARTITION_RAIL_POLICY=symmetric) needs"},
        // No exact counts: a partition's share is a fabric too.
        Case{8, 3, 0, "NVLink 4 fabric (FABRIC_MODE=0"},
        Case{1, 0, 4, "NVLink 5 fabric (FABRIC_MODE=0"},
        Case{8, 4, 4, "mixed NVLink fabric: found 8 NVIDIA GPU(s), 4 NVSwitch"}}) {
    std::filesystem::remove_all(root_ / "bus/pci/devices");
    std::filesystem::remove_all(root_ / "devices");
    SetUp();
    add_gpus(c.gpus);
    add_nvswitches(c.nvswitches);
    add_sw_mng(c.sw_mng);
    EXPECT_NE(configure_with("").find(c.says), std::string::npos) << c.says;
  }
  EXPECT_TRUE(runner_.calls.empty());
}

TEST_F(GpuConfigure, ExplicitModesAreCheckedOnTheTree) {
  EXPECT_EQ(configure_with("nvrc.mode=gpu"),
            "nvrc.mode=gpu but found 0 NVIDIA GPU(s), 0 NVSwitch(es), 0 Mellanox SW_MNG "
            "function(s)");
  add_gpus(2);
  EXPECT_NE(configure_with("nvrc.mode=cpu").find("nvrc.mode=cpu but found 2 NVIDIA GPU(s)"),
            std::string::npos);
  EXPECT_TRUE(runner_.calls.empty());
  EXPECT_EQ(configure_with("nvrc.mode=gpu"), "");
  EXPECT_EQ(runner_.calls.front(), "/sbin/modprobe nvidia");
}

TEST_F(GpuConfigure, DryRunPrintsTheExactCommandsAndRunsNothing) {
  add_gpus(1);
  dir_.write("dev/tdx_guest", "");
  EXPECT_EQ(configure_with("nvrc.dcgm=on nvrc.smi.lgc=1500 nvrc.smi.srs=1", true), "");
  EXPECT_EQ(infos(),
            (Calls{"found 1 NVIDIA GPU(s), 0 NVSwitch(es), 0 Mellanox SW_MNG function(s): gpu mode "
                   "in a confidential guest",
                   "would run: /sbin/modprobe nvidia NVreg_NvLinkDisable=1",
                   "would run: /sbin/modprobe nvidia-uvm",
                   "would start: /bin/nvidia-persistenced --verbose --uvm-persistence-mode and "
                   "wait up to 600 s for its launcher to exit 0 or 'Local RPC services "
                   "initialized' in syslog",
                   "would run: /bin/nvidia-smi -lgc 1500",
                   "would start: /bin/nv-hostengine --service-account nvidia-dcgm --home-dir /tmp",
                   "would start: /bin/dcgm-exporter -r localhost:5555 -f "
                   "/etc/dcgm-exporter/default-counters.csv",
                   "would run: /bin/nvidia-ctk cdi generate --output=/var/run/cdi/nvidia.yaml",
                   "would run: /bin/nvidia-smi conf-compute -f",
                   "would check that every GPU reports exactly 'CC status: ON'",
                   "would run: /bin/nvidia-smi conf-compute -srs 1"}));
  EXPECT_FALSE(reporter_.has_containing("daemon ")) << "nothing was started";
  EXPECT_TRUE(runner_.calls.empty());
}

}  // namespace
}  // namespace ccinit::gpu
