#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <cstring>
#include <string>

#include "common/file_io.h"
#include "pid1/syslog_sink.h"
#include "tests/testlib/temp_dir.h"

namespace ccinit::pid1 {
namespace {

class SyslogSinkTest : public ::testing::Test {
 protected:
  void send(const std::string& message) {
    UniqueFd s(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    ASSERT_TRUE(s);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::string path = dir_.path() + "/log";
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    ASSERT_EQ(::sendto(s.get(), message.data(), message.size(), 0,
                       reinterpret_cast<sockaddr*>(&addr), sizeof addr),
              static_cast<ssize_t>(message.size()))
        << std::strerror(errno);
  }
  std::string file() { return read_file_if_exists(dir_.path() + "/syslog.log").value_or(""); }

  testing::TempDir dir_{"pid1-syslog"};
  Log log_{"/nonexistent/kmsg-stand-in"};
};

TEST_F(SyslogSinkTest, EveryPendingMessageIsDrainedAtOnceWithoutPriority) {
  SyslogSink sink(dir_.path() + "/log", dir_.path() + "/syslog.log", log_);
  send("<29>nvidia-persistenced[7]: Started (7)");
  send("<30>nvidia-persistenced[7]: Local RPC services initialized");
  send("no priority at all");
  sink.drain();
  EXPECT_EQ(file(),
            "nvidia-persistenced[7]: Started (7)\n"
            "nvidia-persistenced[7]: Local RPC services initialized\n"
            "no priority at all\n");
}

TEST_F(SyslogSinkTest, SocketIsWritableByDaemonsThatDroppedRootAndFileIsPrivate) {
  SyslogSink sink(dir_.path() + "/log", dir_.path() + "/syslog.log", log_);
  struct stat st {};
  ASSERT_EQ(::stat((dir_.path() + "/log").c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0666u);
  ASSERT_EQ(::stat((dir_.path() + "/syslog.log").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(SyslogSinkTest, AMessageCannotForgeASecondLine) {
  SyslogSink sink(dir_.path() + "/log", dir_.path() + "/syslog.log", log_);
  send("<13>a\nLocal RPC services initialized\n");
  sink.drain();
  EXPECT_EQ(file(), "a\\x0aLocal RPC services initialized\n");
}

TEST_F(SyslogSinkTest, FloodIsCappedByRotation) {
  SyslogSink sink(dir_.path() + "/log", dir_.path() + "/syslog.log", log_);
  std::string message(1000, 'x');
  std::size_t sent = 0;
  // Enough to pass the cap twice over; drain as we go (a datagram socket queues only
  // net.unix.max_dgram_qlen messages, 10 by default, before senders block).
  while (sent < 3 * SyslogSink::kMaxFileBytes) {
    for (int i = 0; i < 5; ++i) send("<14>" + message);
    sent += 5 * (message.size() + 1);
    sink.drain();
  }
  auto current = read_file(dir_.path() + "/syslog.log");
  auto rotated = read_file(dir_.path() + "/syslog.log.1");
  EXPECT_LE(current.size(), SyslogSink::kMaxFileBytes);
  EXPECT_LE(rotated.size(), SyslogSink::kMaxFileBytes);
  EXPECT_GT(rotated.size(), SyslogSink::kMaxFileBytes - message.size() - 2);
}

TEST_F(SyslogSinkTest, StaleSocketIsReplaced) {
  { SyslogSink first(dir_.path() + "/log", dir_.path() + "/syslog.log", log_); }
  SyslogSink second(dir_.path() + "/log", dir_.path() + "/syslog.log", log_);
  send("<14>after restart");
  second.drain();
  EXPECT_EQ(file(), "after restart\n");
}

TEST(SyslogPriority, OnlyAWellFormedPrefixIsStripped) {
  EXPECT_EQ(SyslogSink::strip_priority("<191>x"), "x");
  EXPECT_EQ(SyslogSink::strip_priority("<5>x\n"), "x");
  EXPECT_EQ(SyslogSink::strip_priority("<abc>x"), "<abc>x");
  EXPECT_EQ(SyslogSink::strip_priority("<>x"), "<>x");
  EXPECT_EQ(SyslogSink::strip_priority("<12345>x"), "<12345>x");
}

}  // namespace
}  // namespace ccinit::pid1
