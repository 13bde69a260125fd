#include <gtest/gtest.h>

#include "pid1/seccomp_audit.h"

namespace ccinit::pid1 {
namespace {

constexpr char kRecords[] =
    "6,100,5000,-;ccinit: helper lockdown started (pid 77)\n"
    "5,101,5100,-;audit: type=1326 audit(1795587516.532:2): auid=4294967295 uid=0 gid=0 "
    "ses=4294967295 pid=770 comm=\"lockdown\" exe=\"/usr/libexec/ccinit/lockdown\" sig=31 "
    "arch=c000003e syscall=110 compat=0 ip=0x7f5be99a04f7 code=0x80000000\n"
    "5,102,5200,-;audit: type=1326 audit(1795587516.600:3): auid=4294967295 uid=0 gid=0 "
    "ses=4294967295 pid=77 comm=\"lockdown\" exe=\"/usr/libexec/ccinit/lockdown\" sig=31 "
    "arch=c000003e syscall=41 compat=0 ip=0x7f5be99a04f7 code=0x80000000\n";

TEST(SeccompAudit, NamesTheSyscallOfTheRightPid) {
  EXPECT_EQ(seccomp_syscall_from_kmsg(kRecords, 77), "socket");
  EXPECT_EQ(seccomp_syscall_from_kmsg(kRecords, 770), "getppid");
}

TEST(SeccompAudit, ANumberOfAnotherArchitectureOrWithoutANameStaysANumber) {
  constexpr char kForeign[] =
      "5,103,5300,-;audit: type=1326 audit(1795587516.700:4): pid=78 comm=\"lockdown\" "
      "sig=31 arch=40000003 syscall=41 compat=1 ip=0x8049000 code=0x80000000\n"
      "5,104,5400,-;audit: type=1326 audit(1795587516.800:5): pid=79 comm=\"lockdown\" "
      "sig=31 arch=c000003e syscall=999 compat=0 ip=0x8049000 code=0x80000000\n";
  EXPECT_EQ(seccomp_syscall_from_kmsg(kForeign, 78), "number 41 of architecture 40000003");
  EXPECT_EQ(seccomp_syscall_from_kmsg(kForeign, 79), "number 999");
}

TEST(SeccompAudit, NothingForAnotherPidOrNoRecord) {
  EXPECT_EQ(seccomp_syscall_from_kmsg(kRecords, 7), std::nullopt);
  EXPECT_EQ(seccomp_syscall_from_kmsg("6,1,1,-;ccinit: hello pid=77 syscall=41\n", 77),
            std::nullopt);
}

}  // namespace
}  // namespace ccinit::pid1
