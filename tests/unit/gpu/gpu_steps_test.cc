#include "helpers/gpu-configurator/gpu_steps.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "common/cmdline_config.h"
#include "tests/unit/fake_tool_runner.h"
#include "tests/unit/helpers/recording_reporter.h"

namespace ccinit::gpu {
namespace {

using ccinit::testing::FakeRunner;
using ccinit::testing::RecordingReporter;
using Calls = std::vector<std::string>;

const char kModprobeOneGpu[] = "/sbin/modprobe nvidia NVreg_NvLinkDisable=1";
const char kModprobe[] = "/sbin/modprobe nvidia";
const char kUvm[] = "/sbin/modprobe nvidia-uvm";
// nvrc.uvm.persistence.mode is on by default, as in NVRC.
const char kPersistenced[] = "/bin/nvidia-persistenced --verbose --uvm-persistence-mode";
const char kCdi[] = "/bin/nvidia-ctk cdi generate --output=/var/run/cdi/nvidia.yaml";
const char kCcStatus[] = "/bin/nvidia-smi conf-compute -f";

class GpuSteps : public ::testing::Test {
 protected:
  // Runs the steps; returns the error, or "" on success.
  std::string run(const std::string& cmdline, unsigned gpus, bool cc_guest = false,
                  bool gpu_extension = false) {
    try {
      run_gpu_steps(parse_cmdline(cmdline),
                    GpuPlan{.gpus = gpus,
                            .disable_nvlink = gpus == 1,
                            .confidential_guest = cc_guest,
                            .nvidia_paths = nvidia::NvidiaPaths(gpu_extension)},
                    runner_, reporter_);
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    return "";
  }
  std::vector<std::string> steps_done() const {
    std::vector<std::string> done;
    for (const std::string& line : reporter_.lines)
      if (line.starts_with("step ") && line.ends_with(" done"))
        done.push_back(line.substr(5, line.size() - 10));
    return done;
  }

  FakeRunner runner_;
  RecordingReporter reporter_;
};

TEST_F(GpuSteps, OneGpuDisablesNvlinkAndWaitsForPersistenced) {
  EXPECT_EQ(run("", 1), "");
  EXPECT_EQ(runner_.calls, (Calls{kModprobeOneGpu, kUvm, kPersistenced, kCdi}));
  EXPECT_EQ(steps_done(),
            (Calls{"modprobe-nvidia", "modprobe-nvidia-uvm", "start-nvidia-persistenced",
                   "nvidia-ctk-cdi-generate", "health-check"}));
  EXPECT_TRUE(reporter_.has("daemon nvidia-persistenced 100"));
  EXPECT_EQ(runner_.checked, (std::set<pid_t>{100})) << "the health check looks at the daemon";
  EXPECT_EQ(runner_.readiness.syslog_line, "Local RPC services initialized");
  EXPECT_EQ(runner_.readiness.timeout, std::chrono::seconds(600));
  EXPECT_EQ(runner_.readiness.pid_file, "/var/run/nvidia-persistenced/nvidia-persistenced.pid");
}

TEST_F(GpuSteps, EightGpusKeepNvlink) {
  EXPECT_EQ(run("", 8), "");
  EXPECT_EQ(runner_.calls, (Calls{kModprobe, kUvm, kPersistenced, kCdi}));
}

TEST_F(GpuSteps, UvmPersistenceAndTimeoutFromTheCommandLine) {
  EXPECT_EQ(run("nvrc.uvm.persistence.mode=on nvrc.timeout.persistenced=7", 1), "");
  EXPECT_EQ(runner_.calls[2], kPersistenced);
  EXPECT_EQ(runner_.readiness.timeout, std::chrono::seconds(7));
  EXPECT_EQ(run("nvrc.uvm.persistence.mode=off", 1), "");
  EXPECT_EQ(runner_.calls[6], "/bin/nvidia-persistenced --verbose");
}

TEST_F(GpuSteps, DcgmStartsHostengineAndAnExporterPointedAtIt) {
  EXPECT_EQ(run("nvrc.dcgm=on", 2), "");
  EXPECT_EQ(
      runner_.calls,
      (Calls{kModprobe, kUvm, kPersistenced,
             "/bin/nv-hostengine --service-account nvidia-dcgm --home-dir /tmp",
             "/bin/dcgm-exporter -r localhost:5555 -f /etc/dcgm-exporter/default-counters.csv",
             kCdi}));
  EXPECT_TRUE(reporter_.has("daemon nvidia-persistenced 100"));
  EXPECT_TRUE(reporter_.has("daemon nv-hostengine 101"));
  EXPECT_TRUE(reporter_.has("daemon dcgm-exporter 102"));
  EXPECT_EQ(runner_.checked, (std::set<pid_t>{100, 101, 102}));
}

TEST_F(GpuSteps, ClocksPowerLimitAndReadyStateWhenSet) {
  EXPECT_EQ(run("nvrc.smi.lgc=300,1980 nvrc.smi.lmc=5001 nvrc.smi.pl=350 nvrc.smi.srs=1", 8), "");
  EXPECT_EQ(runner_.calls, (Calls{kModprobe, kUvm, kPersistenced, "/bin/nvidia-smi -lmc 5001",
                                  "/bin/nvidia-smi -lgc 300,1980", "/bin/nvidia-smi -pl 350", kCdi,
                                  "/bin/nvidia-smi conf-compute -srs 1"}));
  runner_.calls.clear();
  EXPECT_EQ(run("nvrc.smi.srs=0", 8), "");
  EXPECT_EQ(runner_.calls.back(), "/bin/nvidia-smi conf-compute -srs 0");
}

TEST_F(GpuSteps, ConfidentialGuestWithCcOnEverywhere) {
  runner_.results[kCcStatus] = FakeRunner::exit_status(0, "CC status: ON\nCC status: ON\n");
  EXPECT_EQ(run("nvrc.smi.srs=1", 2, true), "");
  EXPECT_EQ(runner_.calls, (Calls{kModprobe, kUvm, kPersistenced, kCdi, kCcStatus,
                                  "/bin/nvidia-smi conf-compute -srs 1"}));
  EXPECT_TRUE(runner_.captured[3]) << "conf-compute -f output is read";
  EXPECT_TRUE(reporter_.has("step check-cc-status done"));
}

TEST_F(GpuSteps, ConfidentialGuestWithOneGpuCcOffIsFatal) {
  runner_.results[kCcStatus] = FakeRunner::exit_status(0, "CC status: ON\nCC status: OFF\n");
  EXPECT_EQ(run("nvrc.smi.srs=1", 2, true),
            "confidential guest, but not every GPU has CC on: expected 2 x 'CC status: ON' (one "
            "per GPU), found 1 x 'CC status: ON', 'CC status: OFF'");
  EXPECT_EQ(runner_.calls.back(), kCcStatus) << "nothing runs after the failed check";
  EXPECT_FALSE(reporter_.has("step check-cc-status done"));
}

TEST_F(GpuSteps, ConfidentialGuestWithoutCcCapableGpusIsFatal) {
  runner_.results[kCcStatus] = FakeRunner::exit_status(6, "No CC capable devices found\n");
  EXPECT_EQ(run("", 1, true), "/bin/nvidia-smi conf-compute -f exited with status 6");
}

TEST_F(GpuSteps, OutsideConfidentialGuestsCcIsNotChecked) {
  EXPECT_EQ(run("", 1, false), "");
  for (const std::string& call : runner_.calls) EXPECT_NE(call, kCcStatus);
}

// Without the GPU extension every command is the base image's, for one GPU and for eight.
TEST_F(GpuSteps, WithoutTheGpuExtensionTheBaseImagesToolsRun) {
  const Calls dcgm = {"/bin/nv-hostengine --service-account nvidia-dcgm --home-dir /tmp",
                      "/bin/dcgm-exporter -r localhost:5555 -f "
                      "/etc/dcgm-exporter/default-counters.csv"};
  EXPECT_EQ(run("nvrc.dcgm=on", 1), "");
  EXPECT_EQ(runner_.calls, (Calls{kModprobeOneGpu, kUvm, kPersistenced, dcgm[0], dcgm[1], kCdi}));
  runner_.calls.clear();
  EXPECT_EQ(run("nvrc.dcgm=on", 8), "");
  EXPECT_EQ(runner_.calls, (Calls{kModprobe, kUvm, kPersistenced, dcgm[0], dcgm[1], kCdi}));
  EXPECT_FALSE(reporter_.has_containing("kata-extensions"));
}

// With the GPU extension the nvidia modules come from its module tree and every tool, the
// DCGM counters and the CDI hook from its root.
const char kExtModprobeOneGpu[] =
    "/sbin/modprobe --dirname /run/kata-extensions/gpu nvidia NVreg_NvLinkDisable=1";
const char kExtModprobe[] = "/sbin/modprobe --dirname /run/kata-extensions/gpu nvidia";
const char kExtUvm[] = "/sbin/modprobe --dirname /run/kata-extensions/gpu nvidia-uvm";
const char kExtPersistenced[] =
    "/run/kata-extensions/gpu/bin/nvidia-persistenced --verbose --uvm-persistence-mode";
const char kExtHostengine[] =
    "/run/kata-extensions/gpu/bin/nv-hostengine --service-account nvidia-dcgm --home-dir /tmp";
const char kExtExporter[] =
    "/run/kata-extensions/gpu/bin/dcgm-exporter -r localhost:5555 -f "
    "/run/kata-extensions/gpu/etc/dcgm-exporter/default-counters.csv";
const char kExtCdi[] =
    "/run/kata-extensions/gpu/bin/nvidia-ctk cdi generate --output=/var/run/cdi/nvidia.yaml "
    "--driver-root=/run/kata-extensions/gpu --dev-root=/ "
    "--nvidia-cdi-hook-path=/run/kata-extensions/gpu/bin/nvidia-cdi-hook";

TEST_F(GpuSteps, WithTheGpuExtensionOneGpuRunsTheDriverFromIt) {
  EXPECT_EQ(run("nvrc.dcgm=on", 1, false, true), "");
  EXPECT_EQ(runner_.calls, (Calls{kExtModprobeOneGpu, kExtUvm, kExtPersistenced, kExtHostengine,
                                  kExtExporter, kExtCdi}));
  EXPECT_TRUE(reporter_.has("daemon nvidia-persistenced 100"));
  EXPECT_TRUE(reporter_.has("daemon dcgm-exporter 102"));
  EXPECT_EQ(runner_.readiness.pid_file, "/var/run/nvidia-persistenced/nvidia-persistenced.pid")
      << "what the tools write stays in the guest's /var/run";
}

TEST_F(GpuSteps, WithTheGpuExtensionEightGpusInACcGuestRunEveryToolFromIt) {
  const std::string smi = "/run/kata-extensions/gpu/bin/nvidia-smi";
  runner_.results[smi + " conf-compute -f"] = FakeRunner::exit_status(0, [] {
    std::string on;
    for (int i = 0; i < 8; ++i) on += "CC status: ON\n";
    return on;
  }());
  EXPECT_EQ(run("nvrc.dcgm=on nvrc.smi.lgc=300,1980 nvrc.smi.lmc=5001 nvrc.smi.pl=350 "
                "nvrc.smi.srs=1",
                8, true, true),
            "");
  EXPECT_EQ(runner_.calls,
            (Calls{kExtModprobe, kExtUvm, kExtPersistenced, smi + " -lmc 5001",
                   smi + " -lgc 300,1980", smi + " -pl 350", kExtHostengine, kExtExporter, kExtCdi,
                   smi + " conf-compute -f", smi + " conf-compute -srs 1"}));
  EXPECT_TRUE(reporter_.has("step check-cc-status done"));
}

TEST_F(GpuSteps, AFailingToolFromTheExtensionIsNamedByItsPath) {
  runner_.results[kExtCdi] = FakeRunner::exit_status(1);
  EXPECT_EQ(run("", 8, false, true), std::string(kExtCdi) + " exited with status 1");
}

TEST(CheckCcStatus, CountsExactLinesOnly) {
  EXPECT_NO_THROW(check_cc_status("CC status: ON\n", 1));
  EXPECT_NO_THROW(check_cc_status("header\nCC status: ON  \nCC status: ON", 2));
  for (const char* bad : {"", "CC status: ON\n", "CC status: ON\nCC status: ONLY\n",
                          "CC status: ON\nCC status: DEVTOOLS\n", "CC status: on\nCC status: ON\n",
                          "CC status: ON\nCC status: ON\nCC status: ON\n"}) {
    SCOPED_TRACE(bad);
    EXPECT_THROW(check_cc_status(bad, 2), std::runtime_error);
  }
}

TEST_F(GpuSteps, AFailingToolStopsEverythingAfterIt) {
  runner_.results[kUvm] = FakeRunner::exit_status(1);
  EXPECT_EQ(run("", 8), "/sbin/modprobe nvidia-uvm exited with status 1");
  EXPECT_EQ(runner_.calls, (Calls{kModprobe, kUvm}));
  EXPECT_TRUE(reporter_.has("step modprobe-nvidia-uvm started"));
  EXPECT_FALSE(reporter_.has("step modprobe-nvidia-uvm done"));

  runner_.calls.clear();
  runner_.results.clear();
  runner_.results["/bin/nvidia-smi -pl 300"] = ToolResult{11, ""};  // SIGSEGV
  EXPECT_EQ(run("nvrc.smi.pl=300 nvrc.smi.srs=1", 8),
            "/bin/nvidia-smi -pl 300 killed by signal SIGSEGV");
  EXPECT_EQ(runner_.calls.back(), "/bin/nvidia-smi -pl 300");
}

TEST_F(GpuSteps, PersistencedFailingIsFatalAndNothingFollows) {
  runner_.persistenced = []() -> pid_t {
    throw std::runtime_error("persistenced exited with status 1 before it was ready");
  };
  EXPECT_EQ(run("nvrc.dcgm=on", 8), "persistenced exited with status 1 before it was ready");
  EXPECT_EQ(runner_.calls, (Calls{kModprobe, kUvm, kPersistenced}));
  EXPECT_FALSE(reporter_.has_containing("daemon "));
}

TEST_F(GpuSteps, HealthCheckFailsWhenADaemonDied) {
  runner_.dead.insert(101);
  EXPECT_EQ(run("nvrc.dcgm=on", 8), "nv-hostengine (pid 101) exited with status 1");
  EXPECT_FALSE(reporter_.has("step health-check done"));
}

}  // namespace
}  // namespace ccinit::gpu
