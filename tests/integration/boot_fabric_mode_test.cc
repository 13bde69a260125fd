// NVLink fabric modes as PID 1 boots them (issue 9): gpu-configurator, fabric-launcher and
// gpu-configurator again, each under its real policy, running the fake NVIDIA tools
// (tests/support/fake_nvidia_tool: nvlsm, nv-fabricmanager, nvidia-smi -q) on the fake PCI and
// InfiniBand trees of tests/support/fake_sysfs. Each test asserts the exact commands that ran,
// in order, the Fabric Manager config FM was started with, and how the boot ended.
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>

#include "tests/integration/gpu_guest.h"

namespace ccinit::itest {
namespace {

using Calls = std::vector<std::string>;

const std::string kCallsLog = "/run/fake-nvidia/calls.log";
const std::string kShowCalls = "test.agent.action=cat:" + kCallsLog;

const std::string kModprobeNvidia = "modprobe nvidia";
const std::string kModprobeUvm = "modprobe nvidia-uvm";
const std::string kModprobeIbUmad = "modprobe ib_umad";
const std::string kModprobeMlx5Ib = "modprobe mlx5_ib";
// The port GUID of the FC PF 0000:c0:00.0 in every nvl5 tree of make-fake-sysfs: the first
// qualifying management port (the workload NIC mlx5_0 sorts first but is no management
// function; the Limited PFs have IsSMDisabled; the VFs are no management functions).
const std::string kGuid = "0x946dae030000c000";
const std::string kNvlsm = "nvlsm -F /usr/share/nvidia/nvlsm/nvlsm.conf -g " + kGuid + " -f stdout";
const std::string kFm = "nv-fabricmanager -c /run/fabricmanager.cfg";
const std::string kFmNvl5 = kFm + " -g " + kGuid;
const std::string kFabricQuery = "nvidia-smi -q";
const std::string kPersistenced = "nvidia-persistenced --verbose --uvm-persistence-mode";
const std::string kCtk = "nvidia-ctk cdi generate --output=/var/run/cdi/nvidia.yaml";
const std::string kFmMarker = "FM starting NvLink Inband, waiting for GPU registration";

// What fabric-launcher must make of the stock fabricmanager.cfg that mkrootfs --fake-nvidia
// installs (helpers/fabric-launcher/fm_config.h): the keys it owns replaced in place,
// PARTITION_RAIL_POLICY (absent from the stock file) appended, every other line kept.
std::string expected_fm_config(unsigned fabric_mode, const std::string& rail_policy) {
  std::string text =
      read_text(testing::source_dir() + "/tests/support/fake_nvidia_tool/fabricmanager.cfg");
  auto replace_line = [&](const std::string& from, const std::string& to) {
    const std::size_t at = text.find("\n" + from + "\n");
    if (at == std::string::npos) throw std::runtime_error("stock config lacks " + from);
    text.replace(at + 1, from.size(), to);
  };
  replace_line("LOG_FILE_NAME=/var/log/fabricmanager.log", "LOG_FILE_NAME=");
  replace_line("LOG_USE_SYSLOG=0", "LOG_USE_SYSLOG=1");
  replace_line("DAEMONIZE=1", "DAEMONIZE=0");
  replace_line("FABRIC_MODE=0", "FABRIC_MODE=" + std::to_string(fabric_mode));
  return text + "PARTITION_RAIL_POLICY=" + rail_policy + "\n";
}

class FabricBootTest : public GuestBootTest {
 protected:
  // The agent ran, printed calls.log, and the guest powered off when it exited.
  static void expect_handed_off(const Boot& boot) {
    EXPECT_EQ(boot.exit_code, 130) << boot.describe();
    EXPECT_TRUE(boot.agent_reported()) << boot.describe();
    EXPECT_EQ(boot.power_off_lines(),
              std::vector<std::string>{power_off_line(7, "kata-agent exited with status 0")})
        << boot.describe();
  }

  // The boot powered off at error level because `helper` failed, before the agent ran, with
  // every one of `needles` in the one power-off line.
  static void expect_failure(const Boot& boot, const std::string& helper,
                             const std::vector<std::string>& needles) {
    EXPECT_EQ(boot.exit_code, 130) << boot.describe();
    EXPECT_FALSE(boot.agent_reported()) << "the agent must never run\n" << boot.describe();
    const std::vector<std::string> lines = boot.power_off_lines();
    ASSERT_EQ(lines.size(), 1u) << boot.describe();
    EXPECT_TRUE(lines[0].starts_with(power_off_line(3, "helper " + helper + " failed")))
        << lines[0];
    for (const std::string& needle : needles)
      EXPECT_NE(lines[0].find(needle), std::string::npos) << "no '" << needle << "' in\n"
                                                          << lines[0];
  }

  static void expect_fm_config(const GpuGuest& guest, unsigned fabric_mode,
                               const std::string& rail_policy) {
    EXPECT_EQ(guest.kept_file("fabricmanager.cfg"), expected_fm_config(fabric_mode, rail_policy));
  }
};

// --- each topology ------------------------------------------------------------------------

TEST_F(FabricBootTest, Nvl4GpuVmWithEightGpusRunsFabricManagerBeforePersistenced) {
  GpuGuest guest("nvl4-8gpu", "gpus=8\n");
  Boot boot = guest.boot(kShowCalls);
  expect_handed_off(boot);
  EXPECT_EQ(guest.calls(),
            (Calls{kModprobeNvidia, kModprobeUvm, kFm, kFabricQuery, kPersistenced, kCtk}))
      << boot.describe();
  expect_fm_config(guest, 0, "greedy");
}

TEST_F(FabricBootTest, Nvl4GpuVmWithOneGpuKeepsNvlinkForTheFabric) {
  GpuGuest guest("nvl4-1gpu", "gpus=1\n");
  Boot boot = guest.boot(kShowCalls);
  expect_handed_off(boot);
  // No NVreg_NvLinkDisable=1: this GPU's links belong to the fabric partition.
  EXPECT_EQ(guest.calls(),
            (Calls{kModprobeNvidia, kModprobeUvm, kFm, kFabricQuery, kPersistenced, kCtk}))
      << boot.describe();
  expect_fm_config(guest, 0, "greedy");
}

TEST_F(FabricBootTest, Nvl5GpuVmWithEightGpusStartsNvlsmThenFabricManagerOnTheFcPfPort) {
  GpuGuest guest("nvl5-8gpu", "gpus=8\n", "", Infiniband::kFromTopology);
  Boot boot = guest.boot(kShowCalls + "+cat:/run/syslog.log");
  expect_handed_off(boot);
  EXPECT_EQ(guest.calls(), (Calls{kModprobeNvidia, kModprobeUvm, kModprobeIbUmad, kModprobeMlx5Ib,
                                  kNvlsm, kFmNvl5, kFabricQuery, kPersistenced, kCtk}))
      << boot.describe();
  expect_fm_config(guest, 0, "symmetric");
  // Both daemons' output is kept by PID 1, whatever nvrc.log says.
  const std::optional<std::string> syslog = boot.agent_file("/run/syslog.log");
  ASSERT_TRUE(syslog.has_value()) << boot.describe();
  EXPECT_NE(syslog->find("SUBNET UP"), std::string::npos) << *syslog;
  EXPECT_NE(syslog->find(kFmMarker), std::string::npos) << *syslog;
}

TEST_F(FabricBootTest, Nvl4ServiceVmRunsFabricManagerInSharedNvSwitchModeOnly) {
  GpuGuest guest("servicevm-nvl4", "");
  Boot boot = guest.boot(kShowCalls);
  expect_handed_off(boot);
  // No GPU: no nvidia-uvm, no fabric state to query, no persistenced, no CDI spec.
  EXPECT_EQ(guest.calls(), (Calls{kModprobeNvidia, kFm})) << boot.describe();
  expect_fm_config(guest, 1, "greedy");
}

TEST_F(FabricBootTest, Nvl5ServiceVmNeverLoadsNvidia) {
  GpuGuest guest("servicevm-nvl5", "", "", Infiniband::kFromTopology);
  Boot boot = guest.boot(kShowCalls);
  expect_handed_off(boot);
  EXPECT_EQ(guest.calls(), (Calls{kModprobeIbUmad, kModprobeMlx5Ib, kNvlsm, kFmNvl5}))
      << boot.describe();
  expect_fm_config(guest, 1, "symmetric");
}

TEST_F(FabricBootTest, FabricModeAndRailPolicyFollowTheKernelCommandLine) {
  GpuGuest guest("nvl4-8gpu", "gpus=8\n");
  Boot boot = guest.boot("nvrc.fm.mode=1 nvrc.fm.rail.policy=symmetric " + kShowCalls);
  expect_handed_off(boot);
  expect_fm_config(guest, 1, "symmetric");

  GpuGuest nvl5("servicevm-nvl5", "", "", Infiniband::kFromTopology);
  Boot nvl5_boot = nvl5.boot("nvrc.fm.mode=0 nvrc.fm.rail.policy=greedy " + kShowCalls);
  expect_handed_off(nvl5_boot);
  expect_fm_config(nvl5, 0, "greedy");
}

// --- fabric state ---------------------------------------------------------------------------

TEST_F(FabricBootTest, FabricStillInProgressIsQueriedAgainUntilCompleted) {
  GpuGuest guest("nvl4-8gpu", "gpus=8\nfabric_in_progress_queries=2\n");
  Boot boot = guest.boot(kShowCalls);
  expect_handed_off(boot);
  EXPECT_EQ(guest.calls(), (Calls{kModprobeNvidia, kModprobeUvm, kFm, kFabricQuery, kFabricQuery,
                                  kFabricQuery, kPersistenced, kCtk}))
      << boot.describe();
}

TEST_F(FabricBootTest, FabricFailedOnOneGpuPowersOffNamingItAndItsStatus) {
  GpuGuest guest("nvl4-8gpu", "gpus=8\nfabric.3=failed\n");
  Boot boot = guest.boot(kShowCalls);
  expect_failure(boot, "fabric-launcher", {"00000000:48:00.0", "Insufficient Resources"});
  // Nothing after the failed check: persistenced never starts on a GPU without its fabric.
  EXPECT_EQ(guest.calls(), (Calls{kModprobeNvidia, kModprobeUvm, kFm, kFabricQuery}))
      << boot.describe();
}

// --- Fabric Manager failing ------------------------------------------------------------------

struct FmFailure {
  std::string name, fake_config, cmdline;
  std::vector<std::string> needles;
  friend void PrintTo(const FmFailure& failure, std::ostream* os) { *os << failure.name; }
};

class FabricManagerFailureTest : public FabricBootTest,
                                 public ::testing::WithParamInterface<FmFailure> {};

TEST_P(FabricManagerFailureTest, PowersOffBeforePersistencedNamingTheDaemon) {
  GpuGuest guest("nvl4-8gpu", "gpus=8\n" + GetParam().fake_config);
  const auto start = std::chrono::steady_clock::now();
  Boot boot = guest.boot(GetParam().cmdline + " " + kShowCalls);
  const auto took = std::chrono::steady_clock::now() - start;
  expect_failure(boot, "fabric-launcher", GetParam().needles);
  EXPECT_EQ(guest.calls(), (Calls{kModprobeNvidia, kModprobeUvm, kFm})) << boot.describe();
  EXPECT_LT(took, std::chrono::seconds(20)) << "the 2 s readiness timeout was not applied";
}

INSTANTIATE_TEST_SUITE_P(
    Fm, FabricManagerFailureTest,
    ::testing::Values(
        FmFailure{"Fails", "fm=fail\n", "", {"nv-fabricmanager", "exited with status 1"}},
        FmFailure{"Crashes", "fm=crash\n", "", {"nv-fabricmanager", "killed by signal SIGSEGV"}},
        FmFailure{"Hangs",
                  "fm=hang\n",
                  "nvrc.timeout.fabricmanager=2",
                  {"nv-fabricmanager", "nvrc.timeout.fabricmanager"}},
        // Its last log lines are shown.
        FmFailure{"NeverReady",
                  "fm=no-marker\n",
                  "nvrc.timeout.fabricmanager=2",
                  {"nv-fabricmanager", "nvrc.timeout.fabricmanager",
                   "Waiting for the NVLink fabric to be discovered"}}),
    [](const auto& info) { return info.param.name; });

TEST_F(FabricBootTest, FabricManagerCrashingAfterHandOffIsLoggedAndReaped) {
  // FM dies of SIGSEGV 700 ms after its readiness line, while the agent sleeps 2 s.
  GpuGuest guest("nvl4-8gpu", "gpus=8\nfm=crash-after-ready\ncrash_after_ms=700\n");
  Boot boot = guest.boot("nvrc.log=error " + kShowCalls + "+sleep:2");
  expect_handed_off(boot);
  EXPECT_EQ(boot.report()["slept"], "2") << boot.describe();
  EXPECT_EQ(guest.calls(),
            (Calls{kModprobeNvidia, kModprobeUvm, kFm, kFabricQuery, kPersistenced, kCtk}))
      << boot.describe();
  int found = 0;
  for (const std::string& line : boot.kmsg_lines())
    found += line.starts_with("<3>ccinit: daemon nv-fabricmanager (pid ") &&
             line.ends_with(") killed by signal SIGSEGV");
  EXPECT_EQ(found, 1) << boot.describe();
}

// --- NVLSM failing ---------------------------------------------------------------------------

TEST_F(FabricBootTest, NvlsmNeverCreatingItsSocketTimesOutAsConfigured) {
  GpuGuest guest("nvl5-8gpu", "gpus=8\nnvlsm=no-socket\n", "", Infiniband::kFromTopology);
  const auto start = std::chrono::steady_clock::now();
  Boot boot = guest.boot("nvrc.timeout.nvlsm=2 " + kShowCalls);
  const auto took = std::chrono::steady_clock::now() - start;
  // Named with the setting and nvlsm's last log lines.
  expect_failure(boot, "fabric-launcher", {"nvlsm", "nvrc.timeout.nvlsm", "Entering MASTER state"});
  EXPECT_EQ(guest.calls(),
            (Calls{kModprobeNvidia, kModprobeUvm, kModprobeIbUmad, kModprobeMlx5Ib, kNvlsm}))
      << boot.describe();
  EXPECT_LT(took, std::chrono::seconds(20)) << "the 2 s socket timeout was not applied";
}

TEST_F(FabricBootTest, NvlsmFailingPowersOffBeforeFabricManager) {
  GpuGuest guest("nvl5-8gpu", "gpus=8\nnvlsm=fail\n", "", Infiniband::kFromTopology);
  Boot boot = guest.boot(kShowCalls);
  expect_failure(boot, "fabric-launcher", {"nvlsm", "exited with status 1"});
  EXPECT_EQ(guest.calls(),
            (Calls{kModprobeNvidia, kModprobeUvm, kModprobeIbUmad, kModprobeMlx5Ib, kNvlsm}))
      << boot.describe();
}

// --- refusals --------------------------------------------------------------------------------

TEST_F(FabricBootTest, MixedFabricIsRefusedBeforeAnythingRuns) {
  GpuGuest guest("mixed-8gpu", "gpus=8\n", "", Infiniband::kFromTopology);
  Boot boot = guest.boot(kShowCalls);
  expect_failure(
      boot, "gpu-configurator",
      {"mixed NVLink fabric", "8 NVIDIA GPU(s), 4 NVSwitch(es), 4 Mellanox SW_MNG function(s)"});
  EXPECT_EQ(guest.calls(), Calls{}) << boot.describe();
}

struct NoPort {
  std::string topology;
  std::vector<std::string> needles;
  friend void PrintTo(const NoPort& no_port, std::ostream* os) { *os << no_port.topology; }
};

class NoQualifyingPortTest : public FabricBootTest, public ::testing::WithParamInterface<NoPort> {};

TEST_P(NoQualifyingPortTest, IsRefusedNamingEachPortAndWhyBeforeNvlsmStarts) {
  GpuGuest guest(GetParam().topology, "gpus=8\n", "", Infiniband::kFromTopology);
  Boot boot = guest.boot(kShowCalls);
  expect_failure(boot, "fabric-launcher", GetParam().needles);
  EXPECT_EQ(guest.calls(), (Calls{kModprobeNvidia, kModprobeUvm, kModprobeIbUmad, kModprobeMlx5Ib}))
      << boot.describe();
}

INSTANTIATE_TEST_SUITE_P(
    Nvl5, NoQualifyingPortTest,
    ::testing::Values(
        NoPort{"nvl5-8gpu-sm-disabled",
               {"no InfiniBand port for the NVLink fabric manager",
                "mlx5_1 (0000:c0:00.0) port 1: SM disabled (IsSMDisabled set in cap_mask "
                "0xa651ec48)",
                "mlx5_2 (0000:c0:00.1) port 1: SM disabled"}},
        NoPort{"nvl5-8gpu-zero-gid",
               {"no InfiniBand port for the NVLink fabric manager",
                "mlx5_1 (0000:c0:00.0) port 1: zero GID (GID 0 has no port GUID)",
                "mlx5_2 (0000:c0:00.1) port 1: SM disabled"}}),
    [](const auto& info) {
      std::string name = info.param.topology;
      std::replace(name.begin(), name.end(), '-', '_');
      return name;
    });

// --- dry runs --------------------------------------------------------------------------------

// Runs a helper of the guest root by hand, as an operator would on captured sysfs trees:
// chrooted into the root in a private mount namespace where sysfs is mounted, the PCI tree is
// bound over /sys/bus/pci/devices and, when the guest has one, the InfiniBand tree over
// /sys/class/infiniband (a tmpfs /sys/class holding it: the machine may have none).
ProgramRun run_helper_on_trees(const GpuGuest& guest, const std::string& helper,
                               const std::vector<std::string>& args) {
  const std::string root = guest.root();
  std::vector<std::string> argv = {"/usr/libexec/ccinit/" + helper};
  argv.insert(argv.end(), args.begin(), args.end());
  // Paths are built before fork: the step may only make system calls.
  const std::string sys = root + "/sys", pci = root + "/sys/bus/pci/devices",
                    sys_class = root + "/sys/class", ib = root + "/sys/class/infiniband",
                    proc = root + "/proc", run = root + "/run", tree = guest.pci_tree(),
                    ib_tree = guest.infiniband_tree();
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
    if (!ib_tree.empty()) {
      if (!mounted("tmpfs", sys_class, "tmpfs", MS_NOSUID | MS_NODEV)) return "tmpfs /sys/class";
      if (::mkdir(ib.c_str(), 0755) != 0) return "mkdir /sys/class/infiniband";
      if (!mounted(ib_tree.c_str(), ib, nullptr, MS_BIND)) return "bind the InfiniBand tree";
    }
    if (!mounted("proc", proc, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)) return "mount proc";
    if (!mounted("tmpfs", run, "tmpfs", MS_NOSUID | MS_NODEV)) return "mount /run";
    if (::chroot(root.c_str()) != 0 || ::chdir("/") != 0) return "chroot";
    return nullptr;
  };
  return run_program(argv, options);
}

// Checks that `steps` appear in `all` in this order.
void expect_in_order(const std::string& all, const std::vector<std::string>& steps) {
  std::size_t from = 0;
  for (const std::string& step : steps) {
    const std::size_t at = all.find(step, from);
    EXPECT_NE(at, std::string::npos) << "plan lacks '" << step << "' (in order):\n" << all;
    if (at != std::string::npos) from = at + step.size();
  }
}

TEST_F(FabricBootTest, GpuConfiguratorDryRunOnACapturedNvl5TreeShowsTheModulesAndRunsNothing) {
  GpuGuest guest("nvl5-8gpu", "", "", Infiniband::kFromTopology);
  ProgramRun run =
      run_helper_on_trees(guest, "gpu-configurator", {"--dry-run", "--cmdline", "nvrc.mode=auto"});
  const std::string all = run.out + run.err;
  EXPECT_EQ(run.exit_code, 0) << all;
  expect_in_order(all, {"/sbin/modprobe nvidia\n", "/sbin/modprobe nvidia-uvm",
                        "/sbin/modprobe ib_umad", "/sbin/modprobe mlx5_ib"});
  EXPECT_EQ(all.find("nvidia-persistenced"), std::string::npos)
      << "persistenced belongs to the stage after the fabric:\n"
      << all;
  EXPECT_EQ(guest.calls(), Calls{}) << "a dry run ran a tool:\n" << all;
}

// An operator walks a captured tree through the boot's three helper runs by hand: the
// decision gpu-configurator prints ("detected: ...") is what PID 1 would relay, and the
// later helpers take it with --detected. Nothing runs.
struct HandRun {
  std::string topology;
  std::string cmdline;
  std::vector<std::string> modules;  // what gpu-configurator would load, in order
  std::vector<std::string> fabric;   // what fabric-launcher would start and run, in order
  bool gpus;                         // gpu-configurator --after-fabric follows
};

class FabricHandRunTest : public FabricBootTest, public ::testing::WithParamInterface<HandRun> {
 protected:
  std::string detected_line(const std::string& all) {
    constexpr std::string_view kMark = "info: detected: ";
    const std::size_t at = all.find(kMark);
    if (at == std::string::npos) return "";
    const std::size_t start = at + kMark.size();
    return all.substr(start, all.find('\n', start) - start);
  }
};

TEST_P(FabricHandRunTest, DryRunsOfTheThreeHelperRunsOnACapturedTree) {
  const HandRun& p = GetParam();
  GpuGuest guest(p.topology, "", "", Infiniband::kFromTopology);
  ProgramRun first =
      run_helper_on_trees(guest, "gpu-configurator", {"--dry-run", "--cmdline", p.cmdline});
  std::string all = first.out + first.err;
  ASSERT_EQ(first.exit_code, 0) << all;
  std::vector<std::string> modules;
  for (const std::string& m : p.modules) modules.push_back("would run: /sbin/modprobe " + m + "\n");
  expect_in_order(all, modules);
  EXPECT_EQ(all.find("persistenced"), std::string::npos) << all;
  const std::string detected = detected_line(all);
  ASSERT_FALSE(detected.empty()) << all;

  ProgramRun fabric = run_helper_on_trees(
      guest, "fabric-launcher", {"--dry-run", "--cmdline", p.cmdline, "--detected", detected});
  all = fabric.out + fabric.err;
  EXPECT_EQ(fabric.exit_code, 0) << all;
  std::vector<std::string> tools;
  for (const std::string& t : p.fabric) tools.push_back("/bin/" + t);
  expect_in_order(all, tools);

  if (p.gpus) {
    ProgramRun after = run_helper_on_trees(
        guest, "gpu-configurator",
        {"--dry-run", "--cmdline", p.cmdline, "--detected", detected, "--after-fabric"});
    all = after.out + after.err;
    EXPECT_EQ(after.exit_code, 0) << all;
    expect_in_order(all, {"/bin/" + kPersistenced, "/bin/" + kCtk});
    EXPECT_EQ(all.find("modprobe"), std::string::npos) << all;
  }
  EXPECT_EQ(guest.calls(), Calls{}) << "a dry run ran a tool";
}

INSTANTIATE_TEST_SUITE_P(
    Topologies, FabricHandRunTest,
    ::testing::Values(HandRun{"nvl4-8gpu", "", {"nvidia", "nvidia-uvm"}, {kFm, kFabricQuery}, true},
                      HandRun{"nvl4-1gpu", "", {"nvidia", "nvidia-uvm"}, {kFm, kFabricQuery}, true},
                      HandRun{"nvl5-8gpu",
                              "nvrc.mode=nvswitch-nvl5",
                              {"nvidia", "nvidia-uvm", "ib_umad", "mlx5_ib"},
                              {kNvlsm, kFmNvl5, kFabricQuery},
                              true},
                      HandRun{"servicevm-nvl4", "", {"nvidia"}, {kFm}, false},
                      HandRun{
                          "servicevm-nvl5", "", {"ib_umad", "mlx5_ib"}, {kNvlsm, kFmNvl5}, false}),
    [](const auto& info) {
      std::string name = info.param.topology;
      std::replace(name.begin(), name.end(), '-', '_');
      return name;
    });

TEST_F(FabricBootTest, AHandRunFabricLauncherWithoutADecisionSaysWhereItComesFrom) {
  GpuGuest guest("nvl5-8gpu", "", "", Infiniband::kFromTopology);
  ProgramRun run = run_helper_on_trees(guest, "fabric-launcher", {"--dry-run"});
  const std::string all = run.out + run.err;
  EXPECT_EQ(run.exit_code, 1) << all;
  EXPECT_NE(all.find("no mode decision in the request"), std::string::npos) << all;
}

TEST(FabricDryRun, CcinitPlanRunsTheFabricBetweenTheTwoGpuStages) {
  for (const std::string mode : {"nvswitch-nvl4", "nvswitch-nvl5"}) {
    ProgramRun run =
        run_program({bin_dir() + "/ccinit", "--dry-run", "--cmdline", "nvrc.mode=" + mode});
    EXPECT_EQ(run.exit_code, 0) << run.describe();
    expect_in_order(run.out,
                    {"/usr/libexec/ccinit/mounter", "/usr/libexec/ccinit/gpu-configurator",
                     "/usr/libexec/ccinit/fabric-launcher", "/usr/libexec/ccinit/gpu-configurator",
                     "/usr/libexec/ccinit/lockdown", "/usr/bin/kata-agent"});
  }
}

}  // namespace
}  // namespace ccinit::itest
