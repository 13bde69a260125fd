// A hostile helper (ccinit-test-bad-helper as lockdown) against ccinit as the real PID 1:
// what the namespace tests show, on the real kernel, where floods meet a slow console and
// an unreapable process is a real one.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/testlib/text.h"
#include "tests/vm/vm_guest.h"

namespace ccinit::vmtest {
namespace {

class VmHostileHelperTest : public ::testing::Test {
 protected:
  void SetUp() override { CCINIT_REQUIRE(cannot_boot_vms()); }

  // Powered off by PID 1 for one reason starting with `reason`; the agent never ran.
  static void ExpectFailedBeforeTheAgent(const VmBoot& boot, const std::string& reason) {
    ASSERT_EQ(boot.exit_code, kPoweredOffWithReason) << boot.describe();
    const auto reasons = boot.power_off_reasons();
    ASSERT_EQ(reasons.size(), 1u) << boot.describe();
    EXPECT_TRUE(reasons[0].starts_with(reason)) << reasons[0] << "\nexpected: " << reason;
    EXPECT_FALSE(boot.has_line_containing("Kernel panic")) << boot.describe();
    EXPECT_FALSE(boot.has_line_containing("kata-agent: started")) << boot.describe();
    EXPECT_FALSE(boot.has_line_containing("AGENT-REPORT-BEGIN")) << boot.describe();
  }
};

// Before: a flooding helper was still running at 60 s.
TEST_F(VmHostileHelperTest, AHelperFloodingItsEventsIsStoppedAtItsTimeout) {
  VmBoot boot = boot_vm("nvrc.mode=cpu test.bad_helper=flood-events nvrc.timeout.lockdown=2",
                        VmOptions().bad_helper());
  ExpectFailedBeforeTheAgent(boot, "helper lockdown failed: timed out after 2 s");
}

TEST_F(VmHostileHelperTest, AHelperFloodingStdoutIsStoppedAtItsTimeout) {
  VmBoot boot = boot_vm("nvrc.mode=cpu test.bad_helper=flood-stdout nvrc.timeout.lockdown=2",
                        VmOptions().bad_helper());
  ExpectFailedBeforeTheAgent(boot, "helper lockdown failed: timed out after 2 s");
}

TEST_F(VmHostileHelperTest, CtrlAltDelIsHonouredWhileAHelperFloods) {
  VmBoot boot = boot_vm(
      "nvrc.mode=cpu loglevel=8 nvrc.log=warn test.bad_helper=flood-events "
      "nvrc.timeout.lockdown=600",
      VmOptions().bad_helper().send_on("flooding the event pipe", "sendkey ctrl-alt-delete"));
  ExpectFailedBeforeTheAgent(boot, "received SIGINT");
}

// A zombie its parent cannot reap: held by a ptracer that never waits, as a process stuck in
// a driver is. Before: PID 1 hung in waitpid with no line at all.
TEST_F(VmHostileHelperTest, AHelperThatCannotBeReapedDoesNotStopThePowerOff) {
  VmBoot boot =
      boot_vm("nvrc.mode=cpu nvrc.log=error test.bad_helper=unreapable nvrc.timeout.lockdown=1",
              VmOptions().bad_helper());
  ExpectFailedBeforeTheAgent(boot, "helper lockdown failed: timed out after 1 s");
  EXPECT_TRUE(boot.has_line_containing("was killed but could not be reaped")) << boot.describe();
}

// Before: 20,000 reports grew PID 1 to 1.2 GB, and in a 512 MB VM the OOM killer's victim
// was then blamed.
TEST_F(VmHostileHelperTest, TwentyThousandDaemonReportsAreAProtocolError) {
  VmBoot boot = boot_vm("nvrc.mode=cpu test.bad_helper=many-daemons", VmOptions().bad_helper());
  ExpectFailedBeforeTheAgent(
      boot, "helper lockdown failed: protocol error: more than 8 daemons reported");
}

// Hex of "x\n<3>ccinit: power off: FORGED".
TEST_F(VmHostileHelperTest, ADaemonNameCannotForgeThePowerOffLine) {
  const std::string hex = ::ccinit::testing::hex_encode("x\n<3>ccinit: power off: FORGED");
  VmBoot boot = boot_vm("nvrc.mode=cpu nvrc.log=debug test.bad_helper=daemon-name:" + hex,
                        VmOptions().bad_helper());
  ExpectFailedBeforeTheAgent(boot, "helper lockdown failed: protocol error: daemon name 'x\\x0a");
}

TEST_F(VmHostileHelperTest, AProcessLeftBehindIsKilledAndNamed) {
  VmBoot boot = boot_vm("nvrc.mode=cpu test.bad_helper=stray", VmOptions().bad_helper());
  ExpectFailedBeforeTheAgent(boot,
                             "helper lockdown failed: left processes running that it did not "
                             "report as daemons (killed): pid ");
  EXPECT_THAT(boot.power_off_reasons(),
              ::testing::ElementsAre(::testing::EndsWith(" (stray-sleeper)")));
}

}  // namespace
}  // namespace ccinit::vmtest
