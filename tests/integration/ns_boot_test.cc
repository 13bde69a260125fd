// ns-boot itself: what the other tests rely on when they read its exit status and files.
#include <chrono>

#include "tests/integration/guest_boot.h"

namespace ccinit::itest {
namespace {

// A root whose init is the stand-in agent: it reports and then does what the command line
// says, with nothing of ccinit in the way.
Guest agent_as_init() {
  return Guest(RootOptions().file(bin_dir() + "/ccinit-test-agent", "/sbin/init"));
}

TEST_F(GuestBootTest, NsBootGivesTheGuestItsOwnPid1DevAndProc) {
  Boot boot = agent_as_init().boot("test.agent.action=exit:0 other=words");
  EXPECT_EQ(boot.exit_code, 1) << "an init that exits did not power off";
  EXPECT_NE(boot.err.find("ns-boot: PID 1 exited with status 0"), std::string::npos) << boot.err;
  auto report = boot.report();
  EXPECT_EQ(report["pid"], "1") << boot.describe();
  EXPECT_EQ(report["env"], "HOME=/;TERM=linux");
  EXPECT_EQ(report["fds"], "0,1,2");
  EXPECT_EQ(report["SigBlk"], "0000000000000000");
  EXPECT_EQ(report["SigIgn"], "0000000000000000");
  // ns-boot mounts /dev (a tmpfs standing in for devtmpfs) and /proc; the rest is PID 1's.
  EXPECT_EQ(report["mounts"], "/proc:proc,/dev:tmpfs");
  EXPECT_EQ(report["lo"], "down") << "a fresh network namespace";
  // /dev/kmsg is the test's file, and /proc/cmdline says what the test asked for.
  EXPECT_EQ(boot.kmsg, "<6>kata-agent: started\n");
  EXPECT_EQ(boot.sysctl.at("cmdline"), "test.agent.action=exit:0 other=words");
}

TEST_F(GuestBootTest, NsBootKillsAGuestThatOutlivesTheTimeout) {
  const auto start = std::chrono::steady_clock::now();
  Boot boot = agent_as_init().boot("test.agent.action=sleep:60", 1);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(boot.exit_code, 124) << boot.describe();
  EXPECT_NE(boot.err.find("ns-boot: timed out after 1 s"), std::string::npos) << boot.err;
  EXPECT_LT(elapsed, std::chrono::seconds(10));
}

TEST_F(GuestBootTest, NsBootRefusesADeviceAsTheKmsgStandIn) {
  Guest guest;
  TempDir scratch("ccinit-itest");
  ProgramRun run = run_program({bin_dir() + "/ns-boot", "--root", guest.root(), "--cmdline", "",
                                "--kmsg", "/dev/null", "--sysctl-dir", scratch.path() + "/s"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("--kmsg /dev/null: not a regular file"), std::string::npos) << run.err;
}

TEST_F(GuestBootTest, NsBootNamesABadArgument) {
  ProgramRun run = run_program({bin_dir() + "/ns-boot", "--root", "/nonexistent", "--cmdline", "",
                                "--kmsg", "/tmp/k", "--sysctl-dir", "/tmp/s", "--timeout", "soon"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("ns-boot: --timeout soon: expected seconds"), std::string::npos)
      << run.err;
}

}  // namespace
}  // namespace ccinit::itest
