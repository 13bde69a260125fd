// The kernel log's record limit, modelled by the harness (Boot::read_kmsg: a record over 992
// bytes is refused and lost, as Linux 6.1 refuses it): long text is cut with a visible mark,
// never lost, and the power-off reason is one record.
#include "tests/integration/guest_boot.h"

namespace ccinit::itest {
namespace {

// What the bad helper's failwith mode writes, as PID 1 escapes it (a tab every 10 bytes).
constexpr std::string_view kLongText = "long erro\\x09long erro\\x09long erro\\x09";

bool ends_with_cut_mark(const std::string& line) {
  auto mark = line.rfind("... [cut, ");
  return mark != std::string::npos && line.ends_with(" bytes]") &&
         line.find_first_not_of("0123456789", mark + 10) == line.size() - 7;
}

class KmsgLimitBoot : public GuestBootTest {
 protected:
  Guest guest_{RootOptions().helper("lockdown", bin_dir() + "/ccinit-test-bad-helper")};
};

TEST_F(KmsgLimitBoot, HelperFailingWithALongErrorPowersOffWithOneCutLine) {
  Boot boot = guest_.boot("nvrc.mode=cpu test.bad_helper=failwith:5000");
  ASSERT_EQ(boot.exit_code, 130) << boot.describe();
  EXPECT_TRUE(boot.refused_kmsg.empty()) << boot.describe();
  const auto lines = boot.power_off_lines();
  ASSERT_EQ(lines.size(), 1u) << "the reason was refused by the kernel, or split\n"
                              << boot.describe();
  EXPECT_TRUE(
      lines[0].starts_with(power_off_line(3, "helper lockdown failed: ") + std::string(kLongText)))
      << lines[0];
  EXPECT_LE(lines[0].size() + 1, Boot::kKernelMaxRecord) << lines[0];
  EXPECT_TRUE(ends_with_cut_mark(lines[0])) << lines[0];
}

TEST_F(KmsgLimitBoot, LongHelperLinesAreCutNotLost) {
  // Three 1024-byte error lines (about 1330 bytes once escaped) before the failure.
  Boot boot = guest_.boot("nvrc.mode=cpu nvrc.log=debug test.bad_helper=failwith:50:3");
  ASSERT_EQ(boot.exit_code, 130) << boot.describe();
  EXPECT_TRUE(boot.refused_kmsg.empty()) << boot.describe();
  int cut = 0;
  for (const std::string& line : boot.kmsg_lines()) {
    if (!line.starts_with("<3>ccinit: lockdown: " + std::string(kLongText))) continue;
    EXPECT_TRUE(ends_with_cut_mark(line)) << line;
    EXPECT_LE(line.size() + 1, Boot::kKernelMaxRecord) << line;
    ++cut;
  }
  EXPECT_EQ(cut, 3) << boot.describe();
  EXPECT_EQ(boot.power_off_lines().size(), 1u) << boot.describe();
}

}  // namespace
}  // namespace ccinit::itest
