#include "common/process_runner.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>

#include "common/file_io.h"
#include "common/unique_fd.h"
#include "tests/testlib/temp_dir.h"

// The real runner on real child processes: /bin/sh scripts stand in for the tools.
namespace ccinit::tools {
namespace {

using ccinit::testing::TempDir;
using namespace std::chrono_literals;

class ProcessRunnerTest : public ::testing::Test {
 protected:
  // A script at <dir>/<name>; `body` may use @DIR@ for the test directory.
  Command script(const std::string& name, std::string body) {
    for (std::size_t at; (at = body.find("@DIR@")) != std::string::npos;)
      body.replace(at, 5, dir_.path());
    auto path = dir_.write(name, "#!/bin/sh\n" + body);
    std::filesystem::permissions(path, std::filesystem::perms::owner_all);
    return {path.string(), {}};
  }
  Readiness readiness(std::chrono::milliseconds timeout = 60s) {
    return {.name = "nvidia-persistenced",
            .syslog_line = "Local RPC services initialized",
            .timeout = timeout,
            .timeout_setting = "nvrc.timeout.persistenced",
            .pid_file = dir_.path() + "/daemon.pid"};
  }
  std::string error_of_wait(const Command& command, std::chrono::milliseconds timeout = 60s) {
    try {
      runner_.start_and_wait(command, readiness(timeout));
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    return "(ready)";
  }
  // Kills a process that is not our child and waits until it is gone.
  static void kill_and_wait(pid_t pid) {
    UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
    ASSERT_TRUE(pidfd) << "pid " << pid << " is not running";
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    pollfd fd{pidfd.get(), POLLIN, 0};
    ASSERT_EQ(::poll(&fd, 1, -1), 1);
  }
  static void kill_and_reap(pid_t child) {
    ::kill(child, SIGKILL);
    int status;
    ::waitpid(child, &status, 0);
  }
  static bool exists(pid_t pid) { return ::kill(pid, 0) == 0 || errno != ESRCH; }

  TempDir dir_{"gpu_process_runner_test"};
  ProcessRunner runner_{ProcessRunnerOptions{.output_to_kmsg = false, .syslog_dir = dir_.path()}};
};

TEST_F(ProcessRunnerTest, RunsWithACleanEnvironmentStdinFromDevNullAndNoLeakedFds) {
  ASSERT_EQ(::setenv("CCINIT_TEST_SECRET", "leak", 1), 0);
  UniqueFd leak(::open("/dev/null", O_RDONLY));  // without O_CLOEXEC on purpose
  ASSERT_GE(::dup2(leak.get(), 50), 0);
  UniqueFd leak50(50);
  ToolResult result = runner_.run(script("tool",
                                         "env\n"
                                         "read line; echo \"read=$?\"\n"
                                         "[ -e /proc/$$/fd/50 ] && echo leaked-fd\n"
                                         "echo \"args=$*\"\n"
                                         "exit 3\n"),
                                  true);
  ::unsetenv("CCINIT_TEST_SECRET");
  EXPECT_EQ(describe_wait_status(result.wait_status), "exited with status 3");
  EXPECT_NE(result.output.find("PATH=/usr/sbin:/usr/bin:/sbin:/bin\n"), std::string::npos)
      << result.output;
  EXPECT_EQ(result.output.find("CCINIT_TEST_SECRET"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("read=1\n"), std::string::npos) << "stdin is at EOF";
  EXPECT_EQ(result.output.find("leaked-fd"), std::string::npos);
}

TEST_F(ProcessRunnerTest, PassesArgumentsAsGiven) {
  Command command = script("tool", "printf '%s|' \"$@\"\n");
  command.args = {"conf-compute", "-f", "a b"};
  ToolResult result = runner_.run(command, true);
  EXPECT_TRUE(result.ok());
  EXPECT_EQ(result.output, "conf-compute|-f|a b|");
}

TEST_F(ProcessRunnerTest, AToolThatCannotBeExecutedIsAnError) {
  try {
    runner_.run({dir_.path() + "/missing", {}}, false);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), "run " + dir_.path() + "/missing: No such file or directory");
  }
}

TEST_F(ProcessRunnerTest, ReadyWhenTheLauncherExitsZero) {
  // Like nvidia-persistenced: fork the daemon, write its pid file, exit 0.
  Command launcher = script("launcher",
                            "sleep 1000 </dev/null >/dev/null 2>&1 &\n"
                            "echo $! > @DIR@/daemon.pid\n"
                            "exit 0\n");
  const auto start = std::chrono::steady_clock::now();
  pid_t daemon = runner_.start_and_wait(launcher, readiness());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
  EXPECT_EQ(std::to_string(daemon),
            std::string(trim_right(read_file(dir_.path() + "/daemon.pid"))));
  EXPECT_EQ(runner_.check_running(daemon), std::nullopt);
  kill_and_wait(daemon);
  EXPECT_NE(runner_.check_running(daemon), std::nullopt) << "the health check sees it gone";
}

TEST_F(ProcessRunnerTest, ReadyOnTheSyslogLineBeforeTheLauncherExits) {
  Command launcher = script(
      "launcher",
      "echo \"$$ nvidia-persistenced[$$]: Local RPC services initialized\" >> @DIR@/syslog.log\n"
      "exec sleep 1000\n");
  const auto start = std::chrono::steady_clock::now();
  pid_t pid = runner_.start_and_wait(launcher, readiness());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s) << "not the 60 s timeout";
  // No pid file yet: the launcher itself is what the health check watches.
  EXPECT_EQ(runner_.check_running(pid), std::nullopt);
  ::kill(pid, SIGKILL);
  siginfo_t info{};
  ASSERT_EQ(::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT), 0);
  EXPECT_EQ(runner_.check_running(pid), "killed by signal SIGKILL");
  kill_and_reap(pid);
}

TEST_F(ProcessRunnerTest, ALauncherFailingAfterSyslogReadinessFailsTheHealthCheck) {
  ASSERT_EQ(::mkfifo((dir_.path() + "/go").c_str(), 0600), 0);
  Command launcher = script(
      "launcher",
      "sleep 1000 </dev/null >/dev/null 2>&1 &\n"
      "echo $! > @DIR@/daemon.pid\n"
      "echo $$ > @DIR@/launcher.pid\n"
      "echo \"$$ nvidia-persistenced[$$]: Local RPC services initialized\" >> @DIR@/syslog.log\n"
      "read line < @DIR@/go\n"
      "exit 1\n");
  pid_t daemon = runner_.start_and_wait(launcher, readiness());
  EXPECT_EQ(std::to_string(daemon),
            std::string(trim_right(read_file(dir_.path() + "/daemon.pid"))));
  EXPECT_EQ(runner_.check_running(daemon), std::nullopt);
  const pid_t launcher_pid = std::stoi(read_file(dir_.path() + "/launcher.pid"));
  {
    UniqueFd go(::open((dir_.path() + "/go").c_str(), O_WRONLY));
    ASSERT_TRUE(go);
    ASSERT_EQ(::write(go.get(), "\n", 1), 1);
  }
  siginfo_t info{};
  ASSERT_EQ(::waitid(P_PID, static_cast<id_t>(launcher_pid), &info, WEXITED | WNOWAIT), 0);
  EXPECT_EQ(runner_.check_running(daemon),
            "has a launcher (pid " + std::to_string(launcher_pid) + ") that exited with status 1");
  kill_and_reap(launcher_pid);
  kill_and_wait(daemon);
}

// PID 1 writes the sender's pid (SO_PASSCRED) first on each line: a readiness line sent by
// any other process, or one without a pid, is not the daemon's.
TEST_F(ProcessRunnerTest, AForgedReadinessLineFromAnotherProcessIsNotBelieved) {
  Command launcher = script(
      "launcher",
      "echo $$ > @DIR@/launcher.pid\n"
      "echo \"1 nvidia-persistenced[$$]: Local RPC services initialized\" >> @DIR@/syslog.log\n"
      "echo \"nvidia-persistenced[$$]: Local RPC services initialized\" >> @DIR@/syslog.log\n"
      "echo \"$$Local RPC services initialized\" >> @DIR@/syslog.log\n"
      "exec sleep 1000\n");
  const std::string error = error_of_wait(launcher, 500ms);
  EXPECT_TRUE(error.starts_with("nvidia-persistenced was not ready within 500 ms")) << error;
}

TEST_F(ProcessRunnerTest, ReadyOnTheSyslogLineOfAProcessTheLauncherForked) {
  Command launcher = script(
      "launcher",
      "sh -c 'echo $$ > @DIR@/forked.pid; echo \"$$ nvidia-persistenced[$$]: Local RPC services "
      "initialized\" >> @DIR@/syslog.log; exec sleep 1000' &\n"
      "exec sleep 1000\n");
  const auto start = std::chrono::steady_clock::now();
  pid_t pid = runner_.start_and_wait(launcher, readiness());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s) << "not the 60 s timeout";
  kill_and_wait(std::stoi(read_file(dir_.path() + "/forked.pid")));
  kill_and_reap(pid);
}

TEST_F(ProcessRunnerTest, ReadyOnTheSyslogLineInAFileStartedAfresh) {
  // PID 1 truncates the file when it cannot rotate it: what follows is still seen.
  dir_.write("syslog.log", std::string(4096, 'x') + "\n");
  Command launcher = script(
      "launcher",
      "echo $$ > @DIR@/launcher.pid\n"
      "sleep 0.2\n"
      ": > @DIR@/syslog.log\n"
      "echo \"$$ nvidia-persistenced[$$]: Local RPC services initialized\" >> @DIR@/syslog.log\n"
      "exec sleep 1000\n");
  EXPECT_EQ(error_of_wait(launcher, 5s), "(ready)");
  kill_and_reap(std::stoi(read_file(dir_.path() + "/launcher.pid")));
}

TEST_F(ProcessRunnerTest, ReadyOnTheSyslogLineInAFileCreatedOrRotatedLater) {
  dir_.write("syslog.log", "nvidia-persistenced: starting\n");
  Command launcher = script(
      "launcher",
      "mv @DIR@/syslog.log @DIR@/syslog.log.1\n"
      "echo \"$$ nvidia-persistenced[$$]: Local RPC services initialized\" > @DIR@/syslog.log\n"
      "exec sleep 1000\n");
  pid_t pid = runner_.start_and_wait(launcher, readiness());
  kill_and_reap(pid);
}

TEST_F(ProcessRunnerTest, ALauncherThatFailsIsFatalWithItsLastSyslogLines) {
  Command launcher = script("launcher",
                            "echo 'nvidia-persistenced: Failed to open /dev/nvidiactl' >> "
                            "@DIR@/syslog.log\n"
                            "exit 1\n");
  EXPECT_EQ(error_of_wait(launcher),
            launcher.path +
                " exited with status 1 before it was ready; last syslog lines: "
                "nvidia-persistenced: Failed to open /dev/nvidiactl");
}

TEST_F(ProcessRunnerTest, ALauncherThatCrashesIsFatal) {
  EXPECT_EQ(error_of_wait(script("launcher", "kill -SEGV $$\n")),
            dir_.path() +
                "/launcher killed by signal SIGSEGV before it was ready; "
                "last syslog lines: (none)");
}

TEST_F(ProcessRunnerTest, ReadyByExitButNoPidFileIsFatal) {
  EXPECT_EQ(error_of_wait(script("launcher", "exit 0\n")),
            "nvidia-persistenced is ready but its daemon cannot be found: " + dir_.path() +
                "/daemon.pid does not exist");
}

TEST_F(ProcessRunnerTest, TimeoutNamesTheDaemonShowsItsLogAndKillsTheLauncher) {
  // A readiness line from before the launcher started does not count.
  dir_.write("syslog.log", "nvidia-persistenced[1]: Local RPC services initialized\n");
  Command launcher =
      script("launcher",
             "echo $$ > @DIR@/launcher.pid\n"
             "echo 'nvidia-persistenced: GPU 0000:41:00.0 init' >> @DIR@/syslog.log\n"
             "exec sleep 1000\n");
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(error_of_wait(launcher, 300ms),
            "nvidia-persistenced was not ready within 300 ms (set "
            "nvrc.timeout.persistenced=SECONDS); last syslog lines: nvidia-persistenced: GPU "
            "0000:41:00.0 init");
  EXPECT_GE(std::chrono::steady_clock::now() - start, 300ms);
  pid_t launcher_pid = std::stoi(read_file(dir_.path() + "/launcher.pid"));
  EXPECT_FALSE(exists(launcher_pid)) << "killed and reaped";
}

TEST_F(ProcessRunnerTest, HealthOfStartedDaemons) {
  pid_t running = runner_.start(script("running", "exec sleep 1000\n"));
  pid_t daemonized = runner_.start(script("daemonized", "exit 0\n"));
  pid_t failed = runner_.start(script("failed", "exit 2\n"));
  siginfo_t info{};
  for (pid_t pid : {daemonized, failed})
    ASSERT_EQ(::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT), 0);
  EXPECT_EQ(runner_.check_running(running), std::nullopt);
  EXPECT_EQ(runner_.check_running(daemonized), std::nullopt) << "its launcher exited 0";
  EXPECT_EQ(runner_.check_running(failed), "exited with status 2");
  for (pid_t pid : {running, daemonized, failed}) kill_and_reap(pid);
}

}  // namespace
}  // namespace ccinit::tools
