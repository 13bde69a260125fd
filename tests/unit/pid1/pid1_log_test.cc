#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "common/file_io.h"
#include "pid1/log.h"

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

}  // namespace
}  // namespace ccinit::pid1
