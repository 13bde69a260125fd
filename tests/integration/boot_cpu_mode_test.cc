// A good boot: what the agent finds when PID 1 hands over, and what the helpers did to the
// system on the way.
#include <sys/resource.h>

#include <algorithm>
#include <filesystem>
#include <regex>
#include <sstream>

#include "tests/integration/guest_boot.h"

namespace ccinit::itest {
namespace {

constexpr const char* kCleanPowerOff = "<7>ccinit: power off: kata-agent exited with status 0";

// One debug boot in CPU mode, shared by the tests that look at different parts of it.
const Boot& debug_cpu_boot() {
  static const Boot boot = Guest().boot("console=hvc0 nvrc.mode=cpu nvrc.log=debug");
  return boot;
}

// A field of this test process's /proc/self/status, e.g. CapEff.
std::string own_status_field(const std::string& key) {
  std::istringstream status(read_text("/proc/self/status"));
  std::string line;
  while (std::getline(status, line))
    if (line.starts_with(key + ":"))
      return line.substr(line.find_first_not_of(" \t", key.size() + 1));
  return "missing";
}

// Index of the first kmsg line starting with `prefix`, or -1.
long line_index(const std::vector<std::string>& lines, const std::string& prefix) {
  auto it = std::find_if(lines.begin(), lines.end(),
                         [&](const std::string& l) { return l.starts_with(prefix); });
  return it == lines.end() ? -1 : it - lines.begin();
}

class CpuModeBoot : public GuestBootTest {};

TEST_F(CpuModeBoot, PowersOffCleanlyWhenTheAgentExits) {
  const Boot& boot = debug_cpu_boot();
  ASSERT_EQ(boot.exit_code, 130) << boot.describe();
  EXPECT_TRUE(boot.agent_reported()) << boot.describe();
  EXPECT_EQ(boot.power_off_lines(), std::vector<std::string>{kCleanPowerOff}) << boot.describe();
  ASSERT_FALSE(boot.kmsg_lines().empty());
  EXPECT_EQ(boot.kmsg_lines().back(), kCleanPowerOff) << "the power-off reason is the last word";
}

TEST_F(CpuModeBoot, AgentStartsWithExactlyTheSpecifiedEnvironment) {
  const Boot& boot = debug_cpu_boot();
  auto report = boot.report();
  ASSERT_FALSE(report.empty()) << boot.describe();
  EXPECT_EQ(report["env"], "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  EXPECT_EQ(report["fds"], "0,1,2");
  EXPECT_EQ(report["cwd"], "/");
  if (machine_has_cap_sys_resource()) {
    EXPECT_EQ(report["rlimit_nofile"], "1048576/1048576");
    EXPECT_EQ(report["oom_score_adj"], "-997");
  } else {
    // No process here may raise its hard limit or lower oom_score_adj: the agent gets the
    // most the machine allows and PID 1 says so (the VM tests check the real values).
    struct rlimit own {};
    getrlimit(RLIMIT_NOFILE, &own);
    std::string most = std::to_string(std::min<rlim_t>(own.rlim_max, 1048576));
    EXPECT_EQ(report["rlimit_nofile"], most + "/" + most);
    EXPECT_EQ(report["oom_score_adj"], "0");
    EXPECT_NE(boot.kmsg.find("<4>ccinit: CAP_SYS_RESOURCE is not in the bounding set: "
                             "kata-agent gets RLIMIT_NOFILE " +
                             most + " instead of 1048576"),
              std::string::npos)
        << boot.describe();
  }
  EXPECT_EQ(report["ppid"], "1");
  EXPECT_EQ(report["session_leader"], "yes") << "sid " << report["sid"];
  EXPECT_EQ(report["uid"], "0");
}

TEST_F(CpuModeBoot, AgentKeepsFullCapabilitiesWithoutAnyConfinement) {
  const Boot& boot = debug_cpu_boot();
  auto report = boot.report();
  ASSERT_FALSE(report.empty()) << boot.describe();
  for (const char* set : {"CapEff", "CapPrm", "CapBnd"}) {
    EXPECT_EQ(report[set], report[std::string("pid1_") + set]) << set;
    // PID 1 itself dropped nothing either: it has what the machine gave ns-boot.
    EXPECT_EQ(report[std::string("pid1_") + set], own_status_field(set)) << set;
  }
  // Observed (CCINIT_OBSERVE_DIR), the whole guest runs under ns-boot's recording filter.
  EXPECT_EQ(report["Seccomp"], boot.observation.empty() ? "0" : "2");
  EXPECT_EQ(report["NoNewPrivs"], "0");
  EXPECT_EQ(report["SigBlk"], "0000000000000000");
  EXPECT_EQ(report["SigIgn"], "0000000000000000");
}

TEST_F(CpuModeBoot, AgentFindsTheFilesystemsDevicesAndLoopbackItNeeds) {
  const Boot& boot = debug_cpu_boot();
  auto report = boot.report();
  ASSERT_FALSE(report.empty()) << boot.describe();
  // /dev is ns-boot's tmpfs standing in for the kernel's devtmpfs.
  EXPECT_EQ(report["mounts"],
            "/proc:proc,/sys:sysfs,/dev:tmpfs,/dev/pts:devpts,/dev/shm:tmpfs,/run:tmpfs,"
            "/tmp:tmpfs,/sys/fs/cgroup:cgroup2");
  EXPECT_EQ(report["dev_ptmx"], "present");
  EXPECT_EQ(report["lo"], "up");
}

TEST_F(CpuModeBoot, LockdownDisablesModuleLoadingAndKexec) {
  const Boot& boot = debug_cpu_boot();
  EXPECT_EQ(boot.sysctl.at("kernel.modules_disabled"), "1") << boot.describe();
  EXPECT_EQ(boot.sysctl.at("kernel.kexec_load_disabled"), "1") << boot.describe();
}

TEST_F(CpuModeBoot, MounterRaisesTheNetworkBufferSizes) {
  const Boot& boot = debug_cpu_boot();
  for (const char* knob :
       {"net.core.rmem_default", "net.core.wmem_default", "net.core.rmem_max", "net.core.wmem_max"})
    EXPECT_EQ(boot.sysctl.at(knob), "16777216") << knob << "\n" << boot.describe();
}

TEST_F(CpuModeBoot, RequestedLogTurnsOffKmsgRateLimiting) {
  const Boot& boot = debug_cpu_boot();
  // Writers do not truncate (procfs needs no truncation), so the tail of the stand-in's
  // initial "ratelimit" may follow what was written.
  EXPECT_TRUE(boot.sysctl.at("kernel.printk_devkmsg").starts_with("on"))
      << boot.sysctl.at("kernel.printk_devkmsg");
}

TEST_F(CpuModeBoot, EveryHelperRunsConfinedAndNoneTripsItsPolicy) {
  const Boot& boot = debug_cpu_boot();
  for (const char* helper : {"mounter", "lockdown"}) {
    const std::regex confined(std::string("^<7>ccinit: ") + helper +
                              ": confinement: Seccomp=2 NoNewPrivs=1 .*");
    const auto lines = boot.kmsg_lines();
    EXPECT_TRUE(std::any_of(lines.begin(), lines.end(),
                            [&](const std::string& l) { return std::regex_match(l, confined); }))
        << helper << " logged no confinement line\n"
        << boot.describe();
  }
  EXPECT_EQ(boot.kmsg.find("SIGSYS"), std::string::npos) << boot.describe();
  EXPECT_EQ(boot.kmsg.find("seccomp policy"), std::string::npos) << boot.describe();
}

TEST_F(CpuModeBoot, HelpersRunOneAfterAnotherBeforeTheAgent) {
  const Boot& boot = debug_cpu_boot();
  const auto lines = boot.kmsg_lines();
  long mounter_started = line_index(lines, "<6>ccinit: helper mounter started (pid ");
  long mounter_done = line_index(lines, "<6>ccinit: helper mounter finished in ");
  long lockdown_started = line_index(lines, "<6>ccinit: helper lockdown started (pid ");
  long lockdown_done = line_index(lines, "<6>ccinit: helper lockdown finished in ");
  long agent_started = line_index(lines, "<6>kata-agent: started");
  ASSERT_GE(mounter_started, 0) << boot.describe();
  EXPECT_LT(mounter_started, mounter_done);
  EXPECT_LT(mounter_done, lockdown_started);
  EXPECT_LT(lockdown_started, lockdown_done);
  EXPECT_LT(lockdown_done, agent_started);
  EXPECT_EQ(line_index(lines, "<6>ccinit: helper gpu-configurator"), -1)
      << "cpu mode detects nothing";
}

TEST_F(CpuModeBoot, QuietByDefault) {
  Boot boot = Guest().boot("console=hvc0 nvrc.mode=cpu");
  ASSERT_EQ(boot.exit_code, 130) << boot.describe();
  EXPECT_TRUE(boot.agent_reported()) << boot.describe();
  // The agent's own record, and from ccinit nothing but the reason for the power-off.
  EXPECT_EQ(boot.kmsg_lines(),
            (std::vector<std::string>{"<6>kata-agent: started", kCleanPowerOff}));
  EXPECT_EQ(boot.sysctl.at("kernel.printk_devkmsg"), "ratelimit") << "no log was asked for";
  // Logging is off, the work is not.
  EXPECT_EQ(boot.sysctl.at("kernel.modules_disabled"), "1");
}

bool machine_has_nvidia_pci_device() {
  std::error_code ignored;
  for (const auto& dev : std::filesystem::directory_iterator("/sys/bus/pci/devices", ignored)) {
    try {
      if (read_text((dev.path() / "vendor").string()).starts_with("0x10de")) return true;
    } catch (const std::exception&) {
    }
  }
  return false;
}

TEST_F(CpuModeBoot, AutoModeWithoutNvidiaDevicesDetectsCpuAndBoots) {
  if (machine_has_nvidia_pci_device())
    GTEST_SKIP() << "this machine has an NVIDIA PCI device, which the guest's sysfs shows";
  Boot boot = Guest().boot("console=hvc0 nvrc.log=info");
  ASSERT_EQ(boot.exit_code, 130) << boot.describe();
  EXPECT_TRUE(boot.agent_reported()) << boot.describe();
  const auto lines = boot.kmsg_lines();
  long detect_started = line_index(lines, "<6>ccinit: helper gpu-configurator started (pid ");
  long detect_done = line_index(lines, "<6>ccinit: helper gpu-configurator finished in ");
  long lockdown_started = line_index(lines, "<6>ccinit: helper lockdown started (pid ");
  EXPECT_GE(detect_started, 0) << boot.describe();
  EXPECT_LT(detect_started, detect_done);
  EXPECT_LT(detect_done, lockdown_started);
  EXPECT_EQ(boot.power_off_lines(), std::vector<std::string>{kCleanPowerOff}) << boot.describe();
}

}  // namespace
}  // namespace ccinit::itest
