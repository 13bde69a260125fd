// run_helper() against small shell scripts standing in for helpers: the supervision and
// judging logic without namespaces. Real helpers are covered by the integration tests.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "common/file_io.h"
#include "common/sys_error.h"
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
    sigaddset(&set, SIGTERM);  // a shutdown request, read from the signal fd as PID 1 does
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
  EXPECT_TRUE(out.ok()) << describe_outcome(out);
}

TEST_F(HelperRunTest, RequestArrivesOnFd3AsOneFrameThenEof) {
  // The request frame for an empty Request is a 4-byte zero length; then EOF.
  auto out = run(script(std::string("n=$(od -An -tx1 <&3 | tr -d ' \\n'); echo \"req=$n\"; "
                                    "printf '") +
                        kOkResultFrame + "' >&4"));
  EXPECT_TRUE(out.ok()) << describe_outcome(out);
  EXPECT_NE(log_text_.find("ccinit: fake: req=00000000"), std::string::npos) << log_text_;
}

TEST_F(HelperRunTest, NonZeroExitIsFatalWithItsStatusAndLastOutput) {
  auto out = run(script("echo 'mount /sys: Permission denied' >&2; exit 3"));
  EXPECT_FALSE(out.ok());
  EXPECT_EQ(out.kind, OutcomeKind::kExitedNonZero);
  EXPECT_EQ(describe_outcome(out),
            "exited with status 3; last output: mount /sys: Permission denied");
}

TEST_F(HelperRunTest, FailedResultGivesItsErrorText) {
  auto out = run(script(std::string("printf '") + kFailedResultFrame + "' >&4; exit 1"));
  EXPECT_EQ(describe_outcome(out), "no (exit status 1)");
}

TEST_F(HelperRunTest, ExitZeroWithoutResultIsFatal) {
  auto out = run(script("exit 0"));
  EXPECT_FALSE(out.ok());
  EXPECT_EQ(describe_outcome(out), "exited without a result");
}

TEST_F(HelperRunTest, GarbageFrameIsAProtocolError) {
  auto out = run(script("printf 'garbage!' >&4; sleep 5"));
  EXPECT_FALSE(out.ok());
  EXPECT_EQ(describe_outcome(out).rfind("protocol error: bad frame: frame of ", 0), 0u)
      << describe_outcome(out);
}

TEST_F(HelperRunTest, TruncatedFrameIsAProtocolError) {
  auto out = run(script("printf '\\010\\000\\000\\000ab' >&4"));
  EXPECT_EQ(describe_outcome(out), "protocol error: bad frame: end of stream inside a frame");
}

TEST_F(HelperRunTest, FrameAfterTheResultIsAProtocolError) {
  auto out = run(script(std::string("printf '") + kOkResultFrame + kWarnLogFrame + "' >&4"));
  EXPECT_EQ(describe_outcome(out), "protocol error: frame after the result");
}

TEST_F(HelperRunTest, SignalDeathIsNamed) {
  auto out = run(script("kill -SEGV $$"));
  EXPECT_EQ(out.kind, OutcomeKind::kKilledBySignal);
  EXPECT_EQ(describe_outcome(out), "killed by signal SIGSEGV");
}

TEST_F(HelperRunTest, HangIsKilledAtTheTimeoutWithItsChildren) {
  auto out = run(script("sleep 100 & echo child=$!; wait"), 1);
  EXPECT_EQ(out.kind, OutcomeKind::kTimeout);
  EXPECT_EQ(describe_outcome(out), "timed out after 1 s");
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

// Before: stdout was read until the pipe was empty, which a helper writing faster than PID 1
// logs never lets happen: the timeout passed unnoticed.
TEST_F(HelperRunTest, FloodingStdoutStillTimesOut) {
  const auto start = std::chrono::steady_clock::now();
  auto out = run(script("yes & yes & yes & wait"), 1);
  EXPECT_EQ(out.kind, OutcomeKind::kTimeout) << describe_outcome(out);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(4));
}

TEST_F(HelperRunTest, SigtermIsHonouredWhileTheHelperFloodsStdout) {
  const pid_t self = ::getpid();
  const auto start = std::chrono::steady_clock::now();
  // The helper asks for the shutdown itself, then floods.
  auto out = run(script("kill -TERM " + std::to_string(self) + "; yes & yes & yes & wait"), 30);
  EXPECT_EQ(out.kind, OutcomeKind::kInterrupted) << describe_outcome(out);
  EXPECT_EQ(describe_outcome(out), "interrupted by SIGTERM");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

// A helper's own child that detached (setsid, fds closed) and stayed: killed and named.
TEST_F(HelperRunTest, AProcessLeftRunningIsKilledAndNamed) {
  // Orphans come to this process, as they come to PID 1 in a guest.
  ASSERT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
  auto out = run(script("(setsid sleep 100 </dev/null >/dev/null 2>&1 3>&- 4>&- &); printf '" +
                        std::string(kOkResultFrame) + "' >&4"));
  ::prctl(PR_SET_CHILD_SUBREAPER, 0);
  ASSERT_EQ(out.kind, OutcomeKind::kLeftProcesses) << describe_outcome(out);
  ASSERT_TRUE(out.detail.starts_with("pid ")) << out.detail;
  const pid_t stray = std::atoi(out.detail.c_str() + 4);
  EXPECT_TRUE(describe_outcome(out).starts_with(
      "left processes running that it did not report as daemons (killed): pid "));
  int status = 0;
  ASSERT_EQ(::waitpid(stray, &status, 0), stray);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

TEST_F(HelperRunTest, MissingExecutableCannotStart) {
  auto out = run(dir_.path() + "/does-not-exist");
  EXPECT_EQ(out.kind, OutcomeKind::kCannotStart);
  EXPECT_EQ(describe_outcome(out), "cannot start: No such file or directory");
}

TEST_F(HelperRunTest, HelperSeesOnlyFds0To4InItsOwnSessionAtRoot) {
  auto out = run(script(std::string("echo \"fds=$(ls /proc/self/fd | sort -n | tr '\\n' ' ')\"; "
                                    "echo \"ids=$(cut -d' ' -f1,6 /proc/$$/stat) cwd=$(pwd)\"; "
                                    "printf '") +
                        kOkResultFrame + "' >&4"));
  EXPECT_TRUE(out.ok()) << describe_outcome(out);
  // 5 is the directory ls itself lists.
  EXPECT_NE(log_text_.find("fake: fds=0 1 2 3 4 5 \n"), std::string::npos) << log_text_;
  auto at = log_text_.find("ids=");
  ASSERT_NE(at, std::string::npos) << log_text_;
  std::string pid = log_text_.substr(at + 4, log_text_.find(' ', at) - at - 4);
  // Session id == its pid: it leads its own session.
  EXPECT_NE(log_text_.find("ids=" + pid + " " + pid + " cwd=/\n"), std::string::npos) << log_text_;
}

TEST_F(HelperRunTest, AnUnusableSignalFdIsASupervisionErrorAndTheHelperIsReaped) {
  // Without its signal fd PID 1 would never see the helper exit: it must give up in order.
  const int closed_fd = 999;
  HelperInvocation inv{"fake", script("exec sleep 100"), std::chrono::seconds(10), {}};
  Log log(dir_.path() + "/kmsg");
  log.set_level(wire::LOG_DEBUG);
  auto started = std::chrono::steady_clock::now();
  HelperOutcome out = run_helper(inv, closed_fd, reaper_, log, nullptr);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
  EXPECT_EQ(out.kind, OutcomeKind::kSupervisionError);
  EXPECT_EQ(describe_outcome(out), "supervision failed: poll: the signal fd is not usable");
  // The helper was killed and reaped, not left running or as a zombie for the reaper.
  std::string text = read_file_if_exists(dir_.path() + "/kmsg").value_or("");
  auto at = text.find("helper fake started (pid ");
  ASSERT_NE(at, std::string::npos) << text;
  pid_t pid = std::atoi(text.c_str() + at + 25);
  ASSERT_GT(pid, 0) << text;
  EXPECT_EQ(::kill(pid, 0), -1);
  EXPECT_EQ(errno, ESRCH);
}

TEST_F(HelperRunTest, RunningOutOfFdsIsAnOutcomeNotACrash) {
  // In a child, so the lowered limit does not affect the test process.
  std::string helper = script("exit 0");
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    HelperInvocation inv{"fake", helper, std::chrono::seconds(10), {}};
    Log log(dir_.path() + "/kmsg");
    // UBSan checks an object's dynamic type with a pipe the first time it meets the type:
    // let it meet SysError while fds are still free.
    try {
      throw SysError("warm-up", EMFILE);
    } catch (const std::exception& e) {
      [[maybe_unused]] const char* what = e.what();
    }
    // Every fd number already in use: the first pipe cannot be made.
    int lowest_free = dup(0);
    rlimit limit{static_cast<rlim_t>(lowest_free), static_cast<rlim_t>(lowest_free)};
    if (lowest_free < 0 || setrlimit(RLIMIT_NOFILE, &limit) != 0) _exit(2);
    HelperOutcome out = run_helper(inv, signal_fd_.get(), reaper_, log, nullptr);
    std::string text = describe_outcome(out);
    bool expected =
        out.kind == OutcomeKind::kCannotStart && text == "cannot start: pipe: Too many open files";
    if (!expected) std::fprintf(stderr, "outcome: %s\n", text.c_str());
    _exit(expected ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

HelperOutcome outcome(OutcomeKind kind, std::string detail = "") {
  HelperOutcome out;
  out.kind = kind;
  out.detail = std::move(detail);
  return out;
}

TEST(DescribeOutcome, EveryKindHasItsOneText) {
  EXPECT_EQ(describe_outcome(outcome(OutcomeKind::kOk)), "succeeded");
  EXPECT_EQ(describe_outcome(outcome(OutcomeKind::kCannotStart, "setsid: Operation not permitted")),
            "cannot start: setsid: Operation not permitted");
  HelperOutcome exited = outcome(OutcomeKind::kExitedNonZero);
  exited.wait_status = 3 << 8;
  EXPECT_EQ(describe_outcome(exited), "exited with status 3");
  exited.last_output = "mount /sys: EPERM";
  EXPECT_EQ(describe_outcome(exited), "exited with status 3; last output: mount /sys: EPERM");
  HelperOutcome killed = outcome(OutcomeKind::kKilledBySignal);
  killed.wait_status = SIGABRT | 0x80;  // core dumped: not part of the text
  EXPECT_EQ(describe_outcome(killed), "killed by signal SIGABRT");
  EXPECT_EQ(describe_outcome(outcome(OutcomeKind::kKilledBySeccomp, "socket")),
            "killed by its seccomp policy (SIGSYS) in syscall socket");
  EXPECT_EQ(describe_outcome(outcome(OutcomeKind::kKilledBySeccomp)),
            "killed by its seccomp policy (SIGSYS); the kernel did not report the syscall");
  HelperOutcome failed = outcome(OutcomeKind::kFailedResult, "mount /proc: EBUSY");
  failed.wait_status = 1 << 8;
  EXPECT_EQ(describe_outcome(failed), "mount /proc: EBUSY (exit status 1)");
  HelperOutcome no_result = outcome(OutcomeKind::kNoResult);
  EXPECT_EQ(describe_outcome(no_result), "exited without a result");
  no_result.last_output = "bye";
  EXPECT_EQ(describe_outcome(no_result), "exited without a result; last output: bye");
  EXPECT_EQ(describe_outcome(outcome(OutcomeKind::kProtocolError, "frame after the result")),
            "protocol error: frame after the result");
  HelperOutcome timeout = outcome(OutcomeKind::kTimeout);
  timeout.timeout = std::chrono::seconds(30);
  EXPECT_EQ(describe_outcome(timeout), "timed out after 30 s");
  HelperOutcome interrupted = outcome(OutcomeKind::kInterrupted);
  interrupted.shutdown_signal = SIGPWR;
  EXPECT_EQ(describe_outcome(interrupted), "interrupted by SIGPWR");
  EXPECT_EQ(describe_outcome(outcome(OutcomeKind::kSupervisionError, "poll: Bad address")),
            "supervision failed: poll: Bad address");
  EXPECT_EQ(describe_outcome(outcome(OutcomeKind::kLeftProcesses, "pid 42 (sleep)")),
            "left processes running that it did not report as daemons (killed): pid 42 (sleep)");
}

TEST_F(HelperRunTest, EnvironmentIsEmptyAndLogEventsAreLoggedAtTheirLevel) {
  setenv("CCINIT_TEST_SECRET", "leak", 1);
  auto out = run(script(std::string("echo \"env=$(/usr/bin/env | grep -c CCINIT_TEST)\"; "
                                    "printf '") +
                        kWarnLogFrame + kOkResultFrame + "' >&4"));
  unsetenv("CCINIT_TEST_SECRET");
  EXPECT_TRUE(out.ok()) << describe_outcome(out);
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
