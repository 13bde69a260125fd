// The VM boots observed (VmOptions::observe_into, tests/support/observe_init): the recorder,
// a usermode helper outside PID 1's tree, sees what the namespace boots never run, the
// extensions helper's device-mapper path on the real kernel, and the boot is otherwise the
// same as unobserved.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <linux/dm-ioctl.h>
#include <sys/ioctl.h>

#include <regex>
#include <string>

#include "policy/policy_text.h"
#include "tests/testlib/paths.h"
#include "tests/testlib/run_program.h"
#include "tests/testlib/temp_dir.h"
#include "tests/testlib/text.h"
#include "tests/vm/vm_guest.h"

namespace ccinit::vmtest {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(VmObservedBootTest, ExtensionBootObservedReachesTheAgentAndMeasuresTheDeviceMapperRules) {
  CCINIT_REQUIRE(cannot_boot_vms());
  CCINIT_REQUIRE(cannot_make_extension_images());
  testing::TempDir dir("ccinit-vm-observed-boot");
  ExtensionDisk tools = make_extension_image("tools", dir.path());
  const std::string known = "/run/kata-extensions/tools/" + std::string(kExtensionKnownFile);
  const std::string file = dir.path() + "/extension.observed";
  VmBoot boot = boot_vm("nvrc.mode=cpu test.agent.action=cat:" + known + "+exit:0",
                        VmOptions().modules().extension(tools).observe_into(file).timeout(60));

  // The boot is the unobserved one's: the agent reads the extension's file.
  ASSERT_EQ(boot.exit_code, kPoweredOffClean) << boot.describe();
  const long begin = boot.index_of("FILE-BEGIN " + known);
  ASSERT_GE(begin, 0) << boot.describe();
  EXPECT_THAT(boot.console.at(begin + 1), ::testing::StartsWith(std::string(kExtensionKnownText)));
  EXPECT_THAT(boot.observation_errors, ::testing::IsEmpty()) << boot.describe();

  const std::string observed = testing::read_text(file);
  EXPECT_THAT(observed, ::testing::StartsWith("# ccinit policy observation v1\n"));
  for (unsigned long request : {DM_DEV_CREATE, DM_TABLE_LOAD, DM_DEV_SUSPEND})
    EXPECT_THAT(observed,
                HasSubstr("\nextensions ioctl arg1=" + policy::hex_text(request) + " calls="))
        << observed;
  EXPECT_TRUE(std::regex_search(observed, std::regex("\nextensions finit_module calls=[0-9]+ "
                                                     "by=([^\n]*,)?modprobe[,\n]")))
      << observed;
  // The node: S_IFBLK|0600.
  EXPECT_THAT(observed, HasSubstr("\nextensions mknodat arg2=0x6180 calls=")) << observed;
  EXPECT_THAT(observed, HasSubstr("\nextensions mount arg3=0x7 calls="))
      << observed;  // ro,nosuid,nodev
  EXPECT_THAT(observed, Not(HasSubstr("\n? "))) << observed;

  const std::string source = testing::source_dir();
  const testing::ProgramRun review = testing::run_program(
      {testing::bin_dir() + "/policy-review", "--policy-dir", source + "/policy", "--table",
       source + "/helpers/helpers.table", "coverage", file});
  EXPECT_TRUE(std::regex_search(review.out, std::regex("\n  exercised +extensions.policy:[0-9]+ "
                                                       "+ioctl: arg1 == DM_DEV_CREATE")))
      << review.out << review.err;
  EXPECT_THAT(review.out, HasSubstr("0 observed calls no rule allows")) << review.out;
}

}  // namespace
}  // namespace ccinit::vmtest
