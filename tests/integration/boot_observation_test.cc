// ns-boot --observe (the test-only recorder behind `policy-review coverage`): what a boot's
// helpers, and the tools they start, really called under their policies. The observation
// changes no boot, never records a call a policy refuses, and attributes every call.
#include <algorithm>
#include <regex>
#include <string>
#include <vector>

#include "tests/integration/gpu_guest.h"

namespace ccinit::itest {
namespace {

constexpr const char* kCleanPowerOff = "<7>ccinit: power off: kata-agent exited with status 0";
constexpr const char* kHeader = "# ccinit policy observation v1";

// The observation's lines, comments left out; fails the test when there is no file or its
// first line is not the format's header.
std::vector<std::string> observed_calls(const Boot& boot) {
  std::vector<std::string> calls;
  if (boot.observation.empty() || !std::filesystem::exists(boot.observation)) {
    ADD_FAILURE() << "no observation file: '" << boot.observation << "'\n" << boot.describe();
    return calls;
  }
  const std::vector<std::string> lines = split_lines(read_text(boot.observation));
  EXPECT_TRUE(!lines.empty() && lines.front() == kHeader) << read_text(boot.observation);
  for (const std::string& line : lines)
    if (!line.starts_with("#")) calls.push_back(line);
  return calls;
}

bool has_line(const std::vector<std::string>& calls, const std::string& line) {
  return std::find(calls.begin(), calls.end(), line) != calls.end();
}

std::vector<std::string> starting_with(const std::vector<std::string>& calls,
                                       const std::string& prefix) {
  std::vector<std::string> found;
  for (const std::string& line : calls)
    if (line.starts_with(prefix)) found.push_back(line);
  return found;
}

std::string all(const std::vector<std::string>& calls) {
  std::string text;
  for (const std::string& line : calls) text += line + "\n";
  return text;
}

class ObservedBoot : public GuestBootTest {
 protected:
  TempDir dir_{"ccinit-observe"};
  std::string file(const std::string& name) const { return dir_.path() + "/" + name; }
};

TEST_F(ObservedBoot, CpuModeRecordsTheMountsAndTheLockdownWritesAndBootsAsUsual) {
  Guest guest;
  guest.observe_into(file("cpu.observed"));
  Boot boot = guest.boot("console=hvc0 nvrc.mode=cpu");
  // The same boot as without observation (CpuModeBoot.QuietByDefault).
  ASSERT_EQ(boot.exit_code, 130) << boot.describe();
  EXPECT_TRUE(boot.agent_reported()) << boot.describe();
  EXPECT_EQ(boot.kmsg_lines(), (std::vector<std::string>{"<6>kata-agent: started", kCleanPowerOff}))
      << boot.describe();
  EXPECT_EQ(boot.sysctl.at("kernel.modules_disabled"), "1");
  EXPECT_EQ(boot.observation, file("cpu.observed"));

  const std::vector<std::string> calls = observed_calls(boot);
  // mount(2)'s flags (arg3, what the mounter policy's rule checks) as the mounter passes
  // them: sysfs MS_NOSUID|MS_NODEV|MS_NOEXEC|MS_RELATIME, devpts MS_NOSUID|MS_NOEXEC, /tmp
  // and /dev/shm MS_NOSUID|MS_NODEV. (ns-boot mounted /proc and /dev already.)
  for (const char* line :
       {"mounter mount arg3=0x20000e calls=1 by=mounter",
        "mounter mount arg3=0xa calls=1 by=mounter", "mounter mount arg3=0x6 calls=2 by=mounter"})
    EXPECT_TRUE(has_line(calls, line)) << line << " missing from\n" << all(calls);
  // /run, cgroup2 and the optional securityfs and configfs: MS_NOSUID|MS_NODEV|MS_NOEXEC.
  EXPECT_EQ(starting_with(calls, "mounter mount arg3=0xe calls=").size(), 1u) << all(calls);
  EXPECT_EQ(starting_with(calls, "mounter mount ").size(), 4u) << all(calls);
  // lockdown opens kernel.modules_disabled and kernel.kexec_load_disabled O_WRONLY|O_CLOEXEC
  // (arg2, what its openat rule checks) and writes "1" to each.
  EXPECT_TRUE(has_line(calls, "lockdown openat arg2=0x80001 calls=2 by=lockdown")) << all(calls);
  EXPECT_EQ(starting_with(calls, "lockdown write calls=").size(), 1u) << all(calls);
  // Every caller was attributed to its helper; nothing but the helpers that ran is there.
  for (const std::string& line : calls)
    EXPECT_TRUE(line.starts_with("mounter ") || line.starts_with("extensions ") ||
                line.starts_with("lockdown "))
        << line;
  EXPECT_TRUE(starting_with(calls, "? ").empty()) << all(calls);
}

// What a reviewer runs on the observations: `policy-review coverage` reports, from this one CPU
// boot, every rule of the mounter's and lockdown's own policies exercised (the whole suite's
// observations are checked against every policy by scripts/test).
TEST_F(ObservedBoot, CoverageOfACpuBootReportsEveryMounterAndLockdownRuleExercised) {
  Guest guest;
  guest.observe_into(file("cpu.observed"));
  Boot boot = guest.boot("nvrc.mode=cpu");
  ASSERT_EQ(boot.exit_code, 130) << boot.describe();
  const std::string source = ::ccinit::testing::source_dir();
  const ProgramRun review =
      run_program({bin_dir() + "/policy-review", "--policy-dir", source + "/policy", "--table",
                   source + "/helpers/helpers.table", "coverage", boot.observation});
  // 1: the GPU helpers' rules are not exercised by a CPU boot; 2 would be bad input.
  ASSERT_EQ(review.exit_code, 1) << review.out << review.err;
  for (const char* helper : {"mounter", "lockdown"}) {
    std::smatch summary;
    const std::regex line(std::string("\\n  ") + helper +
                          ": ([0-9]+) rules, ([0-9]+) exercised, 0 annotated, 0 unexercised\\n");
    ASSERT_TRUE(std::regex_search(review.out, summary, line)) << helper << "\n" << review.out;
    EXPECT_GT(std::stoi(summary[1]), 0) << review.out;
    EXPECT_EQ(summary[1], summary[2]) << review.out;
    EXPECT_TRUE(review.out.find("UNEXERCISED  policy/" + std::string(helper) + ".policy") ==
                std::string::npos)
        << review.out;
  }
  EXPECT_TRUE(
      std::regex_search(review.out, std::regex("\\n  exercised +mounter.policy:[0-9]+ +mount: ")))
      << review.out;
  EXPECT_TRUE(review.out.find("0 observed calls no rule allows") != std::string::npos)
      << review.out;
}

// The observer's filter sits under the helper's: a call the policy kills never reaches it,
// so the boot fails exactly as it does unobserved and the refused call is not recorded.
TEST_F(ObservedBoot, ACallThePolicyRefusesStillKillsTheHelperAndIsNotRecorded) {
  Guest guest(RootOptions().helper("lockdown", bin_dir() + "/ccinit-test-bad-helper"));
  guest.observe_into(file("refused.observed"));
  Boot boot = guest.boot("nvrc.mode=cpu test.bad_helper=seccomp");
  ASSERT_EQ(boot.exit_code, 130) << boot.describe();
  EXPECT_FALSE(boot.agent_reported()) << boot.describe();
  const auto power_off = boot.power_off_lines();
  ASSERT_EQ(power_off.size(), 1u) << boot.describe();
  EXPECT_TRUE(power_off[0].starts_with(
      power_off_line(3, "helper lockdown failed: killed by its seccomp policy (SIGSYS)")))
      << power_off[0];

  const std::vector<std::string> calls = observed_calls(boot);
  // The stand-in was observed under lockdown's policy up to its refused socket(AF_INET).
  EXPECT_FALSE(starting_with(calls, "lockdown ").empty()) << all(calls);
  EXPECT_TRUE(starting_with(calls, "lockdown socket").empty()) << all(calls);
  EXPECT_TRUE(starting_with(calls, "? ").empty()) << all(calls);
}

// Tools inherit their helper's filter: their calls count against gpu-configurator's policy,
// by their own names (comm: 15 characters at most).
TEST_F(ObservedBoot, GpuModeAttributesTheToolsCallsToGpuConfigurator) {
  GpuGuest guest("1gpu", "gpus=1\n");
  guest.observe_into(file("gpu.observed"));
  Boot boot = guest.boot("nvrc.mode=gpu");
  ASSERT_EQ(boot.exit_code, 130) << boot.describe();
  EXPECT_TRUE(boot.agent_reported()) << boot.describe();
  EXPECT_EQ(guest.calls(), (std::vector<std::string>{
                               "modprobe nvidia NVreg_NvLinkDisable=1", "modprobe nvidia-uvm",
                               "nvidia-persistenced --verbose --uvm-persistence-mode",
                               "nvidia-ctk cdi generate --output=/var/run/cdi/nvidia.yaml"}))
      << boot.describe();

  const std::vector<std::string> calls = observed_calls(boot);
  // Only the helper execs the tools; each tool's process ends with exit_group.
  EXPECT_TRUE(has_line(calls, "gpu-configurator execve calls=4 by=gpu-configurato")) << all(calls);
  EXPECT_TRUE(has_line(calls,
                       "gpu-configurator exit_group calls=5 "
                       "by=gpu-configurato,modprobe,nvidia-ctk,nvidia-persiste"))
      << all(calls);
  // persistenced logs twice to syslog, then the daemon it forked once more before it says
  // it is ready: the daemon (a tool's child) is gpu-configurator's too.
  EXPECT_TRUE(
      has_line(calls, "gpu-configurator socket arg0=0x1 arg2=0x0 calls=3 by=nvidia-persiste"))
      << all(calls);
  EXPECT_TRUE(starting_with(calls, "? ").empty()) << all(calls);
}

}  // namespace
}  // namespace ccinit::itest
