// The kernel log's limits, which only a real kernel shows: /dev/kmsg refuses a record longer
// than 992 bytes (EINVAL, the record is lost) and rate-limits each open file (10 records per
// 5 s unless printk_devkmsg is on). PID 1's power-off reason must reach the console anyway,
// as one line.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/vm/vm_guest.h"

namespace ccinit::vmtest {
namespace {

using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// The console shows a record without its "<N>", after the kernel's "[    2.345678] ".
constexpr std::size_t kMaxRecordText = 992 - std::string_view("<3>\n").size();
constexpr std::string_view kReasonStart = "helper lockdown failed: long erro\\x09long erro\\x09";

class VmKmsgTest : public ::testing::Test {
 protected:
  void SetUp() override { CCINIT_REQUIRE(cannot_boot_vms()); }
};

// The reason is one kernel line, cut with the mark, and vm-boot's verdict names it.
void ExpectOneCutReason(const VmBoot& boot) {
  ASSERT_EQ(boot.exit_code, kPoweredOffWithReason) << boot.describe();
  auto reasons = boot.power_off_reasons();
  ASSERT_EQ(reasons.size(), 1u) << boot.describe();
  EXPECT_THAT(reasons[0], StartsWith(kReasonStart)) << boot.describe();
  EXPECT_THAT(reasons[0], HasSubstr("... [cut, ")) << boot.describe();
  EXPECT_THAT(reasons[0], EndsWith(" bytes]")) << boot.describe();
  EXPECT_LE(std::string("ccinit: power off: ").size() + reasons[0].size(), kMaxRecordText);
  EXPECT_THAT(boot.verdict, HasSubstr("powered off: " + std::string(kReasonStart)));
  EXPECT_TRUE(boot.has_line_containing("reboot: Power down")) << boot.describe();
}

TEST_F(VmKmsgTest, LongFailureReasonReachesTheConsoleInOneLineWithTheMark) {
  // A 5000-byte error: today's record is refused by the kernel and the VM powers off silently.
  VmBoot boot = boot_vm("nvrc.mode=cpu test.bad_helper=failwith:5000", VmOptions().bad_helper());
  ExpectOneCutReason(boot);
}

TEST_F(VmKmsgTest, ReasonSurvivesAFloodThroughTheRateLimitedLog) {
  // printk.devkmsg=ratelimit on the command line locks the limit (PID 1 cannot turn it off),
  // and 30 long error lines go through PID 1's log fd first: the first 10 are shown (cut),
  // the rest dropped by the kernel, and the reason still arrives through a file of its own.
  VmBoot boot = boot_vm(
      "printk.devkmsg=ratelimit nvrc.mode=cpu nvrc.log=error "
      "test.bad_helper=failwith:5000:30",
      VmOptions().bad_helper());
  ExpectOneCutReason(boot);
  auto helper_lines = boot.lines_containing("] ccinit: lockdown: long erro\\x09");
  EXPECT_FALSE(helper_lines.empty()) << "long helper lines are cut, not lost\n" << boot.describe();
  // Some were dropped (10 get through): the limit was on, and the reason got past it.
  EXPECT_LT(helper_lines.size(), 30u) << boot.describe();
  for (const auto& line : helper_lines) {
    EXPECT_THAT(line, EndsWith(" bytes]")) << line;
    EXPECT_LE(line.size() - line.find("ccinit: "), kMaxRecordText) << line;
  }
}

}  // namespace
}  // namespace ccinit::vmtest
