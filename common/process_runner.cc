#include "common/process_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "common/decimal.h"
#include "common/file_io.h"
#include "common/pipe.h"
#include "common/process.h"
#include "common/process_tree.h"
#include "common/sys_error.h"
#include "common/syslog_watch.h"
#include "common/wait_status.h"

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
  const std::optional<pid_t> parsed = parse_decimal<pid_t>(value);
  const pid_t pid = parsed.value_or(0);
  if (pid <= 0) {
    *error = path + ": expected a pid, found '" + std::string(value.substr(0, 32)) + "'";
    return std::nullopt;
  }
  return pid;
}

bool is_socket(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode);
}

// inotify on the directory a socket will appear in: bind(2) creates it (IN_CREATE), a daemon
// that binds elsewhere and renames it into place makes IN_MOVED_TO.
UniqueFd watch_socket_directory(const std::string& socket_path, const std::string& name) {
  const std::size_t slash = socket_path.rfind('/');
  if (slash == std::string::npos || slash + 1 == socket_path.size())
    throw std::runtime_error(name + ": socket path '" + socket_path + "' has no directory");
  const std::string dir = slash == 0 ? "/" : socket_path.substr(0, slash);
  UniqueFd fd(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
  if (!fd) throw SysError("inotify_init1");
  if (::inotify_add_watch(fd.get(), dir.c_str(), IN_CREATE | IN_MOVED_TO) < 0)
    throw SysError("watch " + dir + " with inotify for " + name + "'s socket");
  return fd;
}

void drain_inotify(int fd) {
  alignas(inotify_event) char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    if (n <= 0) throw SysError("read inotify events");
  }
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

Child ProcessRunner::spawn(const Command& command, int stdout_fd, int stderr_fd) {
  open_std_fds();
  if (stderr_fd < 0) stderr_fd = output_.get();
  SpawnOptions options;
  options.path = command.path;
  options.argv.push_back(command.path);
  options.argv.insert(options.argv.end(), command.args.begin(), command.args.end());
  options.env = std::vector<std::string>{kPath};
  options.fds = {{0, null_in_.get()}, {1, stdout_fd}, {2, stderr_fd}};
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

UniqueFd ProcessRunner::connect_daemon_log(const std::string& name) const {
  const std::string& path = options_.daemon_log_socket;
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.size() >= sizeof address.sun_path)
    throw std::runtime_error("syslog socket path too long: " + path);
  std::memcpy(address.sun_path, path.data(), path.size());
  UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd) throw SysError("socket for " + name + "'s output");
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0)
    throw SysError("connect " + path + " for " + name + "'s output");
  return fd;
}

pid_t ProcessRunner::start_until_ready(const Command& command, const DaemonReadiness& readiness) {
  const bool by_socket = !readiness.socket_path.empty();
  const std::string awaited = by_socket ? "its socket " + readiness.socket_path
                                        : "its syslog line '" + readiness.syslog_line + "'";
  // Both watches start before the daemon does, so nothing it does can be missed.
  SyslogWatch syslog(options_.syslog_dir);
  UniqueFd socket_watch;
  if (by_socket) {
    socket_watch = watch_socket_directory(readiness.socket_path, readiness.name);
    // A socket already there was not made by this daemon: nothing would tell us it is ready.
    if (is_socket(readiness.socket_path))
      throw std::runtime_error(readiness.name + ": " + readiness.socket_path +
                               " exists before it was started");
  }
  UniqueFd log = connect_daemon_log(readiness.name);
  Child daemon = spawn(command, log.get(), log.get());
  log.reset();
  const pid_t pid = daemon.pid();
  UniqueFd pidfd = open_pidfd(pid);
  if (!pidfd) throw SysError("pidfd_open for " + readiness.name);

  // DAEMONIZE=0 and no fork: the readiness line must come from the very process we started,
  // as the kernel vouches for it (SO_PASSCRED at PID 1's end of /dev/log).
  const SyslogWatch::SenderCheck from_daemon = [pid](pid_t sender) { return sender == pid; };
  const SyslogWatch::SenderCheck nobody = [](pid_t) { return false; };
  syslog.keep_lines_from(from_daemon);
  auto line_seen = [&] {
    return syslog.consume(by_socket ? std::string_view() : readiness.syslog_line,
                          by_socket ? nobody : from_daemon);
  };
  const auto deadline = std::chrono::steady_clock::now() + readiness.timeout;
  for (;;) {
    const auto left =
        std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      line_seen();
      throw std::runtime_error(readiness.name + " was not ready within " +
                               duration_text(readiness.timeout) + " (set " +
                               readiness.timeout_setting + "=SECONDS), waiting for " + awaited +
                               "; its last log lines: " + syslog.last_lines());
    }
    pollfd fds[3] = {{pidfd.get(), POLLIN, 0},
                     {syslog.fd(), POLLIN, 0},
                     {socket_watch ? socket_watch.get() : -1, POLLIN, 0}};
    const int n = ::poll(fds, 3, static_cast<int>(std::min<long long>(left.count(), 1 << 30)));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw SysError("poll while waiting for " + readiness.name);
    // An exit wins over readiness seen in the same round: a daemon that is gone is not ready.
    if (fds[0].revents != 0) {
      siginfo_t info{};
      if (::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(pidfd.get()), &info,
                   WEXITED) != 0)
        throw SysError("wait for " + readiness.name);
      daemon.mark_reaped();
      line_seen();
      throw std::runtime_error(readiness.name + " " +
                               describe_wait_status(wait_status_from_siginfo(info)) +
                               " before it was ready (waiting for " + awaited +
                               "); its last log lines: " + syslog.last_lines());
    }
    const bool line = fds[1].revents != 0 && line_seen();
    if (!by_socket && line) break;
    if (fds[2].revents != 0) {
      drain_inotify(socket_watch.get());
      if (is_socket(readiness.socket_path)) break;
    }
  }
  foreground_.insert(pid);
  return daemon.release();
}

std::optional<std::string> ProcessRunner::check_child(pid_t pid, bool* not_ours,
                                                      bool exit_zero_is_fine) {
  *not_ours = false;
  siginfo_t info{};
  if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
    if (errno != ECHILD) throw SysError("check pid " + std::to_string(pid));
    *not_ours = true;
    return std::nullopt;
  }
  if (info.si_pid == 0) return std::nullopt;  // still running
  const int status = wait_status_from_siginfo(info);
  if (exit_zero_is_fine && WIFEXITED(status) && WEXITSTATUS(status) == 0)
    return std::nullopt;  // daemonized
  return describe_wait_status(status);
}

std::optional<std::string> ProcessRunner::check_running(pid_t pid) {
  if (auto launcher = launcher_of_.find(pid); launcher != launcher_of_.end()) {
    bool not_ours;
    if (auto ended = check_child(launcher->second, &not_ours))
      return "has a launcher (pid " + std::to_string(launcher->second) + ") that " + *ended;
  }
  bool not_ours;
  if (auto ended = check_child(pid, &not_ours, !foreground_.contains(pid))) return ended;
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
