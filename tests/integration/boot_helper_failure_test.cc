// A helper that fails in any way powers the guest off before the agent starts, with the
// reason in one line, even with logging off.
#include "tests/integration/guest_boot.h"

namespace ccinit::itest {
namespace {

struct HelperFailure {
  const char* mode;        // test.bad_helper=
  const char* extra_args;  // more kernel parameters
  const char* reason;      // the reason, in full or (with `prefix`) its start
  bool prefix;
  const char* detail = "";  // must also be in the reason: what exactly was wrong
};

void PrintTo(const HelperFailure& failure, std::ostream* os) {
  *os << failure.mode;
}

class HelperFailureBoot : public GuestBootTest,
                          public ::testing::WithParamInterface<HelperFailure> {};

TEST_P(HelperFailureBoot, PowersOffWithTheReasonAndNeverStartsTheAgent) {
  const HelperFailure& failure = GetParam();
  Guest guest(RootOptions().helper("lockdown", bin_dir() + "/ccinit-test-bad-helper"));
  Boot boot = guest.boot(std::string("nvrc.mode=cpu test.bad_helper=") + failure.mode + " " +
                         failure.extra_args);

  ASSERT_EQ(boot.exit_code, 130) << boot.describe();
  EXPECT_FALSE(boot.agent_reported()) << boot.describe();
  EXPECT_EQ(boot.kmsg.find("kata-agent: started"), std::string::npos) << boot.describe();
  const auto lines = boot.power_off_lines();
  ASSERT_EQ(lines.size(), 1u) << boot.describe();
  const std::string expected = power_off_line(3, failure.reason);
  if (failure.prefix)
    EXPECT_TRUE(lines[0].starts_with(expected)) << lines[0] << "\nexpected: " << expected << "...";
  else
    EXPECT_EQ(lines[0], expected);
  EXPECT_NE(lines[0].find(failure.detail), std::string::npos) << lines[0];
  // The helpers before it did their work; the failed lockdown did not.
  EXPECT_EQ(boot.sysctl.at("net.core.rmem_max"), "16777216");
  EXPECT_EQ(boot.sysctl.at("kernel.modules_disabled"), "0");
}

INSTANTIATE_TEST_SUITE_P(
    BadLockdown, HelperFailureBoot,
    ::testing::Values(
        HelperFailure{"exit1", "", "helper lockdown failed: exited with status 1", false},
        HelperFailure{"seccomp", "",
                      "helper lockdown failed: killed by its seccomp policy (SIGSYS)", true},
        HelperFailure{"hang", "nvrc.timeout.lockdown=1",
                      "helper lockdown failed: timed out after 1 s", false},
        HelperFailure{"garbage", "", "helper lockdown failed: protocol error: ", true, "malformed"},
        HelperFailure{"truncated", "", "helper lockdown failed: protocol error: ", true,
                      "end of stream"},
        HelperFailure{"oversized", "", "helper lockdown failed: protocol error: ", true, "1048576"},
        HelperFailure{"noresult", "", "helper lockdown failed: exited without a result", false},
        HelperFailure{"fail", "", "helper lockdown failed: bad helper says no (exit status 1)",
                      false},
        HelperFailure{"notutf8", "",
                      "helper lockdown failed: device says \\xc3( and \\xe2\\x82 (exit status 1)",
                      false}),
    [](const ::testing::TestParamInfo<HelperFailure>& info) { return info.param.mode; });

// The bad helper really is harmless when asked to behave: the failures above are its
// misbehaviour, not an artefact of installing it.
TEST_F(GuestBootTest, WellBehavedStandInHelperBoots) {
  Guest guest(RootOptions().helper("lockdown", bin_dir() + "/ccinit-test-bad-helper"));
  Boot boot = guest.boot("nvrc.mode=cpu test.bad_helper=ok");
  ASSERT_EQ(boot.exit_code, 130) << boot.describe();
  EXPECT_TRUE(boot.agent_reported()) << boot.describe();
  EXPECT_EQ(boot.power_off_lines(),
            std::vector<std::string>{power_off_line(7, "kata-agent exited with status 0")});
}

}  // namespace
}  // namespace ccinit::itest
