// Boots that must stop before the agent: a command line that cannot be accepted, a mode
// that is not implemented, an agent that is not there.
#include <filesystem>

#include "tests/integration/guest_boot.h"

namespace ccinit::itest {
namespace {

void expect_refused(const Boot& boot, const std::string& reason_start) {
  ASSERT_EQ(boot.exit_code, 130) << boot.describe();
  EXPECT_FALSE(boot.agent_reported()) << boot.describe();
  EXPECT_EQ(boot.kmsg.find("kata-agent: started"), std::string::npos) << boot.describe();
  const auto lines = boot.power_off_lines();
  ASSERT_EQ(lines.size(), 1u) << boot.describe();
  const std::string expected = power_off_line(3, reason_start);
  EXPECT_TRUE(lines[0].starts_with(expected)) << lines[0] << "\nexpected: " << expected << "...";
  // Refused before lockdown: nothing was locked by a boot that never got that far.
  EXPECT_EQ(boot.sysctl.at("kernel.modules_disabled"), "0") << boot.describe();
}

struct Refusal {
  const char* name;
  const char* cmdline;
  const char* reason_start;
};

void PrintTo(const Refusal& refusal, std::ostream* os) {
  *os << refusal.cmdline;
}

class RefusedBoot : public GuestBootTest, public ::testing::WithParamInterface<Refusal> {};

TEST_P(RefusedBoot, PowersOffWithTheReasonBeforeTheAgent) {
  expect_refused(Guest().boot(GetParam().cmdline), GetParam().reason_start);
}

INSTANTIATE_TEST_SUITE_P(
    KernelCommandLine, RefusedBoot,
    ::testing::Values(Refusal{"BadClock", "nvrc.mode=cpu nvrc.smi.lgc=abc",
                              "bad kernel command line: nvrc.smi.lgc=abc: expected a clock in MHz"},
                      Refusal{"UnknownKey", "nvrc.mode=cpu nvrc.foo=1",
                              "bad kernel command line: nvrc.foo=1: unknown nvrc parameter"},
                      // Case mistakes and misspelled fields in our namespaces are not silent.
                      Refusal{"UpperCaseNvrcKey", "nvrc.mode=cpu NVRC.LOG=info",
                              "bad kernel command line: NVRC.LOG=info: unknown nvrc parameter "
                              "(names are lower-case: nvrc.log)"},
                      Refusal{"MisspelledVerityField",
                              "nvrc.mode=cpu kata.extension.foo.verity_param=root_hash=00",
                              "bad kernel command line: kata.extension.foo.verity_param="
                              "root_hash=00: unknown kata.extension parameter"},
                      Refusal{"DuplicateKey", "nvrc.mode=cpu nvrc.log=debug nvrc.log=info",
                              "bad kernel command line: nvrc.log=info: given twice"},
                      Refusal{"FabricSettingWithoutFabric", "nvrc.mode=gpu nvrc.fm.mode=1",
                              "bad kernel command line: nvrc.fm.mode=1: has no effect with "
                              "nvrc.mode=gpu, which starts no Fabric Manager"},
                      // Keys that would be accepted and do nothing are refused instead.
                      Refusal{"MounterTimeoutCannotAct", "nvrc.mode=cpu nvrc.timeout.mounter=5",
                              "bad kernel command line: nvrc.timeout.mounter=5: the mounter runs "
                              "before the kernel command line is read"},
                      Refusal{"TimeoutOfAHelperTheModeDoesNotRun",
                              "nvrc.mode=cpu nvrc.timeout.gpu-configurator=5",
                              "bad kernel command line: nvrc.timeout.gpu-configurator=5: has no "
                              "effect with nvrc.mode=cpu, which does not run gpu-configurator"}),
    [](const ::testing::TestParamInfo<Refusal>& info) { return info.param.name; });

TEST_F(GuestBootTest, MissingAgentPowersOffWithTheReason) {
  Guest guest(RootOptions().agent(bin_dir() + "/ccinit-test-agent"));
  std::filesystem::remove(guest.root() + "/usr/bin/kata-agent");
  Boot boot = guest.boot("nvrc.mode=cpu");
  ASSERT_EQ(boot.exit_code, 130) << boot.describe();
  EXPECT_FALSE(boot.agent_reported());
  EXPECT_EQ(boot.power_off_lines(),
            std::vector<std::string>{power_off_line(
                3, "cannot start kata-agent /usr/bin/kata-agent: No such file or directory")})
      << boot.describe();
  // Everything before the agent was done: a missing agent is found out last.
  EXPECT_EQ(boot.sysctl.at("kernel.modules_disabled"), "1");
}

}  // namespace
}  // namespace ccinit::itest
