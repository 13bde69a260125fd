#include "helpers/fabric-launcher/launch.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/file_io.h"
#include "tests/unit/fabric/fake_infiniband.h"
#include "tests/unit/fake_tool_runner.h"
#include "tests/unit/helpers/recording_reporter.h"
#include "tests/unit/nvidia_paths_check.h"

namespace ccinit::fabric {
namespace {

using namespace std::chrono_literals;
using ccinit::testing::FakeRunner;
using ccinit::testing::RecordingReporter;

constexpr char kStock[] =
    "# stock\n"
    "LOG_LEVEL=4\n"
    "LOG_FILE_NAME=/var/log/fabricmanager.log\n"
    "DAEMONIZE=1\n"
    "FABRIC_MODE=0\n";

// The GPU extension's stock file differs from the base image's, so a test sees which was read.
constexpr char kExtensionStock[] =
    "# the GPU extension's stock\n"
    "LOG_LEVEL=4\n"
    "DAEMONIZE=1\n"
    "TOPOLOGY_FILE_PATH=/usr/share/nvidia/nvswitch\n";

constexpr char kExt[] = "/run/kata-extensions/gpu";

constexpr char kGuid[] = "0xb83fd20300a1b2c3";

std::string smi_q(const std::string& state, const std::string& status, unsigned gpus) {
  std::string out = "Attached GPUs : " + std::to_string(gpus) + "\n";
  for (unsigned i = 0; i < gpus; ++i)
    out += "GPU 00000000:" + std::to_string(10 + i) +
           ":00.0\n    Fabric\n        State : " + state + "\n        Status : " + status + "\n";
  return out;
}

// The launcher on fake trees (sysfs, /run, the stock config) with a fake runner and clock.
class FabricLaunch : public testing::FakeInfiniband {
 protected:
  void SetUp() override {
    FakeInfiniband::SetUp();
    std::filesystem::create_directories(dir_.path() + "/run");
    paths_.sysfs_root = root();
    paths_.run_dir = dir_.path() + "/run";
    // The image the NVIDIA files are read from: the base image's stock config and the GPU
    // extension's, at their guest paths below it.
    paths_.nvidia_files_root = dir_.path() + "/image";
    for (const nvidia::NvidiaPaths& where : {nvidia::NvidiaPaths(false), nvidia::NvidiaPaths(true)})
      std::filesystem::create_directories(paths_.nvidia_files_root + where.fm_topology_dir());
    stock_ = dir_.write("image/usr/share/nvidia/nvswitch/fabricmanager.cfg", kStock).string();
    extension_stock_ =
        dir_.write(std::string("image") + kExt + "/usr/share/nvidia/nvswitch/fabricmanager.cfg",
                   kExtensionStock)
            .string();
    clock_.now = [this] { return now_; };
    clock_.sleep = [this](std::chrono::milliseconds d) {
      slept_.push_back(d);
      now_ += d;
    };
  }

  wire::Request request(wire::Mode mode, unsigned gpus, unsigned fabric_mode,
                        wire::RailPolicy rail) {
    wire::Request r;
    wire::Detected* detected = r.mutable_detected();
    detected->set_mode(mode);
    detected->set_gpus(gpus);
    detected->set_fabric_mode(fabric_mode);
    detected->set_rail_policy(rail);
    if (gpu_extension_) {
      r.mutable_extensions()->add_mounted("gpu");
      r.mutable_extensions()->set_gpu(true);
    }
    if (mode == wire::MODE_NVSWITCH_NVL5 || mode == wire::MODE_SERVICEVM_NVL5) {
      // A workload NIC sorts first; the management PF's port is the one chosen.
      add_device_with_port("mlx5_0", "0000:0a:00.0",
                           {.link_layer = "InfiniBand\n",
                            .cap_mask = "0x2651e84a\n",
                            .gid0 = "fe80:0000:0000:0000:0000:0000:0000:0001\n"});
      add_device_with_port("mlx5_4", "0000:c1:00.1");
      detected->add_management_functions("0000:c1:00.1");
    }
    return r;
  }

  void launch(const wire::Request& r) { launch_fabric(r, reporter_, paths_, runner_, clock_); }
  std::string error_of(const wire::Request& r) {
    try {
      launch(r);
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    return "(no error)";
  }
  std::vector<std::string> steps() const {
    std::vector<std::string> out;
    for (const std::string& line : reporter_.lines)
      if (line.starts_with("step ") && line.ends_with(" started"))
        out.push_back(line.substr(5, line.size() - 5 - 8));
    return out;
  }
  std::string run(const std::string& file) const { return paths_.run_dir + "/" + file; }
  std::string fm_command(bool with_guid) const {
    return "/bin/nv-fabricmanager -c " + run("fabricmanager.cfg") +
           (with_guid ? std::string(" -g ") + kGuid : "");
  }
  static std::string nvlsm_command() {
    return std::string("/bin/nvlsm -F /usr/share/nvidia/nvlsm/nvlsm.conf -g ") + kGuid +
           " -f stdout";
  }
  std::string written_config() const { return read_file(run("fabricmanager.cfg")); }
  static std::string config_for(unsigned fabric_mode, const std::string& rail) {
    return "# stock\nLOG_LEVEL=4\nLOG_FILE_NAME=\nDAEMONIZE=0\nFABRIC_MODE=" +
           std::to_string(fabric_mode) + "\nPARTITION_RAIL_POLICY=" + rail + "\nLOG_USE_SYSLOG=1\n";
  }
  void fabric_states(const std::vector<std::string>& outputs) {
    for (const std::string& output : outputs)
      runner_.result_sequence["/bin/nvidia-smi -q"].push_back(FakeRunner::exit_status(0, output));
  }

  LauncherPaths paths_;
  std::string stock_, extension_stock_;
  bool gpu_extension_ = false;
  WaitClock clock_;
  std::chrono::steady_clock::time_point now_{};
  std::vector<std::chrono::milliseconds> slept_;
  FakeRunner runner_;
  RecordingReporter reporter_;
};

TEST_F(FabricLaunch, Nvl4GpuVmWritesTheConfigStartsFabricManagerAndWaitsForTheGpus) {
  fabric_states({smi_q("Completed", "Success", 8)});
  launch(request(wire::MODE_NVSWITCH_NVL4, 8, 0, wire::RAIL_POLICY_GREEDY));
  EXPECT_EQ(runner_.calls, (std::vector<std::string>{fm_command(false), "/bin/nvidia-smi -q"}));
  EXPECT_EQ(runner_.captured, std::vector<bool>{true}) << "nvidia-smi -q is captured";
  EXPECT_EQ(steps(),
            (std::vector<std::string>{"write-fabricmanager-config", "start-nv-fabricmanager",
                                      "wait-gpu-fabric", "health-check"}));
  EXPECT_EQ(written_config(), config_for(0, "greedy"));
  struct stat st {};
  ASSERT_EQ(::stat(run("fabricmanager.cfg").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0400u);
  const tools::DaemonReadiness& fm = runner_.daemon_readiness.at("nv-fabricmanager");
  EXPECT_EQ(fm.syslog_line, "FM starting NvLink Inband");
  EXPECT_EQ(fm.socket_path, "");
  EXPECT_EQ(fm.timeout, 120s);
  EXPECT_EQ(fm.timeout_setting, "nvrc.timeout.fabricmanager");
  EXPECT_TRUE(reporter_.has("daemon nv-fabricmanager 100"));
  EXPECT_TRUE(
      reporter_.has("info: NVLink fabric registration Completed with Success on all 8 GPU(s)"));
  EXPECT_EQ(runner_.checked, std::set<pid_t>{100}) << "health-checked";
  EXPECT_FALSE(std::filesystem::exists(run("nvidia-fabricmanager"))) << "no NVLSM on NVLink 4";
}

TEST_F(FabricLaunch, Nvl5GpuVmStartsNvlsmOnTheManagementPortFirst) {
  fabric_states({smi_q("Completed", "Success", 8)});
  launch(request(wire::MODE_NVSWITCH_NVL5, 8, 0, wire::RAIL_POLICY_SYMMETRIC));
  EXPECT_EQ(runner_.calls,
            (std::vector<std::string>{nvlsm_command(), fm_command(true), "/bin/nvidia-smi -q"}));
  EXPECT_EQ(steps(),
            (std::vector<std::string>{"find-fabric-port", "create-nvlsm-socket-dir", "start-nvlsm",
                                      "write-fabricmanager-config", "start-nv-fabricmanager",
                                      "wait-gpu-fabric", "health-check"}));
  struct stat st {};
  ASSERT_EQ(::lstat(run("nvidia-fabricmanager").c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0755u & ~static_cast<unsigned>(::umask(022)));
  const tools::DaemonReadiness& nvlsm = runner_.daemon_readiness.at("nvlsm");
  EXPECT_EQ(nvlsm.socket_path, run("nvidia-fabricmanager/fm_sm_ipc.socket"));
  EXPECT_EQ(nvlsm.syslog_line, "");
  EXPECT_EQ(nvlsm.timeout, 60s);
  EXPECT_EQ(nvlsm.timeout_setting, "nvrc.timeout.nvlsm");
  EXPECT_EQ(written_config(), config_for(0, "symmetric"));
  EXPECT_TRUE(reporter_.has("daemon nvlsm 100"));
  EXPECT_TRUE(reporter_.has("daemon nv-fabricmanager 101"));
  EXPECT_TRUE(reporter_.has_containing("NVLink 5 management port: mlx5_4 (0000:c1:00.1) port 1"));
  EXPECT_EQ(runner_.checked, (std::set<pid_t>{100, 101}));
}

TEST_F(FabricLaunch, ServiceVmNvl4RunsOnlyFabricManagerInSharedNvSwitchMode) {
  launch(request(wire::MODE_SERVICEVM_NVL4, 0, 1, wire::RAIL_POLICY_GREEDY));
  EXPECT_EQ(runner_.calls, std::vector<std::string>{fm_command(false)});
  EXPECT_EQ(written_config(), config_for(1, "greedy"));
  EXPECT_EQ(steps(), (std::vector<std::string>{"write-fabricmanager-config",
                                               "start-nv-fabricmanager", "health-check"}));
}

TEST_F(FabricLaunch, ServiceVmNvl5RunsNvlsmAndFabricManagerWithoutGpuChecks) {
  launch(request(wire::MODE_SERVICEVM_NVL5, 0, 1, wire::RAIL_POLICY_SYMMETRIC));
  EXPECT_EQ(runner_.calls, (std::vector<std::string>{nvlsm_command(), fm_command(true)}));
  EXPECT_EQ(written_config(), config_for(1, "symmetric"));
}

// nvrc.fm.mode / nvrc.fm.rail.policy reach the launcher through gpu-configurator's decision;
// the timeouts come from the command line.
TEST_F(FabricLaunch, OverridesOfModeRailPolicyAndTimeoutsAreUsed) {
  wire::Request r = request(wire::MODE_SERVICEVM_NVL5, 0, 0, wire::RAIL_POLICY_GREEDY);
  for (auto [name, seconds] : {std::pair{"fabricmanager", 300u}, std::pair{"nvlsm", 5u}}) {
    wire::HelperTimeout* timeout = r.mutable_config()->add_timeouts();
    timeout->set_name(name);
    timeout->set_seconds(seconds);
  }
  launch(r);
  EXPECT_EQ(written_config(), config_for(0, "greedy"));
  EXPECT_EQ(runner_.daemon_readiness.at("nv-fabricmanager").timeout, 300s);
  EXPECT_EQ(runner_.daemon_readiness.at("nvlsm").timeout, 5s);
}

TEST_F(FabricLaunch, ARequestWithoutTheDetectedModeIsRefused) {
  wire::Request r;
  EXPECT_EQ(error_of(r),
            "no mode decision in the request: the fabric-launcher acts on the mode "
            "gpu-configurator detected, which PID 1 relays, and cannot detect it itself (run it "
            "through `ccinit --dry-run`)");
  EXPECT_TRUE(runner_.calls.empty());
}

TEST_F(FabricLaunch, AModeWithoutAFabricOrInconsistentIsRefused) {
  EXPECT_EQ(error_of(request(wire::MODE_GPU, 8, 0, wire::RAIL_POLICY_UNSET)),
            "the detected mode gpu: 8 GPU(s) has no fabric");
  EXPECT_EQ(error_of(request(wire::MODE_CPU, 0, 0, wire::RAIL_POLICY_UNSET)),
            "the detected mode cpu: 0 GPU(s) has no fabric");
  EXPECT_EQ(error_of(request(wire::MODE_NVSWITCH_NVL4, 0, 0, wire::RAIL_POLICY_GREEDY)),
            "detected mode nvswitch-nvl4 with 0 GPU(s)");
  EXPECT_EQ(error_of(request(wire::MODE_SERVICEVM_NVL4, 2, 1, wire::RAIL_POLICY_GREEDY)),
            "detected mode servicevm-nvl4 with 2 GPU(s)");
  EXPECT_EQ(error_of(request(wire::MODE_SERVICEVM_NVL4, 0, 1, wire::RAIL_POLICY_UNSET)),
            "detected mode servicevm-nvl4 without a rail policy");
  EXPECT_TRUE(runner_.calls.empty());
}

TEST_F(FabricLaunch, NoQualifyingPortIsFatalBeforeAnythingStarts) {
  wire::Request r = request(wire::MODE_SERVICEVM_NVL5, 0, 1, wire::RAIL_POLICY_SYMMETRIC);
  r.mutable_detected()->set_management_functions(0, "0000:0b:00.0");
  const std::string error = error_of(r);
  EXPECT_NE(error.find("mlx5_0"), std::string::npos) << error;
  EXPECT_TRUE(runner_.calls.empty());
  EXPECT_FALSE(std::filesystem::exists(run("nvidia-fabricmanager")));
}

TEST_F(FabricLaunch, NvlsmNotReadyStopsBeforeFabricManager) {
  runner_.daemon_ready = [](const tools::Command&, const tools::DaemonReadiness& how) {
    if (how.name == "nvlsm") throw std::runtime_error("nvlsm was not ready within 60 s");
  };
  EXPECT_EQ(error_of(request(wire::MODE_SERVICEVM_NVL5, 0, 1, wire::RAIL_POLICY_SYMMETRIC)),
            "nvlsm was not ready within 60 s");
  EXPECT_EQ(runner_.calls, std::vector<std::string>{nvlsm_command()});
  EXPECT_FALSE(std::filesystem::exists(run("fabricmanager.cfg")));
}

TEST_F(FabricLaunch, AMissingStockConfigIsFatalAndNamed) {
  std::filesystem::remove(stock_);
  EXPECT_EQ(error_of(request(wire::MODE_NVSWITCH_NVL4, 8, 0, wire::RAIL_POLICY_GREEDY)),
            "Fabric Manager config: open " + stock_ + ": No such file or directory");
  EXPECT_TRUE(runner_.calls.empty());
}

TEST_F(FabricLaunch, GpusInProgressAreReQueriedWithACappedBackoff) {
  fabric_states({smi_q("Not Started", "N/A", 4), smi_q("In Progress", "N/A", 4),
                 smi_q("In Progress", "N/A", 4), smi_q("In Progress", "N/A", 4),
                 smi_q("In Progress", "N/A", 4), smi_q("In Progress", "N/A", 4),
                 smi_q("Completed", "Success", 4)});
  launch(request(wire::MODE_NVSWITCH_NVL4, 4, 0, wire::RAIL_POLICY_GREEDY));
  EXPECT_EQ(slept_,
            (std::vector<std::chrono::milliseconds>{100ms, 200ms, 400ms, 800ms, 1000ms, 1000ms}));
  EXPECT_TRUE(reporter_.has("step wait-gpu-fabric done"));
}

TEST_F(FabricLaunch, GpusStillInProgressAtFabricManagersDeadlineIsFatal) {
  fabric_states({smi_q("In Progress", "N/A", 2)});
  const std::string error =
      error_of(request(wire::MODE_NVSWITCH_NVL4, 2, 0, wire::RAIL_POLICY_GREEDY));
  EXPECT_EQ(error,
            "the GPUs' NVLink fabric registration did not complete within 120 s of starting "
            "Fabric Manager (set nvrc.timeout.fabricmanager=SECONDS); waiting for the NVLink "
            "fabric registration of 2 GPU(s): 00000000:10:00.0 In Progress (N/A), "
            "00000000:11:00.0 In Progress (N/A)");
  std::chrono::milliseconds total{};
  for (auto d : slept_) total += d;
  EXPECT_EQ(total, 120s) << "waited up to the deadline, not past it";
  EXPECT_FALSE(reporter_.has_containing("step health-check"));
}

TEST_F(FabricLaunch, AGpuThatFailedRegistrationIsFatalAtOnce) {
  fabric_states({smi_q("Completed", "Insufficient Resources", 1)});
  EXPECT_EQ(error_of(request(wire::MODE_NVSWITCH_NVL4, 1, 0, wire::RAIL_POLICY_GREEDY)),
            "GPU 00000000:10:00.0 failed NVLink fabric registration: State Completed, Status "
            "'Insufficient Resources'");
  EXPECT_TRUE(slept_.empty());
}

TEST_F(FabricLaunch, PreHopperGpusAreLoggedNotFatal) {
  fabric_states({smi_q("Not Supported", "N/A", 1)});
  launch(request(wire::MODE_NVSWITCH_NVL4, 1, 0, wire::RAIL_POLICY_GREEDY));
  EXPECT_TRUE(reporter_.has_containing("warn: 1 GPU(s) take no part in an NVLink fabric"));
}

TEST_F(FabricLaunch, NvidiaSmiFailingIsFatal) {
  runner_.results["/bin/nvidia-smi -q"] = FakeRunner::exit_status(9);
  EXPECT_EQ(error_of(request(wire::MODE_NVSWITCH_NVL4, 8, 0, wire::RAIL_POLICY_GREEDY)),
            "/bin/nvidia-smi -q exited with status 9");
}

TEST_F(FabricLaunch, ADaemonThatDiedOnTheWayFailsTheHealthCheck) {
  fabric_states({smi_q("Completed", "Success", 8)});
  runner_.dead = {100};
  EXPECT_EQ(error_of(request(wire::MODE_NVSWITCH_NVL4, 8, 0, wire::RAIL_POLICY_GREEDY)),
            "nv-fabricmanager (pid 100) exited with status 1");
}

TEST_F(FabricLaunch, DryRunPrintsEachCommandAndWaitAndWritesNothing) {
  wire::Request r = request(wire::MODE_NVSWITCH_NVL5, 8, 0, wire::RAIL_POLICY_SYMMETRIC);
  r.set_dry_run(true);
  std::vector<std::string> said;
  tools::DryRunRunner runner([&](const std::string& line) { said.push_back(line); });
  launch_fabric(r, reporter_, paths_, runner, clock_);
  EXPECT_EQ(said,
            (std::vector<std::string>{
                "would start: " + nvlsm_command() +
                    " (output to /dev/log) and wait up to 60 s (nvrc.timeout.nvlsm) for its "
                    "socket " +
                    run("nvidia-fabricmanager/fm_sm_ipc.socket"),
                "would start: " + fm_command(true) +
                    " (output to /dev/log) and wait up to 120 s (nvrc.timeout.fabricmanager) for "
                    "a syslog line from its own pid containing 'FM starting NvLink Inband'",
                "would run: /bin/nvidia-smi -q"}));
  EXPECT_TRUE(
      reporter_.has("info: would create directory " + run("nvidia-fabricmanager") + " (0755)"));
  EXPECT_TRUE(reporter_.has("info: would write " + run("fabricmanager.cfg") + " (0400) from " +
                            stock_ +
                            ", setting FABRIC_MODE=0, PARTITION_RAIL_POLICY=symmetric, "
                            "DAEMONIZE=0, LOG_USE_SYSLOG=1, LOG_FILE_NAME="));
  EXPECT_TRUE(reporter_.has(
      "info: would re-run /bin/nvidia-smi -q until all 8 GPU(s) show Fabric State Completed and "
      "Status Success, up to 120 s after starting Fabric Manager"));
  EXPECT_FALSE(reporter_.has_containing("daemon ")) << "nothing started";
  EXPECT_TRUE(std::filesystem::is_empty(paths_.run_dir)) << "nothing written";
}

TEST_F(FabricLaunch, DryRunWithoutInfinibandPortsYetSaysSoAndGoesOn) {
  wire::Request r;
  r.set_dry_run(true);
  wire::Detected* d = r.mutable_detected();
  d->set_mode(wire::MODE_SERVICEVM_NVL5);
  d->set_fabric_mode(1);
  d->set_rail_policy(wire::RAIL_POLICY_SYMMETRIC);
  d->add_management_functions("0000:c1:00.1");
  std::vector<std::string> said;
  tools::DryRunRunner runner([&](const std::string& line) { said.push_back(line); });
  launch_fabric(r, reporter_, paths_, runner, clock_);
  EXPECT_TRUE(reporter_.has_containing("info: would pick the management port's GUID from " +
                                       root() + "/class/infiniband; now: "));
  ASSERT_FALSE(said.empty());
  EXPECT_NE(said[0].find("-g <port GUID>"), std::string::npos) << said[0];
}

// --- with the GPU extension (Request.extensions.gpu) -------------------------------------------

std::string ext(const std::string& path) {
  return kExt + path;
}

class FabricLaunchWithGpuExtension : public FabricLaunch {
 protected:
  void SetUp() override {
    FabricLaunch::SetUp();
    gpu_extension_ = true;
  }
  std::string ext_fm_command(bool with_guid) const {
    return ext("/bin/nv-fabricmanager -c ") + run("fabricmanager.cfg") +
           (with_guid ? std::string(" -g ") + kGuid : "");
  }
  static std::string ext_nvlsm_command() {
    return ext("/bin/nvlsm -F ") + ext("/usr/share/nvidia/nvlsm/nvlsm.conf -g ") + kGuid +
           " -f stdout";
  }
  // The extension's stock file with our settings; FM reads the extension's topology files.
  static std::string ext_config_for(unsigned fabric_mode, const std::string& rail) {
    return "# the GPU extension's stock\nLOG_LEVEL=4\nDAEMONIZE=0\n"
           "TOPOLOGY_FILE_PATH=/run/kata-extensions/gpu/usr/share/nvidia/nvswitch\n"
           "FABRIC_MODE=" +
           std::to_string(fabric_mode) + "\nPARTITION_RAIL_POLICY=" + rail +
           "\nLOG_USE_SYSLOG=1\nLOG_FILE_NAME=\n";
  }
  void ext_fabric_states(const std::string& output) {
    runner_.result_sequence[ext("/bin/nvidia-smi -q")].push_back(
        FakeRunner::exit_status(0, output));
  }
  // Every path the launcher gave a tool is the extension's, or the config it wrote.
  std::vector<std::string> base_paths_used() const {
    return ccinit::testing::paths_not_from(runner_.calls, kExt, {run("fabricmanager.cfg")});
  }
};

TEST_F(FabricLaunchWithGpuExtension, Nvl4GpuVmRunsFabricManagerAndNvidiaSmiFromIt) {
  ext_fabric_states(smi_q("Completed", "Success", 8));
  launch(request(wire::MODE_NVSWITCH_NVL4, 8, 0, wire::RAIL_POLICY_GREEDY));
  EXPECT_EQ(runner_.calls,
            (std::vector<std::string>{ext_fm_command(false), ext("/bin/nvidia-smi -q")}));
  EXPECT_EQ(written_config(), ext_config_for(0, "greedy"));
  EXPECT_EQ(base_paths_used(), std::vector<std::string>{});
  EXPECT_TRUE(
      reporter_.has("info: Fabric Manager, NVLSM and nvidia-smi from the GPU extension at "
                    "/run/kata-extensions/gpu"));
  EXPECT_TRUE(reporter_.has("step health-check done"));
}

TEST_F(FabricLaunchWithGpuExtension, Nvl5GpuVmRunsNvlsmWithItsConfigFromIt) {
  ext_fabric_states(smi_q("Completed", "Success", 8));
  launch(request(wire::MODE_NVSWITCH_NVL5, 8, 0, wire::RAIL_POLICY_SYMMETRIC));
  EXPECT_EQ(runner_.calls, (std::vector<std::string>{ext_nvlsm_command(), ext_fm_command(true),
                                                     ext("/bin/nvidia-smi -q")}));
  EXPECT_EQ(written_config(), ext_config_for(0, "symmetric"));
  EXPECT_EQ(runner_.daemon_readiness.at("nvlsm").socket_path,
            run("nvidia-fabricmanager/fm_sm_ipc.socket"))
      << "NVLSM's socket stays in the guest's /run";
  EXPECT_EQ(base_paths_used(), std::vector<std::string>{});
}

TEST_F(FabricLaunchWithGpuExtension, ServiceVmsRunTheirDaemonsFromIt) {
  launch(request(wire::MODE_SERVICEVM_NVL4, 0, 1, wire::RAIL_POLICY_GREEDY));
  EXPECT_EQ(runner_.calls, std::vector<std::string>{ext_fm_command(false)});
  EXPECT_EQ(written_config(), ext_config_for(1, "greedy"));

  runner_.calls.clear();
  launch(request(wire::MODE_SERVICEVM_NVL5, 0, 1, wire::RAIL_POLICY_SYMMETRIC));
  EXPECT_EQ(runner_.calls, (std::vector<std::string>{ext_nvlsm_command(), ext_fm_command(true)}));
  EXPECT_EQ(written_config(), ext_config_for(1, "symmetric"));
  EXPECT_EQ(base_paths_used(), std::vector<std::string>{});
}

TEST_F(FabricLaunchWithGpuExtension, ItsMissingStockConfigIsFatalEvenWhenTheBaseHasOne) {
  std::filesystem::remove(extension_stock_);
  ASSERT_TRUE(std::filesystem::exists(stock_));
  EXPECT_EQ(error_of(request(wire::MODE_SERVICEVM_NVL4, 0, 1, wire::RAIL_POLICY_GREEDY)),
            "Fabric Manager config: open " + extension_stock_ + ": No such file or directory");
  EXPECT_TRUE(runner_.calls.empty());
}

TEST_F(FabricLaunchWithGpuExtension, DryRunPrintsTheExtensionsPaths) {
  wire::Request r = request(wire::MODE_NVSWITCH_NVL5, 8, 0, wire::RAIL_POLICY_SYMMETRIC);
  r.set_dry_run(true);
  std::vector<std::string> said;
  tools::DryRunRunner runner([&](const std::string& line) { said.push_back(line); });
  launch_fabric(r, reporter_, paths_, runner, clock_);
  EXPECT_EQ(said,
            (std::vector<std::string>{
                "would start: " + ext_nvlsm_command() +
                    " (output to /dev/log) and wait up to 60 s (nvrc.timeout.nvlsm) for its "
                    "socket " +
                    run("nvidia-fabricmanager/fm_sm_ipc.socket"),
                "would start: " + ext_fm_command(true) +
                    " (output to /dev/log) and wait up to 120 s (nvrc.timeout.fabricmanager) for "
                    "a syslog line from its own pid containing 'FM starting NvLink Inband'",
                "would run: " + ext("/bin/nvidia-smi -q")}));
  EXPECT_TRUE(reporter_.has("info: would write " + run("fabricmanager.cfg") + " (0400) from " +
                            extension_stock_ +
                            ", setting FABRIC_MODE=0, PARTITION_RAIL_POLICY=symmetric, "
                            "DAEMONIZE=0, LOG_USE_SYSLOG=1, LOG_FILE_NAME=, "
                            "TOPOLOGY_FILE_PATH=/run/kata-extensions/gpu/usr/share/nvidia/"
                            "nvswitch"));
  EXPECT_TRUE(reporter_.has("info: would re-run " + ext("/bin/nvidia-smi") +
                            " -q until all 8 GPU(s) show Fabric State Completed and Status "
                            "Success, up to 120 s after starting Fabric Manager"));
  EXPECT_TRUE(std::filesystem::is_empty(paths_.run_dir)) << "nothing written";
}

}  // namespace
}  // namespace ccinit::fabric
