#include <gtest/gtest.h>

#include "common/cmdline_config.h"
#include "pid1/boot_plan.h"

namespace ccinit::pid1 {
namespace {

std::vector<std::string> names(const std::vector<HelperStep>& steps) {
  std::vector<std::string> out;
  for (const auto& s : steps) out.push_back(s.name);
  return out;
}

TEST(BootPlan, CpuModeRunsOnlyLockdownAfterTheMounter) {
  auto config = parse_cmdline("nvrc.mode=cpu");
  EXPECT_EQ(names(helpers_after_cmdline(config)), std::vector<std::string>{"lockdown"});
}

TEST(BootPlan, AutoModeDetectsHardwareBeforeLockdown) {
  auto config = parse_cmdline("");
  EXPECT_EQ(names(helpers_after_cmdline(config)),
            (std::vector<std::string>{"gpu-configurator", "lockdown"}));
}

TEST(BootPlan, GpuModeConfiguresGpusBeforeLockdown) {
  auto config = parse_cmdline("nvrc.mode=gpu");
  EXPECT_EQ(names(helpers_after_cmdline(config)),
            (std::vector<std::string>{"gpu-configurator", "lockdown"}));
}

TEST(BootPlan, ModesNotImplementedYetAreRefusedNamingTheMode) {
  for (const char* mode : {"nvswitch-nvl4", "nvswitch-nvl5", "servicevm-nvl4", "servicevm-nvl5"}) {
    auto config = parse_cmdline(std::string("nvrc.mode=") + mode);
    try {
      helpers_after_cmdline(config);
      ADD_FAILURE() << mode << " was accepted";
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(std::string("nvrc.mode=") + mode), std::string::npos)
          << e.what();
    }
  }
}

TEST(BootPlan, TimeoutsComeFromTheCommandLineAndTheTable) {
  auto config = parse_cmdline("nvrc.mode=cpu nvrc.timeout.lockdown=7");
  EXPECT_EQ(helpers_after_cmdline(config).at(0).timeout.count(), 7);
  EXPECT_EQ(helpers_after_cmdline(parse_cmdline("nvrc.mode=cpu")).at(0).timeout.count(),
            helper_info("lockdown").default_timeout_seconds);
  auto gpu = helpers_after_cmdline(parse_cmdline("nvrc.mode=gpu"));
  EXPECT_EQ(gpu.at(0).timeout.count(), 900);
  EXPECT_EQ(gpu.at(0).path, "/usr/libexec/ccinit/gpu-configurator");
}

TEST(BootPlan, TheMounterRunsFirstWithItsFixedTimeout) {
  auto first = helpers_before_cmdline();
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].name, "mounter");
  EXPECT_EQ(first[0].path, "/usr/libexec/ccinit/mounter");
  EXPECT_EQ(first[0].timeout.count(), 30);
}

// What --dry-run shows is what the boot does: a timeout for a helper the plan does not run
// is refused rather than shown and ignored.
TEST(BootPlan, TimeoutsThatWouldNotActAreRefused) {
  struct Case {
    const char* cmdline;
    const char* message;
  } cases[] = {
      {"nvrc.mode=cpu nvrc.timeout.gpu-configurator=5",
       "nvrc.timeout.gpu-configurator=5: has no effect with nvrc.mode=cpu, which does not run "
       "gpu-configurator"},
      {"nvrc.mode=cpu nvrc.timeout.persistenced=5",
       "nvrc.timeout.persistenced=5: has no effect with nvrc.mode=cpu, which does not run "
       "gpu-configurator"},
      {"nvrc.timeout.fabric-launcher=60",
       "nvrc.timeout.fabric-launcher=60: has no effect with nvrc.mode=auto, which does not run "
       "fabric-launcher"},
  };
  for (const Case& c : cases) {
    try {
      helpers_after_cmdline(parse_cmdline(c.cmdline));
      ADD_FAILURE() << c.cmdline << " was accepted";
    } catch (const ConfigError& e) {
      EXPECT_EQ(std::string(e.what()), c.message);
    }
  }
  EXPECT_NO_THROW(helpers_after_cmdline(
      parse_cmdline("nvrc.timeout.gpu-configurator=5 nvrc.timeout.persistenced=5 "
                    "nvrc.timeout.lockdown=5")));
}

TEST(BootPlan, DescribeListsEveryStepInOrder) {
  std::string plan = describe_plan(parse_cmdline("nvrc.mode=cpu"));
  auto mounter = plan.find("1. /usr/libexec/ccinit/mounter");
  auto lockdown = plan.find("2. /usr/libexec/ccinit/lockdown");
  auto agent = plan.find("3. /usr/bin/kata-agent");
  ASSERT_NE(mounter, std::string::npos) << plan;
  ASSERT_NE(lockdown, std::string::npos) << plan;
  ASSERT_NE(agent, std::string::npos) << plan;
  EXPECT_LT(mounter, lockdown);
  EXPECT_LT(lockdown, agent);
}

}  // namespace
}  // namespace ccinit::pid1
