#include "common/process_runner.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
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

// Foreground daemons (nvlsm, nv-fabricmanager with DAEMONIZE=0): their output goes to a
// syslog socket of the test's own, readiness is a socket appearing or a syslog line from the
// daemon's own pid, and they must still run when ready.
class ForegroundDaemonTest : public ProcessRunnerTest {
 protected:
  void SetUp() override {
    log_.reset(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    ASSERT_TRUE(log_);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    const std::string path = dir_.path() + "/log";
    ASSERT_LT(path.size(), sizeof address.sun_path);
    std::memcpy(address.sun_path, path.data(), path.size());
    ASSERT_EQ(::bind(log_.get(), reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    const int on = 1;
    ASSERT_EQ(::setsockopt(log_.get(), SOL_SOCKET, SO_PASSCRED, &on, sizeof on), 0);
    std::filesystem::create_directory(dir_.path() + "/sockets");
  }
  DaemonReadiness nvlsm(std::chrono::milliseconds timeout = 60s) {
    return {.name = "nvlsm",
            .timeout = timeout,
            .timeout_setting = "nvrc.timeout.nvlsm",
            .syslog_line = "",
            .socket_path = dir_.path() + "/sockets/fm_sm_ipc.socket"};
  }
  DaemonReadiness fabric_manager(std::chrono::milliseconds timeout = 60s) {
    return {.name = "nv-fabricmanager",
            .timeout = timeout,
            .timeout_setting = "nvrc.timeout.fabricmanager",
            .syslog_line = "FM starting NvLink Inband",
            .socket_path = ""};
  }
  std::string error_of_start(const Command& command, const DaemonReadiness& readiness) {
    try {
      pid_t pid = daemons_.start_until_ready(command, readiness);
      kill_and_reap(pid);
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    return "(ready)";
  }
  // A datagram on the test's syslog socket and the pid the kernel says sent it.
  std::pair<std::string, pid_t> receive_log() {
    char text[512];
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred))];
    iovec iov{text, sizeof text};
    msghdr message{};
    message.msg_iov = &iov;
    message.msg_iovlen = 1;
    message.msg_control = control;
    message.msg_controllen = sizeof control;
    const ssize_t n = ::recvmsg(log_.get(), &message, 0);
    if (n < 0) return {"(recvmsg failed)", 0};
    pid_t sender = 0;
    for (cmsghdr* c = CMSG_FIRSTHDR(&message); c; c = CMSG_NXTHDR(&message, c))
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS)
        sender = reinterpret_cast<ucred*>(CMSG_DATA(c))->pid;
    return {std::string(text, static_cast<std::size_t>(n)), sender};
  }

  UniqueFd log_;
  ProcessRunner daemons_{ProcessRunnerOptions{.output_to_kmsg = false,
                                              .syslog_dir = dir_.path(),
                                              .daemon_log_socket = dir_.path() + "/log"}};
};

// What nvlsm does: it binds its gRPC socket once the fabric is swept. The shell cannot bind
// a Unix socket; perl-base (Essential in Debian) can.
constexpr char kBindSocket[] =
    "exec perl -MIO::Socket::UNIX -e 'select(undef, undef, undef, 0.2); "
    "IO::Socket::UNIX->new(Type => SOCK_STREAM(), Local => $ARGV[0], Listen => 1) or die $!; "
    "sleep 1000' @DIR@/sockets/fm_sm_ipc.socket\n";

TEST_F(ForegroundDaemonTest, NvlsmIsReadyWhenItsSocketAppearsAndItsOutputGoesToSyslog) {
  Command daemon = script("nvlsm", std::string("echo \"nvlsm: sweeping fabric\"\n"
                                               "echo \"nvlsm: warning\" >&2\n") +
                                       kBindSocket);
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = daemons_.start_until_ready(daemon, nvlsm());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s) << "not the 60 s timeout";
  struct stat st {};
  ASSERT_EQ(::stat((dir_.path() + "/sockets/fm_sm_ipc.socket").c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(daemons_.check_running(pid), std::nullopt);
  EXPECT_EQ(receive_log(), std::make_pair(std::string("nvlsm: sweeping fabric\n"), pid));
  EXPECT_EQ(receive_log(), std::make_pair(std::string("nvlsm: warning\n"), pid));
  kill_and_reap(pid);
}

TEST_F(ForegroundDaemonTest, NvlsmExitingBeforeItsSocketIsFatalNamingIt) {
  Command daemon = script("nvlsm",
                          "echo $$ > @DIR@/daemon.pid\n"
                          "echo \"$$ nvlsm[$$]: cannot open /dev/infiniband/umad0\" >> "
                          "@DIR@/syslog.log\n"
                          "exit 1\n");
  const std::string error = error_of_start(daemon, nvlsm());
  const std::string pid(trim_right(read_file(dir_.path() + "/daemon.pid")));
  EXPECT_EQ(error, "nvlsm exited with status 1 before it was ready (waiting for its socket " +
                       dir_.path() + "/sockets/fm_sm_ipc.socket); its last log lines: " + pid +
                       " nvlsm[" + pid + "]: cannot open /dev/infiniband/umad0");
}

TEST_F(ForegroundDaemonTest, NvlsmPastItsDeadlineIsFatalNamingTheSettingAndItsLastLines) {
  Command daemon = script("nvlsm",
                          "echo $$ > @DIR@/daemon.pid\n"
                          "echo \"$$ nvlsm[$$]: waiting for ports\" >> @DIR@/syslog.log\n"
                          "echo \"$PPID ccinit: unrelated\" >> @DIR@/syslog.log\n"
                          "exec sleep 1000\n");
  const auto start = std::chrono::steady_clock::now();
  const std::string error = error_of_start(daemon, nvlsm(300ms));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 300ms);
  const std::string pid(trim_right(read_file(dir_.path() + "/daemon.pid")));
  EXPECT_EQ(error,
            "nvlsm was not ready within 300 ms (set nvrc.timeout.nvlsm=SECONDS), waiting for its "
            "socket " +
                dir_.path() + "/sockets/fm_sm_ipc.socket; its last log lines: " + pid + " nvlsm[" +
                pid + "]: waiting for ports");
  EXPECT_FALSE(exists(std::stoi(pid))) << "killed and reaped";
}

TEST_F(ForegroundDaemonTest, FabricManagerIsReadyOnItsOwnSyslogLine) {
  Command daemon =
      script("fm",
             "echo \"$$ nv-fabricmanager[$$]: FM starting NvLink Inband\" >> @DIR@/syslog.log\n"
             "exec sleep 1000\n");
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = daemons_.start_until_ready(daemon, fabric_manager());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s) << "not the 60 s timeout";
  EXPECT_EQ(daemons_.check_running(pid), std::nullopt);
  kill_and_reap(pid);
}

// ccinit's own log may quote the line ("waiting for 'FM starting NvLink Inband'"), and any
// process can write to /dev/log: only a line the kernel says FM itself sent counts.
TEST_F(ForegroundDaemonTest, AReadinessLineFromAnotherProcessIsNotBelieved) {
  Command daemon =
      script("fm",
             "echo \"$PPID ccinit: waiting for FM starting NvLink Inband\" >> @DIR@/syslog.log\n"
             "sh -c 'echo \"$$ nv-fabricmanager[$$]: FM starting NvLink Inband\" >> "
             "@DIR@/syslog.log'\n"
             "echo \"nv-fabricmanager: FM starting NvLink Inband\" >> @DIR@/syslog.log\n"
             "exec sleep 1000\n");
  const std::string error = error_of_start(daemon, fabric_manager(500ms));
  EXPECT_TRUE(
      error.starts_with("nv-fabricmanager was not ready within 500 ms (set "
                        "nvrc.timeout.fabricmanager=SECONDS)"))
      << error;
}

TEST_F(ForegroundDaemonTest, FabricManagerExitingZeroBeforeReadyIsFatal) {
  Command daemon =
      script("fm",
             "echo \"$$ nv-fabricmanager[$$]: NV_WARN_NOTHING_TO_DO\" >> @DIR@/syslog.log\n"
             "echo $$ > @DIR@/daemon.pid\n"
             "exit 0\n");
  const std::string error = error_of_start(daemon, fabric_manager());
  const std::string pid(trim_right(read_file(dir_.path() + "/daemon.pid")));
  EXPECT_EQ(error,
            "nv-fabricmanager exited with status 0 before it was ready (waiting for its syslog "
            "line 'FM starting NvLink Inband'); its last log lines: " +
                pid + " nv-fabricmanager[" + pid + "]: NV_WARN_NOTHING_TO_DO");
}

TEST_F(ForegroundDaemonTest, AForegroundDaemonExitingZeroAfterReadyFailsTheHealthCheck) {
  ASSERT_EQ(::mkfifo((dir_.path() + "/go").c_str(), 0600), 0);
  Command daemon =
      script("fm",
             "echo \"$$ nv-fabricmanager[$$]: FM starting NvLink Inband\" >> @DIR@/syslog.log\n"
             "read line < @DIR@/go\n"
             "exit 0\n");
  const pid_t pid = daemons_.start_until_ready(daemon, fabric_manager());
  {
    UniqueFd go(::open((dir_.path() + "/go").c_str(), O_WRONLY));
    ASSERT_TRUE(go);
    ASSERT_EQ(::write(go.get(), "\n", 1), 1);
  }
  siginfo_t info{};
  ASSERT_EQ(::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT), 0);
  EXPECT_EQ(daemons_.check_running(pid), "exited with status 0");
  kill_and_reap(pid);
}

TEST_F(ForegroundDaemonTest, WithoutPid1sSyslogSocketNothingStarts) {
  ProcessRunner runner{ProcessRunnerOptions{.output_to_kmsg = false,
                                            .syslog_dir = dir_.path(),
                                            .daemon_log_socket = dir_.path() + "/missing"}};
  try {
    runner.start_until_ready(script("fm", "touch @DIR@/started\n"), fabric_manager());
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), "connect " + dir_.path() +
                                         "/missing for nv-fabricmanager's output: No such file "
                                         "or directory");
  }
  EXPECT_FALSE(std::filesystem::exists(dir_.path() + "/started"));
}

}  // namespace
}  // namespace ccinit::tools
