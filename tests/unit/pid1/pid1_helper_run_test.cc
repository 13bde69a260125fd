// run_helper() against small shell scripts standing in for helpers: the supervision and
// judging logic without namespaces. Real helpers are covered by the integration tests.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "common/file_io.h"
#include "pid1/helper_run.h"
#include "tests/testlib/temp_dir.h"

namespace ccinit::pid1 {
namespace {

// Event{result{ok: true}} and Event{result{ok: false, error: "no"}}, each as a frame.
constexpr char kOkResultFrame[] = R"(\004\000\000\000\042\002\010\001)";
constexpr char kFailedResultFrame[] = R"(\006\000\000\000\042\004\022\002no)";
// Event{log{level: LOG_WARN, text: "hot"}}
constexpr char kWarnLogFrame[] = R"(\011\000\000\000\012\007\010\002\022\003hot)";

class HelperRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream(dir_.path() + "/kmsg").flush();  // stands in for /dev/kmsg
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    ASSERT_EQ(sigprocmask(SIG_BLOCK, &set, &old_mask_), 0);
    // PID 1 never dies of SIGPIPE (it blocks every asynchronous signal); a helper that
    // exits before reading its request must only make the write fail with EPIPE.
    old_sigpipe_ = signal(SIGPIPE, SIG_IGN);
    signal_fd_.reset(signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
    ASSERT_TRUE(signal_fd_);
  }
  void TearDown() override {
    sigprocmask(SIG_SETMASK, &old_mask_, nullptr);
    signal(SIGPIPE, old_sigpipe_);
  }

  std::string script(const std::string& body) {
    std::string path = dir_.path() + "/helper" + std::to_string(counter_++);
    std::ofstream(path) << "#!/bin/sh\n" << body << "\n";
    chmod(path.c_str(), 0755);
    return path;
  }

  HelperOutcome run(const std::string& path, int timeout_s = 10) {
    HelperInvocation inv{"fake", path, std::chrono::seconds(timeout_s), {}};
    Log log(dir_.path() + "/kmsg");
    log.set_level(wire::LOG_DEBUG);
    HelperOutcome out = run_helper(inv, signal_fd_.get(), reaper_, log, nullptr);
    log_text_ = read_file_if_exists(dir_.path() + "/kmsg").value_or("");
    return out;
  }

  testing::TempDir dir_{"ccinit-helper-run"};
  int counter_ = 0;
  sigset_t old_mask_;
  sighandler_t old_sigpipe_ = SIG_DFL;
  UniqueFd signal_fd_;
  Reaper reaper_;
  std::string log_text_;
};

TEST_F(HelperRunTest, OkResultAndExitZeroSucceeds) {
  auto out = run(script(std::string("printf '") + kOkResultFrame + "' >&4"));
  EXPECT_TRUE(out.ok) << out.reason;
}

TEST_F(HelperRunTest, RequestArrivesOnFd3AsOneFrameThenEof) {
  // The request frame for an empty Request is a 4-byte zero length; then EOF.
  auto out = run(script(std::string("n=$(od -An -tx1 <&3 | tr -d ' \\n'); echo \"req=$n\"; "
                                    "printf '") +
                        kOkResultFrame + "' >&4"));
  EXPECT_TRUE(out.ok) << out.reason;
  EXPECT_NE(log_text_.find("ccinit: fake: req=00000000"), std::string::npos) << log_text_;
}

TEST_F(HelperRunTest, NonZeroExitIsFatalWithItsStatusAndLastOutput) {
  auto out = run(script("echo 'mount /sys: Permission denied' >&2; exit 3"));
  EXPECT_FALSE(out.ok);
  EXPECT_EQ(out.reason, "exited with status 3; last output: mount /sys: Permission denied");
}

TEST_F(HelperRunTest, FailedResultGivesItsErrorText) {
  auto out = run(script(std::string("printf '") + kFailedResultFrame + "' >&4; exit 1"));
  EXPECT_EQ(out.reason, "no (exit status 1)");
}

TEST_F(HelperRunTest, ExitZeroWithoutResultIsFatal) {
  auto out = run(script("exit 0"));
  EXPECT_FALSE(out.ok);
  EXPECT_EQ(out.reason, "exited without a result");
}

TEST_F(HelperRunTest, GarbageFrameIsAProtocolError) {
  auto out = run(script("printf 'garbage!' >&4; sleep 5"));
  EXPECT_FALSE(out.ok);
  EXPECT_EQ(out.reason.rfind("protocol error: bad frame: frame of ", 0), 0u) << out.reason;
}

TEST_F(HelperRunTest, TruncatedFrameIsAProtocolError) {
  auto out = run(script("printf '\\010\\000\\000\\000ab' >&4"));
  EXPECT_EQ(out.reason, "protocol error: bad frame: end of stream inside a frame");
}

TEST_F(HelperRunTest, FrameAfterTheResultIsAProtocolError) {
  auto out = run(script(std::string("printf '") + kOkResultFrame + kWarnLogFrame + "' >&4"));
  EXPECT_EQ(out.reason, "protocol error: frame after the result");
}

TEST_F(HelperRunTest, SignalDeathIsNamed) {
  auto out = run(script("kill -SEGV $$"));
  EXPECT_EQ(out.reason, "killed by signal SIGSEGV");
}

TEST_F(HelperRunTest, HangIsKilledAtTheTimeoutWithItsChildren) {
  auto out = run(script("sleep 100 & echo child=$!; wait"), 1);
  EXPECT_EQ(out.reason, "timed out after 1 s");
  auto at = log_text_.find("child=");
  ASSERT_NE(at, std::string::npos) << log_text_;
  pid_t grandchild = std::atoi(log_text_.c_str() + at + 6);
  // The grandchild was in the helper's process group and died with it (it may linger as a
  // zombie of whoever adopted it, but it no longer runs).
  // SIGKILL takes effect asynchronously: allow it a moment.
  std::optional<std::string> stat;
  for (int i = 0; i < 200; ++i) {
    stat = read_file_if_exists("/proc/" + std::to_string(grandchild) + "/stat");
    if (!stat || stat->find(") Z ") != std::string::npos) break;
    usleep(10'000);
  }
  EXPECT_TRUE(!stat || stat->find(") Z ") != std::string::npos)
      << "pid " << grandchild << " survived: " << stat.value_or("");
}

TEST_F(HelperRunTest, MissingExecutableCannotStart) {
  auto out = run(dir_.path() + "/does-not-exist");
  EXPECT_EQ(out.reason, "cannot start: No such file or directory");
}

TEST_F(HelperRunTest, EnvironmentIsEmptyAndLogEventsAreLoggedAtTheirLevel) {
  setenv("CCINIT_TEST_SECRET", "leak", 1);
  auto out = run(script(std::string("echo \"env=$(/usr/bin/env | grep -c CCINIT_TEST)\"; "
                                    "printf '") +
                        kWarnLogFrame + kOkResultFrame + "' >&4"));
  unsetenv("CCINIT_TEST_SECRET");
  EXPECT_TRUE(out.ok) << out.reason;
  EXPECT_NE(log_text_.find("<6>ccinit: fake: env=0\n"), std::string::npos) << log_text_;
  EXPECT_NE(log_text_.find("<4>ccinit: fake: hot\n"), std::string::npos) << log_text_;
}

TEST_F(HelperRunTest, HelperOutputCannotForgeLogRecords) {
  auto out = run(script("printf 'a\\r<3>ccinit: power off: forged\\n' >&2; exit 1"));
  EXPECT_EQ(log_text_.find("\n<3>ccinit: power off"), std::string::npos) << log_text_;
  EXPECT_NE(log_text_.find("fake: a\\x0d<3>ccinit: power off: forged"), std::string::npos)
      << log_text_;
}

}  // namespace
}  // namespace ccinit::pid1
