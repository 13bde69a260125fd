// ccinit as the real PID 1 of a real kernel: Debian 12's cloud kernel under QEMU, booted
// from the images tests/vm/build-images makes. Every boot is held to kBootSeconds.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/vm/vm_guest.h"

namespace ccinit::vmtest {
namespace {

using ::testing::HasSubstr;

constexpr const char* kPowerDown = "reboot: Power down";
constexpr const char* kPanic = "Kernel panic";
constexpr const char* kAgentStarted = "kata-agent: started";

class VmBootTest : public ::testing::Test {
 protected:
  void SetUp() override { CCINIT_REQUIRE(cannot_boot_vms()); }
};

// The agent never ran: no start record, no report.
void ExpectNoAgent(const VmBoot& boot) {
  EXPECT_FALSE(boot.has_line_containing(kAgentStarted)) << boot.describe();
  EXPECT_FALSE(boot.has_line_containing("AGENT-REPORT-BEGIN")) << boot.describe();
}

// An orderly power-off by PID 1 for `reason`, not a panic.
void ExpectPoweredOffFor(const VmBoot& boot, const std::string& reason) {
  ASSERT_EQ(boot.exit_code, kPoweredOffWithReason) << boot.describe();
  EXPECT_EQ(boot.power_off_reasons(), std::vector<std::string>{reason}) << boot.describe();
  EXPECT_TRUE(boot.has_line_containing(kPowerDown)) << boot.describe();
  EXPECT_FALSE(boot.has_line_containing(kPanic)) << boot.describe();
}

TEST_F(VmBootTest, CpuModeHandsOverToTheAgentAndPowersOffWhenItExits) {
  VmBoot boot = boot_vm("nvrc.mode=cpu nvrc.log=info test.agent.action=exit:0");
  ASSERT_EQ(boot.exit_code, kPoweredOffClean) << boot.describe();
  EXPECT_FALSE(boot.has_line_containing(kPanic)) << boot.describe();

  auto report = boot.report();
  ASSERT_EQ(report["action"], "exit:0") << boot.describe();
  EXPECT_EQ(report["ppid"], "1");
  EXPECT_EQ(report["session_leader"], "yes");
  EXPECT_EQ(report["uid"], "0");
  EXPECT_EQ(report["cwd"], "/");
  EXPECT_EQ(report["env"], "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  EXPECT_EQ(report["fds"], "0,1,2");
  EXPECT_EQ(report["rlimit_nofile"], "1048576/1048576");
  EXPECT_EQ(report["oom_score_adj"], "-997");
  EXPECT_EQ(report["Seccomp"], "0");
  EXPECT_EQ(report["NoNewPrivs"], "0");
  EXPECT_EQ(report["SigBlk"], "0000000000000000");
  EXPECT_EQ(report["SigIgn"], "0000000000000000");
  EXPECT_EQ(report["CapEff"], report["pid1_CapEff"]);
  EXPECT_EQ(report["CapBnd"], report["pid1_CapBnd"]);
  // The real kernel's full set (41 capabilities on 6.1), so PID 1 kept everything.
  EXPECT_EQ(report["CapEff"], "000001ffffffffff");
  EXPECT_EQ(report["mounts"],
            "/proc:proc,/sys:sysfs,/dev:devtmpfs,/dev/pts:devpts,/dev/shm:tmpfs,/run:tmpfs,"
            "/tmp:tmpfs,/sys/fs/cgroup:cgroup2");
  EXPECT_EQ(report["dev_ptmx"], "present");
  EXPECT_EQ(report["lo"], "up");

  // At nvrc.log=info the boot is told in order: CPU mode runs mounter then lockdown, then
  // the agent starts, and the machine powers off after it.
  const std::vector<std::string> in_order = {"Run /init as init process",
                                             "ccinit: helper mounter started",
                                             "ccinit: helper mounter finished",
                                             "ccinit: helper lockdown started",
                                             "ccinit: helper lockdown finished",
                                             kAgentStarted,
                                             kPowerDown};
  long previous = -1;
  for (const auto& text : in_order) {
    long at = boot.index_of(text);
    EXPECT_GT(at, previous) << "'" << text << "' missing or out of order\n" << boot.describe();
    previous = at;
  }
  EXPECT_FALSE(boot.has_line_containing("helper gpu-configurator")) << boot.describe();
}

// scripts/boot-timeline (which bench/boot/run reads too) tells the boot in order from the
// console: PID 1, each helper with the time PID 1 measured for it, the agent, the power-off.
TEST_F(VmBootTest, BootTimelineTellsEachHelperAndTheAgentInOrder) {
  VmBoot boot = boot_vm("nvrc.mode=cpu nvrc.log=info test.agent.action=exit:0");
  ASSERT_EQ(boot.exit_code, kPoweredOffClean) << boot.describe();
  const std::vector<std::string> timeline = boot.timeline();
  auto index_of = [&](const std::string& text) {
    for (std::size_t i = 0; i < timeline.size(); ++i)
      if (timeline[i].find(text) != std::string::npos) return static_cast<long>(i);
    return -1L;
  };
  long previous = -1;
  for (const char* event : {"kernel start", "PID 1 starts (/init)", "helper mounter starts",
                            "helper mounter finished (", "helper lockdown starts",
                            "helper lockdown finished (", "kata-agent starts", "power-off"}) {
    long at = index_of(event);
    EXPECT_GT(at, previous) << "'" << event << "' missing or out of order\n"
                            << ::testing::PrintToString(timeline);
    previous = at;
  }
  EXPECT_GE(index_of("power-off reason: kata-agent exited with status 0"), 0)
      << ::testing::PrintToString(timeline);
  EXPECT_GE(index_of("PID 1 -> kata-agent start:"), 0) << ::testing::PrintToString(timeline);
}

TEST_F(VmBootTest, QuietByDefault) {
  // loglevel=7, the kernel's default console level (vm-boot raises it to 8 to see PID 1's
  // debug records): what a guest console shows. vm-boot then takes the agent's clean exit
  // from the stand-in agent's start record.
  VmBoot boot = boot_vm("loglevel=7 test.agent.action=exit:0");
  ASSERT_EQ(boot.exit_code, kPoweredOffClean) << boot.describe();
  EXPECT_EQ(boot.report()["action"], "exit:0") << boot.describe();
  EXPECT_EQ(boot.lines_containing("ccinit"), std::vector<std::string>{}) << boot.describe();
}

TEST_F(VmBootTest, BadClockValuePowersOffBeforeTheAgent) {
  VmBoot boot = boot_vm("nvrc.mode=cpu nvrc.smi.lgc=abc");
  ASSERT_EQ(boot.exit_code, kPoweredOffWithReason) << boot.describe();
  auto reasons = boot.power_off_reasons();
  ASSERT_EQ(reasons.size(), 1u) << boot.describe();
  EXPECT_THAT(reasons[0], HasSubstr("bad kernel command line: nvrc.smi.lgc=abc: "));
  EXPECT_FALSE(boot.has_line_containing(kPanic)) << boot.describe();
  ExpectNoAgent(boot);
}

TEST_F(VmBootTest, UnknownNvrcParameterPowersOffBeforeTheAgent) {
  VmBoot boot = boot_vm("nvrc.mode=cpu nvrc.foo=1");
  ASSERT_EQ(boot.exit_code, kPoweredOffWithReason) << boot.describe();
  auto reasons = boot.power_off_reasons();
  ASSERT_EQ(reasons.size(), 1u) << boot.describe();
  EXPECT_THAT(reasons[0], HasSubstr("bad kernel command line: nvrc.foo=1: "));
  ExpectNoAgent(boot);
}

TEST_F(VmBootTest, HelperKilledByItsPolicyIsNamedWithTheSyscall) {
  VmBoot boot = boot_vm("nvrc.mode=cpu test.bad_helper=seccomp", VmOptions().bad_helper());
  // The syscall's name comes from the kernel's audit record of the kill.
  ExpectPoweredOffFor(boot,
                      "helper lockdown failed: killed by its seccomp policy (SIGSYS) in "
                      "syscall socket");
  EXPECT_TRUE(boot.has_line_containing("syscall=41")) << "no audit record\n" << boot.describe();
  ExpectNoAgent(boot);
}

TEST_F(VmBootTest, HelperExitingWithoutAResultPowersOff) {
  VmBoot boot = boot_vm("nvrc.mode=cpu test.bad_helper=exit1", VmOptions().bad_helper());
  ExpectPoweredOffFor(boot, "helper lockdown failed: exited with status 1");
  ExpectNoAgent(boot);
}

// The lockdown tests come in pairs: the same request from the agent, refused after the
// real lockdown helper ran, and granted when a do-nothing helper stands in for it, which
// proves the module loads and kexec gets past its permission check on this kernel.
TEST_F(VmBootTest, LockdownRefusesARealModprobe) {
  VmBoot boot = boot_vm("nvrc.mode=cpu test.agent.action=modprobe:dummy", VmOptions().modules());
  ASSERT_EQ(boot.exit_code, kPoweredOffClean) << boot.describe();
  EXPECT_EQ(boot.report()["modprobe_exit"], "1") << boot.describe();
  EXPECT_TRUE(boot.has_line_containing("could not insert 'dummy': Operation not permitted"))
      << boot.describe();
}

TEST_F(VmBootTest, WithoutLockdownTheSameModprobeLoadsTheModule) {
  VmBoot boot = boot_vm("nvrc.mode=cpu test.bad_helper=ok test.agent.action=modprobe:dummy",
                        VmOptions().bad_helper().modules());
  ASSERT_EQ(boot.exit_code, kPoweredOffClean) << boot.describe();
  EXPECT_EQ(boot.report()["modprobe_exit"], "0") << boot.describe();
}

TEST_F(VmBootTest, LockdownRefusesKexec) {
  VmBoot boot = boot_vm("nvrc.mode=cpu test.agent.action=kexec");
  ASSERT_EQ(boot.exit_code, kPoweredOffClean) << boot.describe();
  auto report = boot.report();
  EXPECT_EQ(report["kexec_load"], "EPERM") << boot.describe();
  EXPECT_EQ(report["kexec_file_load"], "EPERM") << boot.describe();
}

TEST_F(VmBootTest, WithoutLockdownKexecGetsPastThePermissionCheck) {
  VmBoot boot =
      boot_vm("nvrc.mode=cpu test.bad_helper=ok test.agent.action=kexec", VmOptions().bad_helper());
  ASSERT_EQ(boot.exit_code, kPoweredOffClean) << boot.describe();
  auto report = boot.report();
  EXPECT_EQ(report["kexec_load"], "EINVAL") << boot.describe();
  EXPECT_EQ(report["kexec_file_load"], "EINVAL") << boot.describe();
}

TEST_F(VmBootTest, AgentCrashPowersOffInOrderWithoutAPanic) {
  VmBoot boot = boot_vm("nvrc.mode=cpu test.agent.action=signal:SEGV");
  ExpectPoweredOffFor(boot, "kata-agent killed by signal SIGSEGV");
  EXPECT_TRUE(boot.has_line_containing(kAgentStarted)) << boot.describe();
}

TEST_F(VmBootTest, CtrlAltDelPowersOffWhileTheAgentRuns) {
  // loglevel=8: PID 1 logs this reason at debug, which the console hides otherwise.
  VmBoot boot = boot_vm("nvrc.mode=cpu loglevel=8 test.agent.action=sleep:60",
                        VmOptions().send_on("^action=sleep:60$", "sendkey ctrl-alt-delete"));
  ExpectPoweredOffFor(boot, "received SIGINT");
  auto report = boot.report();
  EXPECT_EQ(report["action"], "sleep:60") << boot.describe();
  EXPECT_EQ(report.count("slept"), 0u) << "the agent finished its sleep\n" << boot.describe();
}

TEST_F(VmBootTest, TenThousandOrphansAreAllReaped) {
  VmBoot boot = boot_vm("nvrc.mode=cpu test.agent.action=orphans:10000");
  ASSERT_EQ(boot.exit_code, kPoweredOffClean) << boot.describe();
  auto report = boot.report();
  EXPECT_EQ(report["orphans_started"], "10000") << boot.describe();
  EXPECT_EQ(report["orphans_zombies"], "0");
  EXPECT_EQ(report["orphans_alive"], "0");
  EXPECT_EQ(report["orphans_reaped"], "yes");
}

// vm-boot itself: a clean agent exit is told from PID 1's power-off record, whatever the
// agent prints; this agent writes nothing and exits 0.
TEST_F(VmBootTest, VmBootReportsACleanExitOfAnAgentThatSaysNothing) {
  VmBoot boot = boot_vm("nvrc.mode=cpu", VmOptions().quiet_agent());
  ASSERT_EQ(boot.exit_code, kPoweredOffClean) << boot.describe();
  EXPECT_THAT(boot.verdict, HasSubstr("powered off after a clean agent exit")) << boot.describe();
  EXPECT_EQ(boot.power_off_reasons(), std::vector<std::string>{"kata-agent exited with status 0"})
      << boot.describe();
  // It was the quiet agent that ran, not the stand-in.
  ExpectNoAgent(boot);
}

// Without that record on the console (a loglevel that hides debug records) and without the
// stand-in's start record, nothing says the agent ran: not a clean exit.
TEST_F(VmBootTest, VmBootDoesNotGuessACleanExitItCannotSee) {
  VmBoot boot = boot_vm("nvrc.mode=cpu loglevel=7", VmOptions().quiet_agent());
  ASSERT_EQ(boot.exit_code, kOtherEnd) << boot.describe();
  EXPECT_THAT(boot.verdict, HasSubstr("without ccinit's power-off record")) << boot.describe();
  EXPECT_TRUE(boot.has_line_containing(kPowerDown)) << boot.describe();
}

// vm-boot itself: the other two ways a VM can end are told apart from a power-off.
TEST_F(VmBootTest, VmBootReportsAKernelPanic) {
  // No /nonexistent in the image: the kernel falls back to a root device there is none of.
  VmBoot boot = boot_vm("rdinit=/nonexistent");
  ASSERT_EQ(boot.exit_code, kKernelPanic) << boot.describe();
  EXPECT_THAT(boot.verdict, HasSubstr("kernel panic: ")) << boot.describe();
  EXPECT_FALSE(boot.has_line_containing(kPowerDown)) << boot.describe();
}

TEST_F(VmBootTest, VmBootKillsAVmThatOutlivesItsTimeout) {
  VmBoot boot = boot_vm("nvrc.mode=cpu test.agent.action=sleep:60", VmOptions().timeout(6));
  ASSERT_EQ(boot.exit_code, kTimedOut) << boot.describe();
  EXPECT_THAT(boot.verdict, HasSubstr("timeout")) << boot.describe();
}

}  // namespace
}  // namespace ccinit::vmtest
