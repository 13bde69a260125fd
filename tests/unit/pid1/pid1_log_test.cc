#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "common/file_io.h"
#include "common/log_escape.h"
#include "common/unique_fd.h"
#include "pid1/kmsg_record.h"
#include "pid1/log.h"
#include "tests/testlib/text.h"

namespace ccinit::pid1 {
namespace {

class LogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ccinit-kmsg-XXXXXX";
    int fd = mkstemp(tmpl);
    ASSERT_GE(fd, 0);
    close(fd);
    path_ = tmpl;
  }
  void TearDown() override { unlink(path_.c_str()); }
  std::string records() { return read_file(path_); }
  std::string path_;
};

TEST_F(LogTest, HoldsRecordsUntilTheLevelIsKnownThenWritesKmsgRecords) {
  Log log(path_);
  log.logger().info("mounted /proc");
  log.logger().debug("detail");
  EXPECT_EQ(records(), "") << "nothing may be written before nvrc.log is known";
  log.set_level(wire::LOG_INFO);
  log.logger().warn("late warning");
  log.logger().debug("dropped");
  EXPECT_EQ(records(), "<6>ccinit: mounted /proc\n<4>ccinit: late warning\n");
}

TEST_F(LogTest, LogOffPrintsNothingButThePowerOffReason) {
  Log log(path_);
  log.logger().error("held error");
  log.set_level(wire::LOG_OFF);
  log.logger().error("after");
  log.power_off_reason("kata-agent exited with status 0", PowerOffKind::kAgentExitedCleanly);
  EXPECT_EQ(records(), "<7>ccinit: power off: kata-agent exited with status 0\n");
}

TEST_F(LogTest, RequestedShutdownIsANotice) {
  Log log(path_);
  log.set_level(wire::LOG_OFF);
  log.power_off_reason("received SIGTERM", PowerOffKind::kRequested);
  EXPECT_EQ(records(), "<5>ccinit: power off: received SIGTERM\n");
}

TEST_F(LogTest, FailureBeforeTheCommandLineShowsHeldErrorsAndTheReason) {
  Log log(path_);
  log.logger().info("noise");
  log.logger().error("mounter: mount /sys: Permission denied");
  log.power_off_reason("helper mounter failed: exited with status 1", PowerOffKind::kFailure);
  EXPECT_EQ(records(),
            "<3>ccinit: mounter: mount /sys: Permission denied\n"
            "<3>ccinit: power off: helper mounter failed: exited with status 1\n");
}

TEST_F(LogTest, HeldRecordsAreBounded) {
  Log log(path_);
  for (std::size_t i = 0; i < KmsgSink::kMaxHeld + 10; ++i) log.logger().error("r{}", i);
  log.set_level(wire::LOG_ERROR);
  std::string text = records();
  EXPECT_EQ(text.find("ccinit: r0\n"), std::string::npos) << "oldest records are dropped";
  EXPECT_NE(text.find("ccinit: r" + std::to_string(KmsgSink::kMaxHeld + 9) + "\n"),
            std::string::npos);
}

TEST_F(LogTest, LongPowerOffReasonIsOneRecordCutWithAMark) {
  Log log(path_);
  log.set_level(wire::LOG_OFF);
  // As helper_run shows a failed result's error: escaped, 1024 raw bytes, "..." after.
  std::string error = escape_for_log(std::string(5000, '\x07'), 1024);
  log.power_off_reason("helper lockdown failed: " + error, PowerOffKind::kFailure);
  std::string text = records();
  ASSERT_EQ(testing::split_lines(text).size(), 1u) << text;
  EXPECT_LE(text.size(), kKmsgMaxRecord);
  EXPECT_TRUE(text.starts_with("<3>ccinit: power off: helper lockdown failed: \\x07\\x07")) << text;
  EXPECT_TRUE(text.ends_with(
      "\\x07... [cut, " +
      std::to_string(std::string("power off: helper lockdown failed: ").size() + error.size()) +
      " bytes]\n"))
      << text;
}

TEST_F(LogTest, LongHelperAndSyslogLinesAreCutNotLost) {
  Log log(path_);
  log.set_level(wire::LOG_DEBUG);
  // A helper output line and a syslog datagram at nvrc.log=debug, as PID 1 escapes them.
  log.logger().info("lockdown: {}", escape_for_log(std::string(1024, '\xff'), 1024));
  log.logger().debug("syslog: {}", escape_for_log(std::string(4096, 's'), 4096));
  auto lines = testing::split_lines(records());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_TRUE(lines[0].starts_with("<6>ccinit: lockdown: \\xff")) << lines[0];
  EXPECT_TRUE(lines[0].ends_with("\\xff... [cut, 4106 bytes]")) << lines[0];
  EXPECT_TRUE(lines[1].starts_with("<7>ccinit: syslog: sss")) << lines[1];
  EXPECT_TRUE(lines[1].ends_with("s... [cut, 4104 bytes]")) << lines[1];
  for (const auto& line : lines) EXPECT_LE(line.size() + 1, kKmsgMaxRecord);
}

TEST_F(LogTest, PowerOffReasonUsesAKmsgFileOfItsOwn) {
  // The kernel rate-limits each open file of /dev/kmsg (10 records per 5 s by default): a
  // flood through the shared fd must not suppress the reason, so it is written through a
  // fresh open. Shown here by moving the shared file away: the reason still reaches the path.
  Log log(path_);
  log.set_level(wire::LOG_INFO);
  log.logger().info("before");
  const std::string moved = path_ + ".moved";
  ASSERT_EQ(::rename(path_.c_str(), moved.c_str()), 0);
  UniqueFd fresh(::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  ASSERT_TRUE(fresh);
  log.logger().info("flood");
  log.power_off_reason("received SIGTERM", PowerOffKind::kRequested);
  EXPECT_EQ(read_file(moved), "<6>ccinit: before\n<6>ccinit: flood\n");
  EXPECT_EQ(records(), "<5>ccinit: power off: received SIGTERM\n");
  ::unlink(moved.c_str());
}

TEST_F(LogTest, PowerOffReasonFallsBackToTheConsoleWhenKmsgRefusesIt) {
  // /dev/full opens and refuses every write (ENOSPC), as /dev/kmsg refuses a bad record.
  const std::string console = path_ + ".console";
  UniqueFd saved(::dup(STDERR_FILENO));
  {
    UniqueFd file(::open(console.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    ASSERT_TRUE(file);
    ::dup2(file.get(), STDERR_FILENO);
  }
  {
    Log log("/dev/full");
    log.set_level(wire::LOG_OFF);
    log.power_off_reason("helper lockdown failed: exited with status 1", PowerOffKind::kFailure);
  }
  ::dup2(saved.get(), STDERR_FILENO);
  EXPECT_EQ(read_file(console),
            "ccinit: power off: helper lockdown failed: exited with status 1\n");
  ::unlink(console.c_str());
}

}  // namespace
}  // namespace ccinit::pid1
