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

// The extensions helper runs in every mode, first: a disk with an extension serial must fail
// even a CPU boot that names no extension.
TEST(BootPlan, CpuModeRunsTheExtensionsAndLockdownAfterTheMounter) {
  auto steps = helpers_after_cmdline(parse_cmdline("nvrc.mode=cpu"));
  EXPECT_EQ(names(steps), (std::vector<std::string>{"extensions", "lockdown"}));
  EXPECT_TRUE(steps[0].sets_up_extensions);
  EXPECT_FALSE(steps[1].sets_up_extensions);
}

TEST(BootPlan, EveryModeSetsUpTheExtensionsFirstAndOnlyThere) {
  for (const char* mode : {"cpu", "gpu", "auto", "nvswitch-nvl4", "nvswitch-nvl5", "servicevm-nvl4",
                           "servicevm-nvl5"}) {
    auto steps = helpers_after_cmdline(parse_cmdline(std::string("nvrc.mode=") + mode));
    ASSERT_GE(steps.size(), 2u) << mode;
    EXPECT_EQ(steps[0].name, "extensions") << mode;
    EXPECT_EQ(steps[0].when, StepCondition::kAlways) << mode;
    for (std::size_t i = 0; i < steps.size(); ++i)
      EXPECT_EQ(steps[i].sets_up_extensions, i == 0) << mode << " step " << i;
  }
}

// Auto: the fabric steps are planned and run only on what gpu-configurator detects.
TEST(BootPlan, AutoModeDetectsHardwareThenRunsTheFabricStepsItFinds) {
  auto all = helpers_after_cmdline(parse_cmdline(""));
  EXPECT_EQ(names(all),
            (std::vector<std::string>{"extensions", "gpu-configurator", "fabric-launcher",
                                      "gpu-configurator", "lockdown"}));
  const std::vector<HelperStep> steps(all.begin() + 1, all.end());
  EXPECT_TRUE(steps[0].detects);
  EXPECT_EQ(steps[0].when, StepCondition::kAlways);
  EXPECT_EQ(steps[1].when, StepCondition::kFabric);
  EXPECT_EQ(steps[2].when, StepCondition::kGpusWithFabric);
  EXPECT_EQ(steps[2].stage, wire::STAGE_AFTER_FABRIC);
  EXPECT_FALSE(steps[1].detects || steps[2].detects || steps[3].detects);
  EXPECT_EQ(steps[3].when, StepCondition::kAlways);
}

TEST(BootPlan, ConditionsFollowTheDetection) {
  wire::Detected gpu;
  gpu.set_mode(wire::MODE_GPU);
  gpu.set_gpus(8);
  wire::Detected nvl4 = gpu;
  nvl4.set_mode(wire::MODE_NVSWITCH_NVL4);
  wire::Detected service;
  service.set_mode(wire::MODE_SERVICEVM_NVL5);
  for (const wire::Detected* d : {&gpu, &nvl4, &service})
    EXPECT_TRUE(step_runs(StepCondition::kAlways, *d));
  EXPECT_FALSE(step_runs(StepCondition::kFabric, gpu));
  EXPECT_TRUE(step_runs(StepCondition::kFabric, nvl4));
  EXPECT_TRUE(step_runs(StepCondition::kFabric, service));
  EXPECT_FALSE(step_runs(StepCondition::kGpusWithFabric, gpu));
  EXPECT_TRUE(step_runs(StepCondition::kGpusWithFabric, nvl4));
  EXPECT_FALSE(step_runs(StepCondition::kGpusWithFabric, service));
}

TEST(BootPlan, GpuModeConfiguresGpusBeforeLockdown) {
  auto config = parse_cmdline("nvrc.mode=gpu");
  EXPECT_EQ(names(helpers_after_cmdline(config)),
            (std::vector<std::string>{"extensions", "gpu-configurator", "lockdown"}));
}

// An explicit fabric mode runs every step unconditionally: gpu-configurator checks the
// topology against the mode, so the plan is exact.
TEST(BootPlan, ExplicitFabricModesRunTheFabricSteps) {
  for (const char* mode : {"nvswitch-nvl4", "nvswitch-nvl5"}) {
    auto steps = helpers_after_cmdline(parse_cmdline(std::string("nvrc.mode=") + mode));
    EXPECT_EQ(names(steps),
              (std::vector<std::string>{"extensions", "gpu-configurator", "fabric-launcher",
                                        "gpu-configurator", "lockdown"}))
        << mode;
    for (const HelperStep& s : steps) EXPECT_EQ(s.when, StepCondition::kAlways) << mode;
    EXPECT_EQ(steps[3].stage, wire::STAGE_AFTER_FABRIC);
  }
  for (const char* mode : {"servicevm-nvl4", "servicevm-nvl5"}) {
    auto steps = helpers_after_cmdline(parse_cmdline(std::string("nvrc.mode=") + mode));
    EXPECT_EQ(names(steps), (std::vector<std::string>{"extensions", "gpu-configurator",
                                                      "fabric-launcher", "lockdown"}))
        << mode;
  }
  EXPECT_NE(describe_plan(parse_cmdline("nvrc.mode=servicevm-nvl5"))
                .find("gpu-configurator: check the PCI topology against the mode; load ib_umad "
                      "and mlx5_ib (never nvidia)"),
            std::string::npos);
}

TEST(BootPlan, TimeoutsComeFromTheCommandLineAndTheTable) {
  auto config = parse_cmdline("nvrc.mode=cpu nvrc.timeout.lockdown=7 nvrc.timeout.extensions=20");
  EXPECT_EQ(helpers_after_cmdline(config).at(0).timeout.count(), 20);
  EXPECT_EQ(helpers_after_cmdline(config).at(1).timeout.count(), 7);
  EXPECT_EQ(helpers_after_cmdline(parse_cmdline("nvrc.mode=cpu")).at(1).timeout.count(),
            helper_info("lockdown").default_timeout_seconds);
  auto gpu = helpers_after_cmdline(parse_cmdline("nvrc.mode=gpu"));
  EXPECT_EQ(gpu.at(0).timeout.count(), 60);
  EXPECT_EQ(gpu.at(1).timeout.count(), 900);
  EXPECT_EQ(gpu.at(1).path, "/usr/libexec/ccinit/gpu-configurator");
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
      {"nvrc.mode=gpu nvrc.timeout.fabric-launcher=60",
       "nvrc.timeout.fabric-launcher=60: has no effect with nvrc.mode=gpu, which does not run "
       "fabric-launcher"},
      {"nvrc.mode=gpu nvrc.timeout.fabricmanager=60",
       "nvrc.timeout.fabricmanager=60: has no effect with nvrc.mode=gpu, which does not run "
       "fabric-launcher"},
      {"nvrc.mode=cpu nvrc.timeout.nvlsm=60",
       "nvrc.timeout.nvlsm=60: has no effect with nvrc.mode=cpu, which does not run "
       "fabric-launcher"},
      {"nvrc.mode=gpu nvrc.fm.mode=1",
       "nvrc.fm.mode=1: has no effect with nvrc.mode=gpu, which starts no Fabric Manager"},
      {"nvrc.mode=cpu nvrc.fm.rail.policy=symmetric",
       "nvrc.fm.rail.policy=symmetric: has no effect with nvrc.mode=cpu, which starts no "
       "Fabric Manager"},
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
  // Auto may find a fabric: its settings act then.
  EXPECT_NO_THROW(helpers_after_cmdline(
      parse_cmdline("nvrc.timeout.fabric-launcher=60 nvrc.timeout.fabricmanager=30 "
                    "nvrc.timeout.nvlsm=10 nvrc.fm.mode=1 nvrc.fm.rail.policy=greedy")));
}

// kata-agent's environment as the boot will give it: the GPU extension (the extension named
// gpu) adds the attester variant.
TEST(BootPlan, DescribeShowsTheAgentEnvironmentTheGpuExtensionImplies) {
  const std::string verity = ".verity_params=root_hash=" + std::string(64, 'a') +
                             ",salt=00,data_blocks=1,data_block_size=4096,hash_block_size=4096";
  const std::string with = describe_plan(parse_cmdline("kata.extension.gpu" + verity));
  EXPECT_NE(with.find("clean environment (PATH and KATA_ATTESTER_VARIANT=nvidia: the GPU "
                      "extension is in use)"),
            std::string::npos)
      << with;
  for (const std::string& cmdline : {std::string(), "kata.extension.coco" + verity}) {
    const std::string without = describe_plan(parse_cmdline(cmdline));
    EXPECT_NE(without.find("clean environment (PATH only)"), std::string::npos) << without;
    EXPECT_EQ(without.find("KATA_ATTESTER_VARIANT"), std::string::npos) << without;
  }
}

TEST(BootPlan, DescribeListsEveryStepInOrder) {
  std::string plan = describe_plan(parse_cmdline("nvrc.mode=cpu"));
  auto mounter = plan.find("1. /usr/libexec/ccinit/mounter");
  auto extensions = plan.find("2. /usr/libexec/ccinit/extensions");
  auto lockdown = plan.find("3. /usr/libexec/ccinit/lockdown");
  auto agent = plan.find("4. /usr/bin/kata-agent");
  ASSERT_NE(mounter, std::string::npos) << plan;
  ASSERT_NE(extensions, std::string::npos) << plan;
  ASSERT_NE(lockdown, std::string::npos) << plan;
  ASSERT_NE(agent, std::string::npos) << plan;
  EXPECT_LT(mounter, extensions);
  EXPECT_LT(extensions, lockdown);
  EXPECT_LT(lockdown, agent);
}

}  // namespace
}  // namespace ccinit::pid1
