// GPU mode as PID 1 boots it: the real gpu-configurator under its real policy, running the
// fake NVIDIA tools (tests/support/fake_nvidia_tool) on a fake PCI tree. Each test asserts
// the exact commands that ran, in order, and how the boot ended.
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include "tests/integration/gpu_guest.h"

namespace ccinit::itest {
namespace {

using Calls = std::vector<std::string>;

const std::string kCallsLog = "/run/fake-nvidia/calls.log";
const std::string kShowCalls = "test.agent.action=cat:" + kCallsLog;
const std::string kModprobeOneGpu = "modprobe nvidia NVreg_NvLinkDisable=1";
const std::string kModprobeUvm = "modprobe nvidia-uvm";
const std::string kPersistenced = "nvidia-persistenced --verbose --uvm-persistence-mode";
const std::string kCtk = "nvidia-ctk cdi generate --output=/var/run/cdi/nvidia.yaml";
const std::string kCcStatus = "nvidia-smi conf-compute -f";

class GpuBootTest : public GuestBootTest {
 protected:
  // The agent ran, printed calls.log, and the guest powered off when it exited.
  static void expect_handed_off(const Boot& boot, const GpuGuest& guest) {
    EXPECT_EQ(boot.exit_code, 130) << boot.describe();
    EXPECT_TRUE(boot.agent_reported()) << boot.describe();
    EXPECT_EQ(boot.power_off_lines(),
              std::vector<std::string>{power_off_line(7, "kata-agent exited with status 0")})
        << boot.describe();
    // What the agent read from the guest's /run matches the copy kept on the root's disk.
    // Each tool appends to both copies in turn, so two daemons running at once may land in
    // the two files in different orders: compare the contents, not the interleaving.
    std::optional<std::string> shown = boot.agent_file(kCallsLog);
    ASSERT_TRUE(shown.has_value()) << boot.describe();
    std::vector<std::string> in_run = split_lines(*shown), on_disk = guest.calls();
    std::sort(in_run.begin(), in_run.end());
    std::sort(on_disk.begin(), on_disk.end());
    EXPECT_EQ(in_run, on_disk);
  }

  // The boot powered off at error level because gpu-configurator failed, before the agent
  // ran, with every `needles` in the one power-off line.
  static void expect_gpu_failure(const Boot& boot, const std::vector<std::string>& needles) {
    EXPECT_EQ(boot.exit_code, 130) << boot.describe();
    EXPECT_FALSE(boot.agent_reported()) << "the agent must never run\n" << boot.describe();
    const std::vector<std::string> lines = boot.power_off_lines();
    ASSERT_EQ(lines.size(), 1u) << boot.describe();
    EXPECT_TRUE(lines[0].starts_with(power_off_line(3, "helper gpu-configurator failed")))
        << lines[0];
    for (const std::string& needle : needles)
      EXPECT_NE(lines[0].find(needle), std::string::npos) << "no '" << needle << "' in\n"
                                                          << lines[0];
  }
};

TEST_F(GpuBootTest, OneGpuDetectedLoadsTheDriverWithoutNvlinkAndStartsPersistenced) {
  GpuGuest guest("1gpu", "gpus=1\n");
  Boot boot = guest.boot(kShowCalls + "+cat:/var/run/cdi/nvidia.yaml");  // nvrc.mode=auto
  expect_handed_off(boot, guest);
  EXPECT_EQ(guest.calls(), (Calls{kModprobeOneGpu, kModprobeUvm, kPersistenced, kCtk}))
      << boot.describe();
  EXPECT_TRUE(boot.agent_file("/var/run/cdi/nvidia.yaml").has_value()) << boot.describe();
}

TEST_F(GpuBootTest, EightGpusKeepNvlink) {
  GpuGuest guest("8gpu", "gpus=8\n");
  Boot boot = guest.boot("nvrc.mode=gpu " + kShowCalls);
  expect_handed_off(boot, guest);
  EXPECT_EQ(guest.calls(), (Calls{"modprobe nvidia", kModprobeUvm, kPersistenced, kCtk}))
      << boot.describe();
}

TEST_F(GpuBootTest, ToolsGetAPlainEnvironment) {
  GpuGuest guest("1gpu", "");
  const std::string env = "/run/fake-nvidia/nvidia-persistenced.env";
  Boot boot = guest.boot(kShowCalls + "+cat:" + env);
  expect_handed_off(boot, guest);
  EXPECT_EQ(boot.agent_file(env), "PATH=/usr/sbin:/usr/bin:/sbin:/bin\n") << boot.describe();
}

TEST_F(GpuBootTest, DcgmStartsHostengineAndAnExporterUsingIt) {
  GpuGuest guest("1gpu", "");
  Boot boot = guest.boot("nvrc.log=debug nvrc.dcgm=on " + kShowCalls);
  expect_handed_off(boot, guest);
  const std::string hostengine = "nv-hostengine --service-account nvidia-dcgm --home-dir /tmp";
  const std::string exporter =
      "dcgm-exporter -r localhost:5555 -f /etc/dcgm-exporter/default-counters.csv";
  EXPECT_EQ(spawned_commands(boot),
            (Calls{"/sbin/" + kModprobeOneGpu, "/sbin/" + kModprobeUvm, "/bin/" + kPersistenced,
                   "/bin/" + hostengine, "/bin/" + exporter, "/bin/" + kCtk}))
      << boot.describe();
  // Each ran exactly once, and both daemons still run when the agent starts.
  Calls calls = guest.calls(),
        expected = {kModprobeOneGpu, kModprobeUvm, kPersistenced, hostengine, exporter, kCtk};
  std::sort(calls.begin(), calls.end());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(calls, expected) << boot.describe();
  for (const std::string& line : boot.kmsg_lines())
    EXPECT_EQ(line.find("ccinit: daemon "), std::string::npos) << line;
}

TEST_F(GpuBootTest, ClockPowerAndReadyStateSettingsRunInOrder) {
  GpuGuest guest("1gpu", "");
  Boot boot = guest.boot(
      "nvrc.smi.lgc=300,1980 nvrc.smi.lmc=5001 nvrc.smi.pl=300 nvrc.smi.srs=1 "
      "nvrc.uvm.persistence.mode=off " +
      kShowCalls);
  expect_handed_off(boot, guest);
  EXPECT_EQ(guest.calls(), (Calls{kModprobeOneGpu, kModprobeUvm, "nvidia-persistenced --verbose",
                                  "nvidia-smi -lmc 5001", "nvidia-smi -lgc 300,1980",
                                  "nvidia-smi -pl 300", kCtk, "nvidia-smi conf-compute -srs 1"}))
      << boot.describe();
}

TEST_F(GpuBootTest, ConfidentialGuestChecksEveryGpuHasCcOn) {
  GpuGuest guest("8gpu", "gpus=8\ncc=on\n", "tdx");
  Boot boot = guest.boot("nvrc.smi.srs=0 " + kShowCalls);
  expect_handed_off(boot, guest);
  EXPECT_EQ(guest.calls(), (Calls{"modprobe nvidia", kModprobeUvm, kPersistenced, kCtk, kCcStatus,
                                  "nvidia-smi conf-compute -srs 0"}))
      << boot.describe();
}

TEST_F(GpuBootTest, ConfidentialGuestWithOneGpuCcOffPowersOff) {
  GpuGuest guest("8gpu", "gpus=8\ncc=on\ncc.5=off\n", "sev-snp");
  Boot boot = guest.boot("nvrc.smi.srs=1 " + kShowCalls);
  expect_gpu_failure(boot, {"CC status: OFF"});
  // Nothing after the failed check: no ready state is set on a GPU without CC.
  EXPECT_EQ(guest.calls(), (Calls{"modprobe nvidia", kModprobeUvm, kPersistenced, kCtk, kCcStatus}))
      << boot.describe();
}

TEST_F(GpuBootTest, NonConfidentialGuestDoesNotAskForCcStatus) {
  GpuGuest guest("1gpu", "cc=none\n");
  Boot boot = guest.boot(kShowCalls);
  expect_handed_off(boot, guest);
  for (const std::string& call : guest.calls())
    EXPECT_EQ(call.find("conf-compute"), std::string::npos) << call;
}

TEST_F(GpuBootTest, PersistencedFailingPowersOff) {
  GpuGuest guest("1gpu", "persistenced=fail\n");
  Boot boot = guest.boot(kShowCalls);
  expect_gpu_failure(boot, {"nvidia-persistenced"});
  EXPECT_EQ(guest.calls(), (Calls{kModprobeOneGpu, kModprobeUvm, kPersistenced}))
      << boot.describe();
}

TEST_F(GpuBootTest, ModprobeFailingPowersOffBeforeAnythingElse) {
  GpuGuest guest("1gpu", "modprobe=fail\n");
  Boot boot = guest.boot(kShowCalls);
  expect_gpu_failure(boot, {"modprobe"});
  EXPECT_EQ(guest.calls(), (Calls{kModprobeOneGpu})) << boot.describe();
}

TEST_F(GpuBootTest, PersistencedNeverReadyTimesOutAsConfigured) {
  GpuGuest guest("1gpu", "persistenced=hang\n");
  const auto start = std::chrono::steady_clock::now();
  Boot boot = guest.boot("nvrc.timeout.persistenced=1 " + kShowCalls);
  const auto took = std::chrono::steady_clock::now() - start;
  // The message names the setting and shows the daemon's last log lines.
  expect_gpu_failure(boot, {"nvidia-persistenced", "nvrc.timeout.persistenced", "Started ("});
  EXPECT_EQ(guest.calls(), (Calls{kModprobeOneGpu, kModprobeUvm, kPersistenced}))
      << boot.describe();
  EXPECT_LT(took, std::chrono::seconds(10)) << "the 1 s readiness timeout was not applied";
}

TEST_F(GpuBootTest, PersistencedCrashingAfterHandOffIsLoggedAndReaped) {
  // The daemon dies of SIGSEGV 700 ms after readiness, while the agent sleeps 2 s.
  GpuGuest guest("1gpu", "persistenced=crash-after-ready\ncrash_after_ms=700\n");
  const std::string pid_file = "/var/run/nvidia-persistenced/nvidia-persistenced.pid";
  // nvrc.log=error: the quiet default (off) writes nothing but the power-off line.
  Boot boot = guest.boot("nvrc.log=error " + kShowCalls + "+cat:" + pid_file + "+sleep:2");
  expect_handed_off(boot, guest);
  EXPECT_EQ(boot.report()["slept"], "2") << boot.describe();
  std::optional<std::string> pid = boot.agent_file(pid_file);
  ASSERT_TRUE(pid.has_value()) << boot.describe();
  const std::string expected = "<3>ccinit: daemon nvidia-persistenced (pid " +
                               pid->substr(0, pid->find('\n')) + ") killed by signal SIGSEGV";
  int found = 0;
  for (const std::string& line : boot.kmsg_lines()) found += line.starts_with(expected);
  EXPECT_EQ(found, 1) << "expected one '" << expected << "'\n" << boot.describe();
}

// --- auto-mode detection of fabric topologies -------------------------------------------

struct Refusal {
  std::string topology;
  std::vector<std::string> needles;
};

class GpuTopologyRefusalTest : public GpuBootTest, public ::testing::WithParamInterface<Refusal> {};

TEST_P(GpuTopologyRefusalTest, IsRefusedWithAClearErrorAndNothingRuns) {
  GpuGuest guest(GetParam().topology, "");
  Boot boot = guest.boot(kShowCalls);
  expect_gpu_failure(boot, GetParam().needles);
  EXPECT_EQ(guest.calls(), Calls{}) << boot.describe();
}

INSTANTIATE_TEST_SUITE_P(FabricAndOddTopologies, GpuTopologyRefusalTest,
                         // Fabric topologies boot (boot_fabric_mode_test.cc); NVSwitches and SW_MNG
                         // functions at once match no HGX board.
                         ::testing::Values(Refusal{
                             "8gpu-4nvswitch-4swmng",
                             {"mixed NVLink fabric", "8 NVIDIA GPU(s), 4 NVSwitch(es)"}}),
                         [](const auto& info) {
                           std::string name = info.param.topology;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST_F(GpuBootTest, ExplicitGpuModeWithoutGpusPowersOff) {
  GpuGuest guest("cpu", "");
  Boot boot = guest.boot("nvrc.mode=gpu " + kShowCalls);
  expect_gpu_failure(boot, {"nvrc.mode=gpu", "0 NVIDIA GPU(s)"});
  EXPECT_EQ(guest.calls(), Calls{}) << boot.describe();
}

// --- dry run on a captured tree ----------------------------------------------------------

// Runs the guest root's gpu-configurator by hand, as an operator would on a captured sysfs
// tree: chrooted into the root in a private mount namespace where sysfs is mounted and the
// tree is bound over /sys/bus/pci/devices (never a flag of the helper).
ProgramRun run_helper_on_tree(const GpuGuest& guest, const std::vector<std::string>& args) {
  const std::string root = guest.root();
  std::vector<std::string> argv = {"/usr/libexec/ccinit/gpu-configurator"};
  argv.insert(argv.end(), args.begin(), args.end());
  // Paths are built before fork: the step may only make system calls.
  const std::string sys = root + "/sys", pci = root + "/sys/bus/pci/devices", proc = root + "/proc",
                    run = root + "/run", tree = guest.pci_tree();
  RunOptions options{.env = std::vector<std::string>{}};
  options.in_child = [&]() -> const char* {
    auto mounted = [](const char* source, const std::string& target, const char* type,
                      unsigned long flags) {
      return ::mount(source, target.c_str(), type, flags, nullptr) == 0;
    };
    if (::unshare(CLONE_NEWNS) != 0) return "unshare CLONE_NEWNS";
    if (!mounted("none", "/", nullptr, MS_REC | MS_PRIVATE)) return "make / private";
    if (!mounted("sysfs", sys, "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC)) return "mount sysfs";
    if (!mounted(tree.c_str(), pci, nullptr, MS_BIND)) return "bind the PCI tree";
    if (!mounted("proc", proc, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)) return "mount proc";
    if (!mounted("tmpfs", run, "tmpfs", MS_NOSUID | MS_NODEV)) return "mount /run";
    if (::chroot(root.c_str()) != 0 || ::chdir("/") != 0) return "chroot";
    return nullptr;
  };
  return run_program(argv, options);
}

TEST_F(GpuBootTest, DryRunOnACapturedTreePrintsThePlanAndRunsNothing) {
  GpuGuest guest("8gpu", "");
  ProgramRun run = run_helper_on_tree(
      guest, {"--dry-run", "--cmdline", "nvrc.dcgm=on nvrc.smi.lgc=1500 nvrc.smi.srs=1"});
  const std::string all = run.out + run.err;
  EXPECT_EQ(run.exit_code, 0) << all;
  for (const char* step : {"/sbin/modprobe nvidia\n", "/sbin/modprobe nvidia-uvm",
                           "/bin/nvidia-persistenced --verbose", "/bin/nvidia-smi -lgc 1500",
                           "/bin/nv-hostengine", "/bin/dcgm-exporter",
                           "/bin/nvidia-ctk cdi generate", "/bin/nvidia-smi conf-compute -srs 1"})
    EXPECT_NE(all.find(step), std::string::npos) << "plan lacks '" << step << "':\n" << all;
  EXPECT_NE(all.find("8 NVIDIA GPU(s)"), std::string::npos) << all;
  EXPECT_EQ(guest.calls(), Calls{}) << "a dry run ran a tool:\n" << all;
}

}  // namespace
}  // namespace ccinit::itest
