// What PID 1 does while the agent runs and when it ends.
#include "tests/integration/guest_boot.h"

namespace ccinit::itest {
namespace {

TEST_F(GuestBootTest, AgentFailureStatusIsThePowerOffReason) {
  Boot boot = Guest().boot("nvrc.mode=cpu test.agent.action=exit:3");
  ASSERT_EQ(boot.exit_code, 130) << boot.describe();
  EXPECT_EQ(boot.report()["action"], "exit:3") << boot.describe();
  EXPECT_EQ(boot.power_off_lines(),
            std::vector<std::string>{power_off_line(3, "kata-agent exited with status 3")})
      << boot.describe();
}

TEST_F(GuestBootTest, AgentKilledBySignalPowersOffNamingTheSignal) {
  Boot boot = Guest().boot("nvrc.mode=cpu test.agent.action=signal:SEGV");
  ASSERT_EQ(boot.exit_code, 130) << boot.describe();
  EXPECT_EQ(boot.report()["action"], "signal:SEGV") << boot.describe();
  EXPECT_EQ(boot.power_off_lines(),
            std::vector<std::string>{power_off_line(3, "kata-agent killed by signal SIGSEGV")})
      << boot.describe();
}

TEST_F(GuestBootTest, Pid1CrashPowersOffInsteadOfPanicking) {
  // A fault signal in PID 1 would panic the kernel (and with panic=N reboot the guest); the
  // crash guard must turn it into a power-off with the reason.
  Boot boot = Guest().boot("nvrc.mode=cpu test.agent.action=signal-pid1:SEGV");
  ASSERT_EQ(boot.exit_code, 130) << boot.describe();
  EXPECT_EQ(boot.report()["signalled_pid1"], "yes") << boot.describe();
  EXPECT_NE(boot.kmsg.find("<2>ccinit: power off: PID 1 crashed with SIGSEGV\n"), std::string::npos)
      << boot.describe();
}

TEST_F(GuestBootTest, ShutdownSignalsPowerOffInOrder) {
  for (const char* sig : {"TERM", "PWR", "INT"}) {
    Boot boot = Guest().boot(std::string("nvrc.mode=cpu test.agent.action=signal-pid1:") + sig);
    ASSERT_EQ(boot.exit_code, 130) << boot.describe();
    EXPECT_EQ(boot.power_off_lines(),
              std::vector<std::string>{std::string("<5>ccinit: power off: received SIG") + sig})
        << boot.describe();
  }
}

TEST_F(GuestBootTest, OrphansOfTheAgentAreReapedWhileItRuns) {
  Boot boot = Guest().boot("nvrc.mode=cpu test.agent.action=orphans:1000");
  ASSERT_EQ(boot.exit_code, 130) << boot.describe();
  auto report = boot.report();
  ASSERT_EQ(report["orphans_started"], "1000") << boot.describe();
  EXPECT_EQ(report["orphans_zombies"], "0");
  EXPECT_EQ(report["orphans_alive"], "0");
  EXPECT_EQ(report["orphans_reaped"], "yes");
  EXPECT_EQ(boot.power_off_lines(),
            std::vector<std::string>{power_off_line(7, "kata-agent exited with status 0")})
      << boot.describe();
}

}  // namespace
}  // namespace ccinit::itest

namespace ccinit::itest {
namespace {

// Negative control for the test above: with an init that reaps nothing (the agent itself as
// PID 1 of the namespace), the agent's check does see the zombies. So "orphans_reaped=yes"
// above is ccinit's doing.
TEST_F(GuestBootTest, OrphanCheckSeesZombiesWhenNobodyReaps) {
  Guest guest(RootOptions().file(bin_dir() + "/ccinit-test-agent", "/sbin/init"));
  Boot boot = guest.boot("test.agent.action=orphans:20:300");
  auto report = boot.report();
  ASSERT_EQ(report["pid"], "1") << boot.describe();
  EXPECT_EQ(report["orphans_started"], "20");
  EXPECT_EQ(report["orphans_zombies"], "20");
  EXPECT_EQ(report["orphans_reaped"], "no");
  EXPECT_EQ(boot.exit_code, 1) << "this init exits instead of powering off";
}

}  // namespace
}  // namespace ccinit::itest
