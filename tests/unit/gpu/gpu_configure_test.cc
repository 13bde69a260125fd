#include "helpers/gpu-configurator/configure.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <stdexcept>

#include "common/cmdline_config.h"
#include "common/detected_mode.h"
#include "tests/unit/fake_tool_runner.h"
#include "tests/unit/gpu/gpu_fake_sysfs.h"
#include "tests/unit/helpers/recording_reporter.h"
#include "tests/unit/nvidia_paths_check.h"

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
    if (gpu_extension_) {
      // What PID 1 relays after the extensions helper mounted the GPU extension.
      request.mutable_extensions()->add_mounted("gpu");
      request.mutable_extensions()->set_gpu(true);
    }
    return configure_request(request);
  }
  std::string configure_request(const wire::Request& request) {
    const bool dry_run = request.dry_run();
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
  bool gpu_extension_ = false;
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

// With a fabric the first run loads only the modules the fabric services need, and tells
// PID 1 what it found; the fabric-launcher and the second run follow.
TEST_F(GpuConfigure, Nvlink4GpuVmLoadsTheDriverAndStopsForTheFabric) {
  add_gpus(8);
  add_nvswitches(4);
  EXPECT_EQ(configure_with(""), "");
  EXPECT_EQ(runner_.calls, (Calls{"/sbin/modprobe nvidia", "/sbin/modprobe nvidia-uvm"}));
  ASSERT_TRUE(reporter_.detected());
  EXPECT_EQ(reporter_.detected()->mode(), wire::MODE_NVSWITCH_NVL4);
  EXPECT_EQ(reporter_.detected()->gpus(), 8u);
  EXPECT_EQ(reporter_.detected()->fabric_mode(), 0u);
  EXPECT_EQ(reporter_.detected()->rail_policy(), wire::RAIL_POLICY_GREEDY);
  EXPECT_TRUE(reporter_.has(
      "info: found 8 NVIDIA GPU(s), 4 NVSwitch(es), 0 Mellanox SW_MNG function(s): gpu mode "
      "with an NVLink 4 fabric (FABRIC_MODE=0, PARTITION_RAIL_POLICY=greedy); the "
      "fabric-launcher starts the fabric after these modules"));
}

TEST_F(GpuConfigure, OneGpuOfAFabricPartitionKeepsItsNvlinks) {
  add_gpus(1);
  add_nvswitches(4);
  EXPECT_EQ(configure_with(""), "");
  EXPECT_EQ(runner_.calls, (Calls{"/sbin/modprobe nvidia", "/sbin/modprobe nvidia-uvm"}));
}

TEST_F(GpuConfigure, Nvlink5GpuVmAlsoLoadsTheInfinibandStack) {
  add_gpus(8);
  add_connectx_management_port("c1");
  add_connectx_management_port("c2");
  add_workload_nic("05");
  EXPECT_EQ(configure_with(""), "");
  EXPECT_EQ(runner_.calls, (Calls{"/sbin/modprobe nvidia", "/sbin/modprobe nvidia-uvm",
                                  "/sbin/modprobe ib_umad", "/sbin/modprobe mlx5_ib"}));
  ASSERT_TRUE(reporter_.detected());
  EXPECT_EQ(reporter_.detected()->mode(), wire::MODE_NVSWITCH_NVL5);
  EXPECT_EQ(reporter_.detected()->rail_policy(), wire::RAIL_POLICY_SYMMETRIC);
  EXPECT_EQ(std::vector<std::string>(reporter_.detected()->management_functions().begin(),
                                     reporter_.detected()->management_functions().end()),
            (Calls{"0000:c1:00.0", "0000:c1:00.1", "0000:c2:00.0", "0000:c2:00.1"}));
}

TEST_F(GpuConfigure, ServiceVmsLoadOnlyWhatTheirFabricNeeds) {
  add_nvswitches(4);
  EXPECT_EQ(configure_with("nvrc.mode=servicevm-nvl4"), "");
  EXPECT_EQ(runner_.calls, (Calls{"/sbin/modprobe nvidia"}));
  EXPECT_EQ(reporter_.detected()->fabric_mode(), 1u);

  std::filesystem::remove_all(root_ / "bus/pci/devices");
  std::filesystem::remove_all(root_ / "devices");
  SetUp();
  runner_.calls.clear();
  add_connectx_management_port("c1");
  EXPECT_EQ(configure_with("nvrc.fm.rail.policy=greedy"), "");
  // nvidia.ko is never loaded in the NVLink 5 service VM.
  EXPECT_EQ(runner_.calls, (Calls{"/sbin/modprobe ib_umad", "/sbin/modprobe mlx5_ib"}));
  EXPECT_EQ(reporter_.detected()->mode(), wire::MODE_SERVICEVM_NVL5);
  EXPECT_EQ(reporter_.detected()->rail_policy(), wire::RAIL_POLICY_GREEDY);
}

TEST_F(GpuConfigure, GpuModeWithoutAFabricSendsItsDetectionToo) {
  add_gpus(2);
  EXPECT_EQ(configure_with(""), "");
  ASSERT_TRUE(reporter_.detected());
  EXPECT_EQ(describe_detected(*reporter_.detected()), "gpu: 2 GPU(s)");
  EXPECT_EQ(runner_.calls.back(), "/bin/nvidia-ctk cdi generate --output=/var/run/cdi/nvidia.yaml");
}

TEST_F(GpuConfigure, TheRunAfterTheFabricStartsTheGpuDaemonsOnTheRelayedDecision) {
  // No PCI tree at all: the second run must not scan again.
  std::filesystem::remove_all(root_ / "bus");
  wire::Request request;
  *request.mutable_config() = parse_cmdline("");
  request.set_stage(wire::STAGE_AFTER_FABRIC);
  EXPECT_EQ(configure_request(request),
            "stage after-fabric needs the detected mode, which PID 1 relays");
  wire::Detected& detected = *request.mutable_detected();
  detected.set_mode(wire::MODE_NVSWITCH_NVL4);
  detected.set_gpus(8);
  detected.set_rail_policy(wire::RAIL_POLICY_GREEDY);
  EXPECT_EQ(configure_request(request), "");
  EXPECT_EQ(runner_.calls,
            (Calls{"/bin/nvidia-persistenced --verbose --uvm-persistence-mode",
                   "/bin/nvidia-ctk cdi generate --output=/var/run/cdi/nvidia.yaml"}));

  detected.set_mode(wire::MODE_SERVICEVM_NVL4);
  detected.set_gpus(0);
  EXPECT_EQ(configure_request(request),
            "stage after-fabric is for GPUs with a fabric, not servicevm-nvl4: 0 GPU(s), "
            "FABRIC_MODE=0, PARTITION_RAIL_POLICY=greedy");
  detected.set_mode(wire::MODE_NVSWITCH_NVL5);
  detected.set_gpus(8);
  EXPECT_EQ(configure_request(request), "detected mode nvswitch-nvl5 without management functions");
}

TEST_F(GpuConfigure, EveryFabricTopologyOnATreeIsDetected) {
  struct Case {
    unsigned gpus, nvswitches, sw_mng;
    const char* says;
  };
  for (const Case& c :
       {Case{0, 4, 0, "servicevm-nvl4 (FABRIC_MODE=1, PARTITION_RAIL_POLICY=greedy); the"},
        Case{8, 0, 4, "NVLink 5 fabric (FABRIC_MODE=0, PARTITION_RAIL_POLICY=symmetric); the"},
        Case{0, 0, 4, "servicevm-nvl5 (FABRIC_MODE=1, PARTITION_RAIL_POLICY=symmetric); the"},
        // No exact counts: a partition's share is a fabric too.
        Case{8, 3, 0, "NVLink 4 fabric (FABRIC_MODE=0"},
        Case{1, 0, 4, "NVLink 5 fabric (FABRIC_MODE=0"}}) {
    std::filesystem::remove_all(root_ / "bus/pci/devices");
    std::filesystem::remove_all(root_ / "devices");
    SetUp();
    reporter_.lines.clear();
    add_gpus(c.gpus);
    add_nvswitches(c.nvswitches);
    add_sw_mng(c.sw_mng);
    EXPECT_EQ(configure_with(""), "") << c.says;
    EXPECT_TRUE(std::any_of(
        reporter_.lines.begin(), reporter_.lines.end(),
        [&](const std::string& line) { return line.find(c.says) != std::string::npos; }))
        << c.says;
  }
}

TEST_F(GpuConfigure, MixedFabricIsRefusedBeforeAnythingRuns) {
  add_gpus(8);
  add_nvswitches(4);
  add_sw_mng(4);
  EXPECT_NE(configure_with("").find("mixed NVLink fabric: found 8 NVIDIA GPU(s), 4 NVSwitch"),
            std::string::npos);
  EXPECT_TRUE(runner_.calls.empty());
  EXPECT_FALSE(reporter_.detected());
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

// --- with the GPU extension (Request.extensions.gpu) -------------------------------------------

const std::string kExt = "/run/kata-extensions/gpu";
const std::string kExtModprobe = "/sbin/modprobe --dirname /run/kata-extensions/gpu ";
const std::string kExtCdi =
    "/run/kata-extensions/gpu/bin/nvidia-ctk cdi generate --output=/var/run/cdi/nvidia.yaml "
    "--driver-root=/run/kata-extensions/gpu --dev-root=/ "
    "--nvidia-cdi-hook-path=/run/kata-extensions/gpu/bin/nvidia-cdi-hook";
// The guest's own paths the tools are told about; every other path is the extension's.
const std::set<std::string> kGuestPaths = {"/sbin/modprobe", "/var/run/cdi/nvidia.yaml", "/",
                                           "/tmp"};

TEST_F(GpuConfigure, WithTheGpuExtensionGpuModeRunsTheDriverFromIt) {
  gpu_extension_ = true;
  add_gpus(8);
  dir_.write("dev/tdx_guest", "");
  std::string all_on;
  for (int i = 0; i < 8; ++i) all_on += "CC status: ON\n";
  runner_.results[kExt + "/bin/nvidia-smi conf-compute -f"] = FakeRunner::exit_status(0, all_on);
  EXPECT_EQ(configure_with("nvrc.dcgm=on nvrc.smi.lgc=1500 nvrc.smi.lmc=5001 nvrc.smi.pl=300 "
                           "nvrc.smi.srs=1"),
            "");
  EXPECT_EQ(runner_.calls,
            (Calls{kExtModprobe + "nvidia", kExtModprobe + "nvidia-uvm",
                   kExt + "/bin/nvidia-persistenced --verbose --uvm-persistence-mode",
                   kExt + "/bin/nvidia-smi -lmc 5001", kExt + "/bin/nvidia-smi -lgc 1500",
                   kExt + "/bin/nvidia-smi -pl 300",
                   kExt + "/bin/nv-hostengine --service-account nvidia-dcgm --home-dir /tmp",
                   kExt + "/bin/dcgm-exporter -r localhost:5555 -f " + kExt +
                       "/etc/dcgm-exporter/default-counters.csv",
                   kExtCdi, kExt + "/bin/nvidia-smi conf-compute -f",
                   kExt + "/bin/nvidia-smi conf-compute -srs 1"}));
  EXPECT_EQ(ccinit::testing::paths_not_from(runner_.calls, kExt, kGuestPaths),
            std::vector<std::string>{});
  EXPECT_TRUE(reporter_.has(
      "info: NVIDIA driver, tools and modules from the GPU extension at /run/kata-extensions/gpu"));
}

TEST_F(GpuConfigure, WithTheGpuExtensionOneGpuStillDisablesNvlink) {
  gpu_extension_ = true;
  add_gpus(1);
  EXPECT_EQ(configure_with(""), "");
  EXPECT_EQ(runner_.calls,
            (Calls{kExtModprobe + "nvidia NVreg_NvLinkDisable=1", kExtModprobe + "nvidia-uvm",
                   kExt + "/bin/nvidia-persistenced --verbose --uvm-persistence-mode", kExtCdi}));
}

TEST_F(GpuConfigure, AnExtensionsReportWithoutTheGpuExtensionKeepsTheBasePaths) {
  add_gpus(1);
  wire::Request request;
  *request.mutable_config() = parse_cmdline("");
  request.mutable_extensions()->add_mounted("coco");
  EXPECT_EQ(configure_request(request), "");
  EXPECT_EQ(runner_.calls,
            (Calls{"/sbin/modprobe nvidia NVreg_NvLinkDisable=1", "/sbin/modprobe nvidia-uvm",
                   "/bin/nvidia-persistenced --verbose --uvm-persistence-mode",
                   "/bin/nvidia-ctk cdi generate --output=/var/run/cdi/nvidia.yaml"}));
  EXPECT_FALSE(reporter_.has_containing("GPU extension"));
}

// The fabric's first run: nvidia* modules from the extension, the InfiniBand stack from the
// base kernel.
TEST_F(GpuConfigure, WithTheGpuExtensionFabricModulesLoadFromItsTreeExceptInfiniband) {
  gpu_extension_ = true;
  add_gpus(8);
  add_nvswitches(4);
  EXPECT_EQ(configure_with(""), "");
  EXPECT_EQ(runner_.calls, (Calls{kExtModprobe + "nvidia", kExtModprobe + "nvidia-uvm"}));

  auto fresh_tree = [&] {
    std::filesystem::remove_all(root_ / "bus/pci/devices");
    std::filesystem::remove_all(root_ / "devices");
    SetUp();
    runner_.calls.clear();
  };
  fresh_tree();
  add_gpus(8);
  add_connectx_management_port("c1");
  EXPECT_EQ(configure_with(""), "");
  EXPECT_EQ(runner_.calls, (Calls{kExtModprobe + "nvidia", kExtModprobe + "nvidia-uvm",
                                  "/sbin/modprobe ib_umad", "/sbin/modprobe mlx5_ib"}));

  fresh_tree();
  add_nvswitches(4);
  EXPECT_EQ(configure_with("nvrc.mode=servicevm-nvl4"), "");
  EXPECT_EQ(runner_.calls, (Calls{kExtModprobe + "nvidia"}));

  fresh_tree();
  add_connectx_management_port("c1");
  EXPECT_EQ(configure_with(""), "");
  EXPECT_EQ(runner_.calls, (Calls{"/sbin/modprobe ib_umad", "/sbin/modprobe mlx5_ib"}));
}

TEST_F(GpuConfigure, WithTheGpuExtensionTheRunAfterTheFabricStartsItsDaemons) {
  std::filesystem::remove_all(root_ / "bus");
  wire::Request request;
  *request.mutable_config() = parse_cmdline("nvrc.dcgm=on");
  request.set_stage(wire::STAGE_AFTER_FABRIC);
  request.mutable_extensions()->add_mounted("gpu");
  request.mutable_extensions()->set_gpu(true);
  wire::Detected& detected = *request.mutable_detected();
  detected.set_mode(wire::MODE_NVSWITCH_NVL4);
  detected.set_gpus(8);
  detected.set_rail_policy(wire::RAIL_POLICY_GREEDY);
  EXPECT_EQ(configure_request(request), "");
  EXPECT_EQ(runner_.calls,
            (Calls{kExt + "/bin/nvidia-persistenced --verbose --uvm-persistence-mode",
                   kExt + "/bin/nv-hostengine --service-account nvidia-dcgm --home-dir /tmp",
                   kExt + "/bin/dcgm-exporter -r localhost:5555 -f " + kExt +
                       "/etc/dcgm-exporter/default-counters.csv",
                   kExtCdi}));
  EXPECT_EQ(ccinit::testing::paths_not_from(runner_.calls, kExt, kGuestPaths),
            std::vector<std::string>{});
}

TEST_F(GpuConfigure, DryRunWithTheGpuExtensionPrintsItsPaths) {
  gpu_extension_ = true;
  add_gpus(1);
  EXPECT_EQ(configure_with("nvrc.dcgm=on", true), "");
  EXPECT_EQ(infos(),
            (Calls{"NVIDIA driver, tools and modules from the GPU extension at "
                   "/run/kata-extensions/gpu",
                   "found 1 NVIDIA GPU(s), 0 NVSwitch(es), 0 Mellanox SW_MNG function(s): gpu mode",
                   "would run: " + kExtModprobe + "nvidia NVreg_NvLinkDisable=1",
                   "would run: " + kExtModprobe + "nvidia-uvm",
                   "would start: " + kExt +
                       "/bin/nvidia-persistenced --verbose --uvm-persistence-mode and wait up to "
                       "600 s for its launcher to exit 0 or 'Local RPC services initialized' in "
                       "syslog",
                   "would start: " + kExt +
                       "/bin/nv-hostengine --service-account nvidia-dcgm --home-dir /tmp",
                   "would start: " + kExt + "/bin/dcgm-exporter -r localhost:5555 -f " + kExt +
                       "/etc/dcgm-exporter/default-counters.csv",
                   "would run: " + kExtCdi}));
  EXPECT_TRUE(runner_.calls.empty());
}

}  // namespace
}  // namespace ccinit::gpu
