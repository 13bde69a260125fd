// A workload (the stand-in agent, root as kata-agent is) that puts PID 1
// under pressure on the real kernel: /run with no space and no inode left, then a syslog
// flood. PID 1 must stay up, keep /run/syslog.log within its cap, and power off only when
// the agent exits.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "tests/vm/vm_guest.h"

namespace ccinit::vmtest {
namespace {

using ::testing::EndsWith;
using ::testing::StartsWith;

class VmWorkloadPressureTest : public ::testing::Test {
 protected:
  void SetUp() override { CCINIT_REQUIRE(cannot_boot_vms()); }
};

// Before: rotating the full log needs a new inode; open(2) failed, the exception left PID 1's
// syslog drain and the crash guard powered the VM off under the agent.
TEST_F(VmWorkloadPressureTest, ARunWithoutInodesNeitherEndsPid1NorGrowsItsLog) {
  VmBoot boot = boot_vm(
      "nvrc.mode=cpu nvrc.log=warn test.agent.action=tmpfs-limit:/run:8m:64+"
      "syslog:1000:1000+fill-inodes:/run+syslog:2000:1000+size:/run/syslog.log+exit:0");
  ASSERT_EQ(boot.exit_code, kPoweredOffClean) << boot.describe();
  auto report = boot.report();
  ASSERT_EQ(report["tmpfs_limit"], "ok") << boot.describe();
  EXPECT_THAT(report["fill_inodes"], EndsWith(" ENOSPC"));
  EXPECT_EQ(report["syslog_sent"], "2000");  // after the first 1000
  EXPECT_TRUE(boot.has_line_containing("ccinit: syslog: cannot rotate /run/syslog.log"))
      << boot.describe();
  // 3 MB of lines went to a log capped at 1 MiB that could not rotate.
  ASSERT_THAT(report["size"], StartsWith("/run/syslog.log "));
  EXPECT_LE(std::stoul(report["size"].substr(16)), 1u << 20);
}

// A /run with no space left: lines are lost (and said so), the boot goes on.
TEST_F(VmWorkloadPressureTest, ARunWithoutSpaceNeitherEndsPid1NorGrowsItsLog) {
  VmBoot boot = boot_vm(
      "nvrc.mode=cpu nvrc.log=warn test.agent.action=tmpfs-limit:/run:4m:64+fill:/run/full+"
      "syslog:3000:1000+size:/run/syslog.log+exit:0");
  ASSERT_EQ(boot.exit_code, kPoweredOffClean) << boot.describe();
  auto report = boot.report();
  EXPECT_THAT(report["fill"], EndsWith(" ENOSPC"));
  EXPECT_EQ(report["syslog_sent"], "3000");
  EXPECT_TRUE(boot.has_line_containing("ccinit: syslog: cannot write /run/syslog.log"))
      << boot.describe();
  ASSERT_THAT(report["size"], StartsWith("/run/syslog.log "));
  EXPECT_LE(std::stoul(report["size"].substr(16)), 1u << 20);
}

}  // namespace
}  // namespace ccinit::vmtest
