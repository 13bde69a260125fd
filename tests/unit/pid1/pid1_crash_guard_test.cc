// The crash guard in a forked child that crashes: what reaches the log, and in how many
// records. The log fd is a datagram socket (each write one datagram, as each /dev/kmsg write
// is one record) or a pipe (the path through /proc/self/fd, a fresh open of the log file).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "common/process.h"
#include "common/unique_fd.h"
#include "pid1/crash_guard.h"
#include "pid1/kmsg_record.h"

namespace ccinit::pid1 {
namespace {

// The test machine must never power off: without capabilities reboot(2) fails with EPERM,
// and the guard then waits for ever, as PID 1 does when the kernel refuses to power off.
bool drop_all_capabilities() {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  if (::syscall(SYS_capset, &header, data) != 0) return false;
  if (::syscall(SYS_capget, &header, data) != 0) return false;
  return (data[0].effective & (1u << CAP_SYS_BOOT)) == 0;
}

enum class LogFd { kDatagrams, kPipe };

struct Crash {
  std::vector<std::string> records;  // one per write, for kDatagrams; all of it for kPipe
  bool alive_after_record = false;   // still waiting (not exited, not killed by the signal)
};

// Runs `crash` in a child with the guard installed and waits for its record; then checks the
// child is waiting, kills it and collects anything else it wrote.
Crash crash_in_child(LogFd kind, void (*crash)()) {
  int fds[2];
  int made = kind == LogFd::kDatagrams ? ::socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, fds)
                                       : ::pipe2(fds, O_CLOEXEC);
  if (made != 0) throw std::runtime_error("socketpair/pipe2 failed");
  UniqueFd reader(fds[0]), writer(fds[1]);
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    if (!drop_all_capabilities()) _exit(90);
    install_crash_guard(writer.get());
    crash();
    _exit(91);
  }
  Child child(pid, false);
  writer.reset();

  Crash out;
  char buf[8192];
  pollfd pfd{reader.get(), POLLIN, 0};
  if (::poll(&pfd, 1, 10000) == 1) {
    ssize_t n = ::read(reader.get(), buf, sizeof buf);
    if (n > 0) out.records.emplace_back(buf, static_cast<std::size_t>(n));
  }
  ::usleep(200 * 1000);
  int status = 0;
  out.alive_after_record = ::waitpid(pid, &status, WNOHANG) == 0;
  child.kill(SIGKILL);
  if (out.alive_after_record)
    child.wait();
  else
    child.mark_reaped();
  // Everything written after the first record: with the child gone, reads end.
  for (;;) {
    ssize_t n = ::recv(reader.get(), buf, sizeof buf, MSG_DONTWAIT);
    if (kind == LogFd::kPipe && n < 0) n = ::read(reader.get(), buf, sizeof buf);
    if (n <= 0) break;
    if (kind == LogFd::kPipe && !out.records.empty())
      out.records.back().append(buf, static_cast<std::size_t>(n));
    else
      out.records.emplace_back(buf, static_cast<std::size_t>(n));
  }
  return out;
}

[[noreturn]] void throw_through_noexcept() noexcept(false) {
  throw std::runtime_error("config_ is gone");
}

void terminate_with_exception() noexcept {
  // An exception escaping a noexcept function ends in std::terminate.
  throw_through_noexcept();
}

void terminate_with_long_exception() noexcept {
  try {
    throw std::runtime_error(std::string(3000, 'e') + "\n[    1.0] ccinit: power off: FORGED" +
                             std::string(3000, 'f'));
  } catch (...) {
    std::terminate();
  }
}

void terminate_without_exception() {
  std::terminate();
}

void segfault() {
  ::raise(SIGSEGV);
}

TEST(CrashGuard, FaultSignalIsOneRecordAndTheGuardWaits) {
  for (LogFd kind : {LogFd::kDatagrams, LogFd::kPipe}) {
    Crash crash = crash_in_child(kind, segfault);
    EXPECT_EQ(crash.records,
              std::vector<std::string>{"<2>ccinit: power off: PID 1 crashed with SIGSEGV\n"});
    EXPECT_TRUE(crash.alive_after_record) << "reboot(2) was refused: the guard must not return";
  }
}

TEST(CrashGuard, TerminateWithAnExceptionNamesItInOneRecord) {
  for (LogFd kind : {LogFd::kDatagrams, LogFd::kPipe}) {
    Crash crash = crash_in_child(kind, terminate_with_exception);
    EXPECT_EQ(crash.records, std::vector<std::string>{
                                 "<2>ccinit: power off: PID 1 terminated: config_ is gone\n"});
    EXPECT_TRUE(crash.alive_after_record);
  }
  Crash crash = crash_in_child(LogFd::kDatagrams, terminate_without_exception);
  EXPECT_EQ(crash.records,
            std::vector<std::string>{"<2>ccinit: power off: PID 1 terminated: std::terminate\n"});
}

TEST(CrashGuard, LongCauseIsCutToOneKmsgRecord) {
  Crash crash = crash_in_child(LogFd::kDatagrams, terminate_with_long_exception);
  ASSERT_EQ(crash.records.size(), 1u);
  const std::string& record = crash.records[0];
  EXPECT_LE(record.size(), kKmsgMaxRecord);
  EXPECT_TRUE(record.starts_with("<2>ccinit: power off: PID 1 terminated: eee")) << record;
  EXPECT_TRUE(record.ends_with(" bytes]\n")) << record;
  EXPECT_NE(record.find("... [cut, "), std::string::npos) << record;
  EXPECT_EQ(record.find('\n'), record.size() - 1) << "one line";
}

}  // namespace
}  // namespace ccinit::pid1
