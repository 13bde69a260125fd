// A hostile helper (tests/support/bad_helper, under the lockdown policy) cannot keep PID 1
// from its deadline or a shutdown request, cannot make it wait for ever for a process it
// cannot reap, cannot make it keep unbounded or unchecked daemon reports, cannot forge a
// record through a daemon name, and cannot leave a process running beside kata-agent.
#include <chrono>

#include "tests/integration/guest_boot.h"
#include "tests/testlib/text.h"

namespace ccinit::itest {
namespace {

using Clock = std::chrono::steady_clock;

class HostileHelperBoot : public GuestBootTest {
 protected:
  // Boots with the bad helper as lockdown in `mode`; records how long the boot took.
  Boot boot(const std::string& mode, const std::string& extra = "", double sigterm_after = 0) {
    const auto start = Clock::now();
    Boot result =
        guest_.boot("nvrc.mode=cpu test.bad_helper=" + mode + " " + extra, 30, sigterm_after);
    seconds_ = std::chrono::duration<double>(Clock::now() - start).count();
    return result;
  }
  // The one power-off line, which must start with `<level>ccinit: power off: reason`.
  static void expect_one_power_off(const Boot& boot, int level, const std::string& reason) {
    const auto lines = boot.power_off_lines();
    ASSERT_EQ(lines.size(), 1u) << boot.describe();
    EXPECT_TRUE(lines[0].starts_with(power_off_line(level, reason)))
        << lines[0] << "\nexpected: " << power_off_line(level, reason) << "...";
  }

  Guest guest_{RootOptions().helper("lockdown", bin_dir() + "/ccinit-test-bad-helper")};
  double seconds_ = 0;
};

// A helper other than gpu-configurator's detecting run cannot steer the helpers after it.
TEST_F(HostileHelperBoot, AModeDetectionFromAnyOtherHelperIsRefused) {
  Boot boot = this->boot("detected");
  expect_one_power_off(boot, 3,
                       "helper lockdown failed: sent a mode detection, which only its "
                       "detecting step may");
  EXPECT_FALSE(boot.agent_reported()) << boot.describe();
}

// Measured before the fix: a 5 s timeout ended after 18.7 s (the pipe was read until empty,
// and a flooding writer never lets it be). At nvrc.log=debug PID 1 logs every event and
// line, so it reads slower than the helper writes: the old code never ended these boots.
TEST_F(HostileHelperBoot, FloodingTheEventPipeStillTimesOut) {
  Boot b = boot("flood-events", "nvrc.timeout.lockdown=2 nvrc.log=debug");
  ASSERT_EQ(b.exit_code, 130) << b.describe();
  EXPECT_FALSE(b.agent_reported());
  expect_one_power_off(b, 3, "helper lockdown failed: timed out after 2 s");
  EXPECT_LT(seconds_, 7) << "the 2 s deadline was not kept";
}

TEST_F(HostileHelperBoot, FloodingStdoutStillTimesOut) {
  Boot b = boot("flood-stdout", "nvrc.timeout.lockdown=2 nvrc.log=debug");
  ASSERT_EQ(b.exit_code, 130) << b.describe();
  EXPECT_FALSE(b.agent_reported());
  expect_one_power_off(b, 3, "helper lockdown failed: timed out after 2 s");
  EXPECT_LT(seconds_, 7) << "the 2 s deadline was not kept";
}

TEST_F(HostileHelperBoot, SigtermIsHonouredWhileAHelperFloods) {
  Boot b = boot("flood-events", "nvrc.timeout.lockdown=60 nvrc.log=debug", /*sigterm_after=*/2);
  ASSERT_EQ(b.exit_code, 130) << b.describe();
  EXPECT_FALSE(b.agent_reported());
  expect_one_power_off(b, 5, "received SIGTERM");
  EXPECT_LT(seconds_, 8) << "SIGTERM waited for the flood";
}

// A killed helper whose zombie its parent cannot reap (here held by a ptracer that never
// waits; in the field, a process stuck in an uninterruptible driver call) used to hang
// PID 1 in a blocking waitpid with no line at all.
TEST_F(HostileHelperBoot, AHelperThatCannotBeReapedDoesNotStopThePowerOff) {
  Boot b = boot("unreapable", "nvrc.timeout.lockdown=1 nvrc.log=error");
  ASSERT_EQ(b.exit_code, 130) << b.describe();
  EXPECT_FALSE(b.agent_reported());
  expect_one_power_off(b, 3, "helper lockdown failed: timed out after 1 s");
  // Proof that the helper really could not be reaped (the ptracer took hold of it).
  EXPECT_NE(b.kmsg.find("was killed but could not be reaped within 3000 ms"), std::string::npos)
      << b.describe();
  EXPECT_LT(seconds_, 10);
}

// Before the fix 20,000 reports grew PID 1 to 1.2 GB.
TEST_F(HostileHelperBoot, MoreThanEightDaemonsIsAProtocolError) {
  Boot b = boot("many-daemons");
  ASSERT_EQ(b.exit_code, 130) << b.describe();
  EXPECT_FALSE(b.agent_reported());
  expect_one_power_off(b, 3,
                       "helper lockdown failed: protocol error: more than 8 daemons reported");
}

TEST_F(HostileHelperBoot, ADaemonPidThatIsNotTheHelpersIsAProtocolError) {
  for (const std::string which : {"1", "self"}) {
    Boot b = boot("daemon-pid:" + which);
    ASSERT_EQ(b.exit_code, 130) << b.describe();
    EXPECT_FALSE(b.agent_reported());
    const auto lines = b.power_off_lines();
    ASSERT_EQ(lines.size(), 1u) << b.describe();
    EXPECT_TRUE(lines[0].starts_with(
        power_off_line(3, "helper lockdown failed: protocol error: daemon not-mine (pid ")))
        << lines[0];
    EXPECT_TRUE(lines[0].ends_with(") was not started by this helper")) << lines[0];
  }
}

// Hex of "x\n<3>ccinit: power off: FORGED": before the fix the name was printed raw when
// the daemon exited, a record of its own that vm-boot took as the verdict.
TEST_F(HostileHelperBoot, ADaemonNameCannotForgeALogRecord) {
  const std::string hex = ::ccinit::testing::hex_encode("x\n<3>ccinit: power off: FORGED");
  Boot b = boot("daemon-name:" + hex, "nvrc.log=debug");
  ASSERT_EQ(b.exit_code, 130) << b.describe();
  EXPECT_FALSE(b.agent_reported());
  // Every record starts where PID 1 started it: none begins with the forged text.
  for (const std::string& line : b.kmsg_lines())
    EXPECT_FALSE(line.starts_with("<3>ccinit: power off: FORGED")) << b.describe();
  expect_one_power_off(b, 3,
                       "helper lockdown failed: protocol error: daemon name "
                       "'x\\x0a<3>ccinit: power off: FORGED' is not 1-64 characters of "
                       "[A-Za-z0-9._-]");
}

TEST_F(HostileHelperBoot, AProcessTheHelperLeftIsKilledAndNamedAndTheAgentNeverStarts) {
  Boot b = boot("stray");
  ASSERT_EQ(b.exit_code, 130) << b.describe();
  EXPECT_FALSE(b.agent_reported()) << b.describe();
  EXPECT_EQ(b.kmsg.find("kata-agent: started"), std::string::npos) << b.describe();
  const auto lines = b.power_off_lines();
  ASSERT_EQ(lines.size(), 1u) << b.describe();
  const std::string expected = power_off_line(
      3,
      "helper lockdown failed: left processes running that it did not report as daemons "
      "(killed): pid ");
  EXPECT_TRUE(lines[0].starts_with(expected)) << lines[0];
  EXPECT_TRUE(lines[0].ends_with(" (stray-sleeper)")) << lines[0];
}

}  // namespace
}  // namespace ccinit::itest
