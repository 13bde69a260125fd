// The common process layer: how children are started, what they inherit, how they end, and
// how an exit is worded.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string>

#include "common/pipe.h"
#include "common/process.h"
#include "common/wait_status.h"
#include "tests/testlib/skip_or_fail.h"
#include "tests/testlib/temp_dir.h"
#include "tests/unit/common/ptrace_holder.h"

namespace ccinit {
namespace {

// Runs `sh -c script` (or options.path when given) with the given options and returns its
// stdout, read from a pipe on fd 1.
std::string output_of(const std::string& script, SpawnOptions options = {},
                      int* wait_status = nullptr) {
  Pipe out = make_pipe();
  if (options.path.empty()) {
    options.path = "/bin/sh";
    options.argv = {"sh", "-c", script};
  }
  options.fds.push_back({1, out.write_end.get()});
  Child child = spawn(options);
  out.write_end.reset();
  std::string text;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(out.read_end.get(), buf, sizeof buf)) > 0) text.append(buf, n);
  int status = child.wait();
  if (wait_status) *wait_status = status;
  return text;
}

TEST(Spawn, OnlyTheFdLayoutStaysOpenEvenWhenSourcesAndTargetsOverlap) {
  // Two pipes whose read ends are swapped onto each other's numbers: a naive dup2 order
  // would clobber one source with the other.
  Pipe a = make_pipe(), b = make_pipe();
  ASSERT_EQ(::write(a.write_end.get(), "A", 1), 1);
  ASSERT_EQ(::write(b.write_end.get(), "B", 1), 1);
  a.write_end.reset();
  b.write_end.reset();
  const int fa = a.read_end.get(), fb = b.read_end.get();
  UniqueFd null_fd(::open("/dev/null", O_RDWR | O_CLOEXEC));
  // Inherited by fork without close-on-exec: it must still not survive exec.
  UniqueFd inheritable(::fcntl(fa, F_DUPFD, 60));
  ASSERT_EQ(inheritable.get(), 60);
  SpawnOptions options;
  options.fds = {{fa, fb}, {fb, fa}, {0, null_fd.get()}, {2, null_fd.get()}};
  std::string text = output_of("echo \"$(cat <&" + std::to_string(fa) + ")$(cat <&" +
                                   std::to_string(fb) + ")\"; ls /proc/self/fd",
                               options);
  std::istringstream lines(text);
  std::string swapped;
  std::getline(lines, swapped);
  EXPECT_EQ(swapped, "BA");
  std::set<int> open_fds;
  for (int fd; lines >> fd;) open_fds.insert(fd);
  // ls adds the one fd of the directory it lists.
  EXPECT_EQ(open_fds.size(), 6u) << text;
  for (int fd : {0, 1, 2, fa, fb}) EXPECT_EQ(open_fds.count(fd), 1u) << fd << "\n" << text;
  EXPECT_EQ(open_fds.count(60), 0u) << text;
}

TEST(Spawn, EnvironmentIsExactlyWhatWasGiven) {
  ::setenv("CCINIT_TEST_SECRET", "leak", 1);
  SpawnOptions options;
  options.path = "/usr/bin/env";
  options.env = std::vector<std::string>{"ONLY=this"};
  std::string text = output_of("", options);
  ::unsetenv("CCINIT_TEST_SECRET");
  EXPECT_EQ(text, "ONLY=this\n");
}

TEST(Spawn, SignalMaskIsEmptyAndIgnoredSignalsAreDefaultAgain) {
  sighandler_t old_pipe = ::signal(SIGPIPE, SIG_IGN);
  sigset_t block, old_mask;
  sigemptyset(&block);
  sigaddset(&block, SIGTERM);
  ASSERT_EQ(::sigprocmask(SIG_BLOCK, &block, &old_mask), 0);
  std::string text = output_of("grep -E '^Sig(Blk|Ign)' /proc/self/status");
  ::sigprocmask(SIG_SETMASK, &old_mask, nullptr);
  ::signal(SIGPIPE, old_pipe);
  EXPECT_EQ(text, "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n");
}

TEST(Spawn, NewSessionWorkingDirectoryAndChildStep) {
  SpawnOptions options;
  options.new_session = true;
  options.working_dir = "/proc";
  options.child_step = []() -> const char* {
    return ::setpgid(0, 0) == 0 ? "unexpected" : nullptr;
  };
  // setpgid fails for a session leader (EPERM): the step sees the session already made.
  std::string text = output_of("echo \"$(cut -d' ' -f1,6 /proc/$$/stat) $(pwd)\"", options);
  std::string pid = text.substr(0, text.find(' '));
  EXPECT_EQ(text, pid + " " + pid + " /proc\n");
}

TEST(Spawn, AFailedExecIsASpawnErrorAfterTheChildWasReaped) {
  SpawnOptions options;
  options.path = "/nonexistent/tool";
  try {
    spawn(options);
    FAIL() << "expected a SpawnError";
  } catch (const SpawnError& e) {
    EXPECT_EQ(e.stage(), "exec");
    EXPECT_EQ(e.code(), ENOENT);
    EXPECT_EQ(e.detail(), "No such file or directory");
  }
  EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1) << "no zombie left";
  EXPECT_EQ(errno, ECHILD);
}

TEST(Spawn, AFailedChildStepIsNamedWithItsErrno) {
  SpawnOptions options;
  options.path = "/bin/true";
  options.child_step = []() -> const char* {
    errno = EACCES;
    return "setrlimit RLIMIT_NOFILE";
  };
  try {
    spawn(options);
    FAIL() << "expected a SpawnError";
  } catch (const SpawnError& e) {
    EXPECT_EQ(e.stage(), "setrlimit RLIMIT_NOFILE");
    EXPECT_EQ(e.detail(), "setrlimit RLIMIT_NOFILE: Permission denied");
  }
}

TEST(Spawn, ABadWorkingDirectoryIsAStage) {
  SpawnOptions options;
  options.path = "/bin/true";
  options.working_dir = "/nonexistent";
  try {
    spawn(options);
    FAIL() << "expected a SpawnError";
  } catch (const SpawnError& e) {
    EXPECT_EQ(e.detail(), "chdir: No such file or directory");
  }
}

TEST(Spawn, TwoMappingsToOneTargetAreRefused) {
  SpawnOptions options;
  options.path = "/bin/true";
  options.fds = {{1, 0}, {1, 2}};
  EXPECT_THROW(spawn(options), std::invalid_argument);
}

pid_t grandchild_of(const std::string& pid_file) {
  std::ifstream in(pid_file);
  pid_t pid = 0;
  in >> pid;
  return pid;
}

TEST(Child, DroppingItKillsItsWholeGroupAndReapsIt) {
  testing::TempDir dir("ccinit-process-test");
  const std::string pid_file = dir.path() + "/grandchild";
  pid_t leader;
  {
    SpawnOptions options;
    options.path = "/bin/sh";
    options.argv = {"sh", "-c", "sleep 100 & echo $! > " + pid_file + "; wait"};
    options.new_session = true;
    Child child = spawn(options);
    leader = child.pid();
    for (int i = 0; i < 500 && grandchild_of(pid_file) == 0; ++i) ::usleep(10'000);
  }
  EXPECT_EQ(::kill(leader, 0), -1) << "the leader was reaped";
  pid_t grandchild = grandchild_of(pid_file);
  ASSERT_GT(grandchild, 0);
  // SIGKILL is asynchronous, and the grandchild's new parent reaps it: allow a moment.
  bool gone = false;
  for (int i = 0; i < 500 && !gone; ++i) {
    std::ifstream stat("/proc/" + std::to_string(grandchild) + "/stat");
    std::string line;
    gone = !std::getline(stat, line) || line.find(") Z ") != std::string::npos;
    if (!gone) ::usleep(10'000);
  }
  EXPECT_TRUE(gone) << "pid " << grandchild << " survived its group's kill";
}

TEST(Child, ReleasedChildrenRunOn) {
  SpawnOptions options;
  options.path = "/bin/sleep";
  options.argv = {"sleep", "100"};
  pid_t pid = spawn(options).release();
  EXPECT_EQ(::kill(pid, 0), 0);
  ::kill(pid, SIGKILL);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_EQ(describe_wait_status(status), "killed by signal SIGKILL");
}

Child sleeper() {
  SpawnOptions options;
  options.path = "/bin/sleep";
  options.argv = {"sleep", "100"};
  return spawn(options);
}

// Before: the destructor's blocking waitpid hung for as long as the child could not be
// reaped, and PID 1 with it, with no power-off line at all.
TEST(Child, AChildThatCannotBeReapedIsGivenUpOnInsteadOfWaitedForForEver) {
  Child child = sleeper();
  const pid_t pid = child.pid();
  std::optional<bool> reaped;
  {
    testing::PtraceHolder holder(pid);
    CCINIT_REQUIRE(holder.error());
    const auto start = std::chrono::steady_clock::now();
    reaped = child.kill_and_reap(std::chrono::milliseconds(300));
    const auto took = std::chrono::steady_clock::now() - start;
    EXPECT_FALSE(*reaped);
    EXPECT_FALSE(child) << "given up on: no longer owned";
    EXPECT_GE(took, std::chrono::milliseconds(300));
    EXPECT_LT(took, std::chrono::seconds(2));
  }
  // The tracer is gone: the zombie is ours to reap again, and it was killed.
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_EQ(describe_wait_status(status), "killed by signal SIGKILL");
}

TEST(Child, DroppingAnUnreapableChildReturnsWithinTheLimit) {
  Child child = sleeper();
  const pid_t pid = child.pid();
  {
    testing::PtraceHolder holder(pid);
    CCINIT_REQUIRE(holder.error());
    const auto start = std::chrono::steady_clock::now();
    { Child dropped = std::move(child); }
    EXPECT_LT(std::chrono::steady_clock::now() - start,
              kReapAfterKillLimit + std::chrono::seconds(1));
  }
  int status = 0;
  EXPECT_EQ(::waitpid(pid, &status, 0), pid);
}

TEST(Child, WaitForReturnsNothingWhileItRunsAndTheStatusOnceItEnded) {
  Child child = sleeper();
  EXPECT_EQ(child.wait_for(std::chrono::milliseconds(50)), std::nullopt);
  EXPECT_TRUE(child) << "still owned";
  child.kill(SIGTERM);
  auto status = child.wait_for(std::chrono::seconds(5));
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(describe_wait_status(*status), "killed by signal SIGTERM");
  EXPECT_FALSE(child);
}

TEST(Child, KillAndReapReapsAnOrdinaryChildAtOnce) {
  Child child = sleeper();
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(child.kill_and_reap());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(500));
  EXPECT_FALSE(child);
}

TEST(WaitStatus, OneWordingForEveryEnd) {
  int status = 0;
  output_of("exit 3", {}, &status);
  EXPECT_EQ(describe_wait_status(status), "exited with status 3");
  output_of("kill -SEGV $$", {}, &status);
  EXPECT_EQ(describe_wait_status(status), "killed by signal SIGSEGV");
  EXPECT_EQ(describe_wait_status(SIGABRT | 0x80), "killed by signal SIGABRT");
  EXPECT_EQ(describe_wait_status(0x137f), "stopped by signal SIGSTOP");
  EXPECT_EQ(signal_name(SIGSYS), "SIGSYS");
  EXPECT_EQ(signal_name(SIGRTMIN + 3), "signal " + std::to_string(SIGRTMIN + 3));
}

TEST(WaitStatus, WaitidReportsTheSameStatusAsWaitpid) {
  for (const char* script : {"exit 7", "kill -TERM $$"}) {
    SpawnOptions options;
    options.path = "/bin/sh";
    options.argv = {"sh", "-c", script};
    Child child = spawn(options);
    siginfo_t info{};
    ASSERT_EQ(::waitid(P_PID, static_cast<id_t>(child.pid()), &info, WEXITED | WNOWAIT), 0);
    int from_siginfo = wait_status_from_siginfo(info);
    EXPECT_EQ(from_siginfo, child.wait()) << script;
  }
}

}  // namespace
}  // namespace ccinit
