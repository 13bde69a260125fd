// What PID 1 accepts of a helper's "daemon started" reports.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <set>

#include "common/process.h"
#include "common/process_tree.h"
#include "pid1/daemon_report.h"

namespace ccinit::pid1 {
namespace {

Child sleeper() {
  SpawnOptions options;
  options.path = "/bin/sleep";
  options.argv = {"sleep", "100"};
  return spawn(options);
}

// This test process plays the reporting helper; PID 1 is a pid that is nobody's parent.
class DaemonReportTest : public ::testing::Test {
 protected:
  DaemonReportContext context(std::size_t accepted = 0) {
    return {::getpid(), kNoSuchPid1, accepted, [this](pid_t pid) { return known_.count(pid); }};
  }
  static constexpr pid_t kNoSuchPid1 = 0x7ffffff0;
  std::set<pid_t> known_;
};

TEST_F(DaemonReportTest, ALiveChildOfTheHelperWithAPlainNameIsAccepted) {
  Child daemon = sleeper();
  EXPECT_EQ(check_daemon_report("nvidia-persistenced", daemon.pid(), context()), std::nullopt);
  EXPECT_EQ(check_daemon_report(std::string(64, 'a'), daemon.pid(), context()), std::nullopt);
}

TEST_F(DaemonReportTest, AGrandchildIsAcceptedToo) {
  SpawnOptions options;
  options.path = "/bin/sh";
  options.argv = {"sh", "-c", "sleep 100 & wait"};
  Child shell = spawn(options);
  std::optional<ProcEntry> grandchild;
  for (int i = 0; i < 500 && !grandchild; ++i) {
    for (const ProcEntry& entry : list_processes())
      if (entry.ppid == shell.pid() && entry.comm == "sleep") grandchild = entry;
    if (!grandchild) ::usleep(10'000);
  }
  ASSERT_TRUE(grandchild);
  EXPECT_EQ(check_daemon_report("dcgm-exporter", grandchild->pid, context()), std::nullopt);
  ::kill(grandchild->pid, SIGKILL);
}

TEST_F(DaemonReportTest, MoreThanEightPerHelperIsRefused) {
  Child daemon = sleeper();
  EXPECT_EQ(check_daemon_report("d", daemon.pid(), context(7)), std::nullopt);
  EXPECT_EQ(check_daemon_report("d", daemon.pid(), context(8)), "more than 8 daemons reported");
}

TEST_F(DaemonReportTest, NamesMustBeShortAndPlainAndAreShownEscaped) {
  Child daemon = sleeper();
  EXPECT_EQ(check_daemon_report("x\n<3>ccinit: power off: FORGED", daemon.pid(), context()),
            "daemon name 'x\\x0a<3>ccinit: power off: FORGED' is not 1-64 characters of "
            "[A-Za-z0-9._-]");
  EXPECT_NE(check_daemon_report("", daemon.pid(), context()), std::nullopt);
  EXPECT_NE(check_daemon_report(std::string(65, 'a'), daemon.pid(), context()), std::nullopt);
  EXPECT_NE(check_daemon_report("a b", daemon.pid(), context()), std::nullopt);
  EXPECT_NE(check_daemon_report("caf\xc3\xa9", daemon.pid(), context()), std::nullopt);
}

TEST_F(DaemonReportTest, PidsThatAreNotTheHelpersAreRefused) {
  EXPECT_EQ(check_daemon_report("d", 1, context()),
            "daemon d (pid 1) was not started by this helper");
  EXPECT_EQ(check_daemon_report("d", 0, context()),
            "daemon d (pid 0) is not a possible daemon pid");
  EXPECT_EQ(check_daemon_report("d", -5, context()),
            "daemon d (pid -5) is not a possible daemon pid");
  EXPECT_EQ(check_daemon_report("d", 1LL << 40, context()),
            "daemon d (pid 1099511627776) is not a possible daemon pid");
  const pid_t self = ::getpid(), parent = ::getppid();
  EXPECT_EQ(check_daemon_report("d", self, context()),
            "daemon d (pid " + std::to_string(self) + ") was not started by this helper");
  EXPECT_EQ(check_daemon_report("d", parent, context()),
            "daemon d (pid " + std::to_string(parent) + ") was not started by this helper");
}

TEST_F(DaemonReportTest, ADeadOrAlreadyKnownPidIsRefused) {
  Child daemon = sleeper();
  const pid_t pid = daemon.pid();
  known_.insert(pid);
  EXPECT_EQ(check_daemon_report("d", pid, context()),
            "daemon d (pid " + std::to_string(pid) + ") was reported before");
  known_.clear();
  ASSERT_TRUE(daemon.kill_and_reap());
  EXPECT_EQ(check_daemon_report("d", pid, context()),
            "daemon d (pid " + std::to_string(pid) + ") is not running");
}

}  // namespace
}  // namespace ccinit::pid1
