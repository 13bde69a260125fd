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
  EXPECT_EQ(names(helpers_after_mount(config)), std::vector<std::string>{"lockdown"});
}

TEST(BootPlan, AutoModeDetectsHardwareBeforeLockdown) {
  auto config = parse_cmdline("");
  EXPECT_EQ(names(helpers_after_mount(config)),
            (std::vector<std::string>{"gpu-configurator", "lockdown"}));
}

TEST(BootPlan, GpuModeConfiguresGpusBeforeLockdown) {
  auto config = parse_cmdline("nvrc.mode=gpu");
  EXPECT_EQ(names(helpers_after_mount(config)),
            (std::vector<std::string>{"gpu-configurator", "lockdown"}));
}

TEST(BootPlan, ModesNotImplementedYetAreRefusedNamingTheMode) {
  for (const char* mode : {"nvswitch-nvl4", "nvswitch-nvl5", "servicevm-nvl4", "servicevm-nvl5"}) {
    auto config = parse_cmdline(std::string("nvrc.mode=") + mode);
    try {
      helpers_after_mount(config);
      ADD_FAILURE() << mode << " was accepted";
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(std::string("nvrc.mode=") + mode), std::string::npos)
          << e.what();
    }
  }
}

TEST(BootPlan, TimeoutsComeFromTheCommandLine) {
  auto config = parse_cmdline("nvrc.mode=cpu nvrc.timeout.lockdown=7 nvrc.timeout.mounter=9");
  EXPECT_EQ(helpers_after_mount(config).at(0).timeout.count(), 7);
  EXPECT_EQ(mounter_step(config).timeout.count(), 9);
  EXPECT_EQ(mounter_step(parse_cmdline("")).timeout.count(), 30);
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
