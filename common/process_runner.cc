#include "common/process_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <stdexcept>
#include <vector>

#include "common/file_io.h"
#include "common/pipe.h"
#include "common/process.h"
#include "common/process_tree.h"
#include "common/sys_error.h"
#include "common/wait_status.h"
#include "common/syslog_watch.h"

namespace ccinit::tools {

namespace {

std::string duration_text(std::chrono::milliseconds timeout) {
  if (timeout.count() % 1000 == 0) return std::to_string(timeout.count() / 1000) + " s";
  return std::to_string(timeout.count()) + " ms";
}

// The daemon's pid from its pid file: one positive decimal number, optionally a newline.
std::optional<pid_t> read_pid_file(const std::string& path, std::string* error) {
  std::optional<std::string> text;
  try {
    text = read_file_if_exists(path);
  } catch (const std::exception& e) {
    *error = e.what();
    return std::nullopt;
  }
  if (!text) {
    *error = path + " does not exist";
    return std::nullopt;
  }
  std::string_view value = trim_right(*text);
  pid_t pid = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), pid);
  if (ec != std::errc() || end != value.data() + value.size() || pid <= 0) {
    *error = path + ": expected a pid, found '" + std::string(value.substr(0, 32)) + "'";
    return std::nullopt;
  }
  return pid;
}

}  // namespace

ProcessRunner::ProcessRunner(ProcessRunnerOptions options) : options_(std::move(options)) {}

// Opened on first use: a CPU-mode run starts no tool and opens nothing.
void ProcessRunner::open_std_fds() {
  if (output_) return;
  null_in_.reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (!null_in_) throw SysError("open /dev/null");
  if (options_.output_to_kmsg) output_.reset(::open("/dev/kmsg", O_WRONLY | O_APPEND | O_CLOEXEC));
  if (!output_) output_.reset(::open("/dev/null", O_WRONLY | O_CLOEXEC));
  if (!output_) throw SysError("open /dev/null");
}

Child ProcessRunner::spawn(const Command& command, int stdout_fd) {
  open_std_fds();
  SpawnOptions options;
  options.path = command.path;
  options.argv.push_back(command.path);
  options.argv.insert(options.argv.end(), command.args.begin(), command.args.end());
  options.env = std::vector<std::string>{kPath};
  options.fds = {{0, null_in_.get()}, {1, stdout_fd}, {2, output_.get()}};
  try {
    return ccinit::spawn(options);
  } catch (const SpawnError& e) {
    throw SysError("run " + command.path + (e.stage() == "exec" ? "" : ": " + e.stage()), e.code());
  }
}

ToolResult ProcessRunner::run(const Command& command, bool capture) {
  ToolResult result;
  if (!capture) {
    open_std_fds();
    Child child = spawn(command, output_.get());
    result.wait_status = child.wait();
    return result;
  }
  Pipe out = make_pipe(O_CLOEXEC);
  Child child = spawn(command, out.write_end.get());
  out.write_end.reset();
  result.output = read_all(out.read_end.get());
  result.wait_status = child.wait();
  return result;
}

pid_t ProcessRunner::start(const Command& command) {
  open_std_fds();
  return spawn(command, output_.get()).release();
}

pid_t ProcessRunner::start_and_wait(const Command& command, const Readiness& readiness) {
  // Watching starts before the launcher does, so its line cannot be missed.
  SyslogWatch syslog(options_.syslog_dir);
  open_std_fds();
  Child launcher = spawn(command, output_.get());
  UniqueFd pidfd = open_pidfd(launcher.pid());
  if (!pidfd) throw SysError("pidfd_open for " + readiness.name);

  // Readiness is believed only from the daemon being started: its launcher, a process the
  // launcher forked (while it runs), or the pid its pid file names; not from any process that
  // can write to /dev/log.
  const pid_t launcher_pid = launcher.pid();
  const SyslogWatch::SenderCheck from_daemon = [&](pid_t sender) {
    if (is_same_or_descendant(sender, launcher_pid)) return true;
    std::string ignored;
    return read_pid_file(readiness.pid_file, &ignored) == sender;
  };
  const auto deadline = std::chrono::steady_clock::now() + readiness.timeout;
  bool launcher_exited = false;
  for (;;) {
    const auto left =
        std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      throw std::runtime_error(
          readiness.name + " was not ready within " + duration_text(readiness.timeout) + " (set " +
          readiness.timeout_setting + "=SECONDS); last syslog lines: " + syslog.last_lines());
    pollfd fds[2] = {{pidfd.get(), POLLIN, 0}, {syslog.fd(), POLLIN, 0}};
    const int n = ::poll(fds, 2, static_cast<int>(std::min<long long>(left.count(), 1 << 30)));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw SysError("poll while waiting for " + readiness.name);
    if (fds[1].revents != 0 && syslog.consume(readiness.syslog_line, from_daemon)) break;
    if (fds[0].revents != 0) {
      siginfo_t info{};
      if (::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd.get()), &info,
                   WEXITED) != 0)
        throw SysError("wait for " + readiness.name);
      launcher.mark_reaped();
      const int status = wait_status_from_siginfo(info);
      syslog.consume(readiness.syslog_line, from_daemon);
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        throw std::runtime_error(command.text() + " " + describe_wait_status(status) +
                                 " before it was ready; last syslog lines: " + syslog.last_lines());
      launcher_exited = true;
      break;
    }
  }

  std::string pid_file_error;
  std::optional<pid_t> daemon = read_pid_file(readiness.pid_file, &pid_file_error);
  if (launcher_exited) {
    if (!daemon)
      throw std::runtime_error(readiness.name +
                               " is ready but its daemon cannot be found: " + pid_file_error);
    return *daemon;
  }
  // Ready by its syslog line while the launcher still runs: the launcher is health-checked
  // (it must go on running or exit 0) unless the daemon's own pid is known already.
  launcher.release();
  if (daemon && *daemon != launcher_pid) launcher_of_[*daemon] = launcher_pid;
  return daemon.value_or(launcher_pid);
}

std::optional<std::string> ProcessRunner::check_child(pid_t pid, bool* not_ours) {
  *not_ours = false;
  siginfo_t info{};
  if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
    if (errno != ECHILD) throw SysError("check pid " + std::to_string(pid));
    *not_ours = true;
    return std::nullopt;
  }
  if (info.si_pid == 0) return std::nullopt;  // still running
  const int status = wait_status_from_siginfo(info);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return std::nullopt;  // daemonized
  return describe_wait_status(status);
}

std::optional<std::string> ProcessRunner::check_running(pid_t pid) {
  if (auto launcher = launcher_of_.find(pid); launcher != launcher_of_.end()) {
    bool not_ours;
    if (auto ended = check_child(launcher->second, &not_ours))
      return "has a launcher (pid " + std::to_string(launcher->second) + ") that " + *ended;
  }
  bool not_ours;
  if (auto ended = check_child(pid, &not_ours)) return ended;
  if (!not_ours) return std::nullopt;
  // Not our child (a daemon its launcher forked): a pidfd tells whether it still runs.
  UniqueFd pidfd = open_pidfd(pid);
  if (!pidfd) {
    if (errno == ESRCH) return std::string("is no longer running");
    throw SysError("pidfd_open for pid " + std::to_string(pid));
  }
  pollfd fd{pidfd.get(), POLLIN, 0};
  if (::poll(&fd, 1, 0) < 0) throw SysError("poll pidfd of pid " + std::to_string(pid));
  if (fd.revents != 0) return std::string("has exited");
  return std::nullopt;
}

}  // namespace ccinit::tools
