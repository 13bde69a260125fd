#include "pid1/helper_run.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <deque>

#include "common/log_escape.h"
#include "common/pipe.h"
#include "common/sys_error.h"
#include "common/unique_fd.h"
#include "pid1/seccomp_audit.h"
#include "pid1/signals.h"
#include "pid1/spawn.h"
#include "proto/channel.h"

namespace ccinit::pid1 {

namespace {

using Clock = std::chrono::steady_clock;

// Parent-side fds are moved above the range the child arranges (0-4) so dup2 in the child
// can never clobber a source it still needs.
constexpr int kFirstParentFd = 10;
// How long a helper's event stream may stay open after the helper exited.
constexpr auto kEventDrainAfterExit = std::chrono::seconds(1);
// How long a killed helper gets to be reaped before we stop waiting for it.
constexpr auto kReapAfterKill = std::chrono::seconds(5);
constexpr std::size_t kLastOutputLines = 3;
// Untrusted helper text is cut here so one line cannot flood the kernel log.
constexpr std::size_t kMaxLineBytes = 1024;

// A pipe whose two fds are at kFirstParentFd or above.
Pipe make_parent_pipe() {
  Pipe low = make_pipe();
  Pipe high{UniqueFd(fcntl(low.read_end.get(), F_DUPFD_CLOEXEC, kFirstParentFd)),
            UniqueFd(fcntl(low.write_end.get(), F_DUPFD_CLOEXEC, kFirstParentFd))};
  if (!high.read_end || !high.write_end) throw SysError("fcntl F_DUPFD_CLOEXEC");
  return high;
}

void set_nonblocking(int fd) {
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

// Splits the helper's stdout/stderr into lines for the log.
class OutputLines {
 public:
  template <typename Fn>
  void feed(std::string_view bytes, Fn&& emit) {
    for (char c : bytes) {
      if (c == '\n') {
        finish(emit);
      } else if (partial_.size() <= kMaxLineBytes) {  // one byte more shows the cut
        partial_.push_back(c);
      }
    }
  }
  template <typename Fn>
  void flush(Fn&& emit) {
    if (!partial_.empty()) finish(emit);
  }
  const std::deque<std::string>& last() const { return last_; }

 private:
  template <typename Fn>
  void finish(Fn&& emit) {
    std::string line = escape_for_log(partial_, kMaxLineBytes);
    partial_.clear();
    emit(line);
    last_.push_back(std::move(line));
    if (last_.size() > kLastOutputLines) last_.pop_front();
  }
  std::string partial_;
  std::deque<std::string> last_;
};

class HelperSupervisor {
 public:
  HelperSupervisor(const HelperInvocation& inv, int signal_fd, Reaper& reaper, Log& log,
                   SyslogSink* syslog)
      : inv_(inv), signal_fd_(signal_fd), reaper_(reaper), log_(log), syslog_(syslog) {}

  HelperOutcome run();

 private:
  void start();
  void send_request();
  void on_signals();
  void on_events();
  void on_output();
  void on_event(const wire::Event& event);
  void kill_now() { child_.kill_group(SIGKILL); }
  HelperOutcome judge();

  const HelperInvocation& inv_;
  int signal_fd_;
  Reaper& reaper_;
  Log& log_;
  SyslogSink* syslog_;

  ChildProcess child_;
  pid_t pid_ = -1;
  UniqueFd request_w_, events_r_, output_r_;
  wire::EventStream stream_;
  OutputLines output_;

  bool exited_ = false;
  int status_ = 0;
  bool events_done_ = false;
  bool timed_out_ = false;
  int shutdown_signal_ = 0;
  std::string protocol_error_;
  Clock::time_point started_;
};

void HelperSupervisor::start() {
  Pipe request = make_parent_pipe(), events = make_parent_pipe(), output = make_parent_pipe(),
       stdin_pipe = make_parent_pipe();
  // stdin reads EOF at once: /dev/null may not exist yet when the mounter starts.
  stdin_pipe.write_end.reset();
  int req_r = request.read_end.get(), ev_w = events.write_end.get(), out_w = output.write_end.get(),
      in_r = stdin_pipe.read_end.get();
  auto setup = [&] {
    if (setsid() < 0) child_fail("setsid");
    // The helper must not outlive PID 1's interest in it.
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) child_fail("prctl PR_SET_PDEATHSIG");
    if (dup2(in_r, 0) < 0 || dup2(out_w, 1) < 0 || dup2(out_w, 2) < 0 || dup2(req_r, 3) < 0 ||
        dup2(ev_w, 4) < 0)
      child_fail("dup2");
    // Everything above the protocol fds closes at exec (the exec-status pipe included).
    if (close_range(5, ~0U, CLOSE_RANGE_CLOEXEC) != 0) child_fail("close_range");
    if (chdir("/") != 0) child_fail("chdir /");
  };
  started_ = Clock::now();
  child_ = fork_exec(inv_.path, {inv_.name}, {}, setup);
  pid_ = child_.pid();
  reaper_.track(pid_, Role::kHelper, inv_.name);
  request_w_ = std::move(request.write_end);
  events_r_ = std::move(events.read_end);
  output_r_ = std::move(output.read_end);
  set_nonblocking(events_r_.get());
  set_nonblocking(output_r_.get());
  log_.logger().info("helper {} started (pid {})", inv_.name, pid_);
}

void HelperSupervisor::send_request() {
  std::string payload;
  inv_.request.SerializeToString(&payload);
  try {
    wire::write_frame(request_w_.get(), payload);
  } catch (const SysError& e) {
    // EPIPE: the helper is already gone; its exit status tells why.
    if (e.code() != EPIPE) throw;
  }
  request_w_.reset();
}

void HelperSupervisor::on_event(const wire::Event& event) {
  auto& logger = log_.logger();
  switch (event.kind_case()) {
    case wire::Event::kLog: {
      auto level = to_spdlog(event.log().level());
      if (level == spdlog::level::off) level = spdlog::level::info;
      logger.log(level, "{}: {}", inv_.name, escape_for_log(event.log().text(), kMaxLineBytes));
      break;
    }
    case wire::Event::kProgress:
      logger.debug("{}: step {} {}", inv_.name, escape_for_log(event.progress().step(), 128),
                   event.progress().done() ? "done" : "started");
      break;
    case wire::Event::kDaemon:
      reaper_.track(event.daemon().pid(), Role::kDaemon, event.daemon().name());
      logger.info("{}: started daemon {} (pid {})", inv_.name,
                  escape_for_log(event.daemon().name(), 64), event.daemon().pid());
      break;
    default:
      break;  // the result is kept by the stream
  }
}

void HelperSupervisor::on_events() {
  char buf[wire::kMaxFramePayload];
  for (;;) {
    ssize_t n = ::read(events_r_.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) return;
      protocol_error_ = std::string("reading events: ") + std::strerror(errno);
      break;
    }
    try {
      if (n == 0) {
        stream_.end_of_stream();
        break;
      }
      for (const auto& event : stream_.feed({buf, static_cast<size_t>(n)})) on_event(event);
    } catch (const wire::ProtocolError& e) {
      protocol_error_ = e.what();
      kill_now();
      break;
    }
  }
  events_done_ = true;
  events_r_.reset();
}

void HelperSupervisor::on_output() {
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(output_r_.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0 || errno != EAGAIN) output_r_.reset();
      return;
    }
    output_.feed({buf, static_cast<size_t>(n)},
                 [&](const std::string& line) { log_.logger().info("{}: {}", inv_.name, line); });
  }
}

void HelperSupervisor::on_signals() {
  while (int sig = read_signal(signal_fd_)) {
    if (sig != SIGCHLD) {
      shutdown_signal_ = sig;
      continue;
    }
    for (const Exit& exit : reaper_.reap_all()) {
      if (exit.pid == pid_) {
        exited_ = true;
        status_ = exit.status;
        child_.mark_reaped();
      } else {
        log_.logger().debug("reaped pid {} ({}): {}", exit.pid,
                            exit.name.empty() ? "orphan" : exit.name, describe_status(exit.status));
      }
    }
  }
}

HelperOutcome HelperSupervisor::run() {
  try {
    start();
  } catch (const SpawnError& e) {
    HelperOutcome out;
    out.reason = "cannot start: " + e.detail();
    return out;
  }
  send_request();
  auto deadline = started_ + inv_.timeout;
  std::optional<Clock::time_point> exited_at;
  while (!(exited_ && events_done_) && shutdown_signal_ == 0) {
    auto now = Clock::now();
    if (exited_ && !exited_at) exited_at = now;
    if (exited_at && now - *exited_at > kEventDrainAfterExit) {
      protocol_error_ = "event pipe still open after the helper exited";
      break;
    }
    if (!timed_out_ && !exited_ && now >= deadline) {
      timed_out_ = true;
      kill_now();
      deadline = now + kReapAfterKill;
    } else if (timed_out_ && now >= deadline) {
      break;  // killed but not reaped: ChildProcess reaps it on the way out
    }
    auto wait = exited_at ? *exited_at + kEventDrainAfterExit - now : deadline - now;
    int wait_ms = static_cast<int>(
        std::max<long>(0, std::chrono::duration_cast<std::chrono::milliseconds>(wait).count() + 1));
    pollfd fds[4] = {{signal_fd_, POLLIN, 0},
                     {events_r_ ? events_r_.get() : -1, POLLIN, 0},
                     {output_r_ ? output_r_.get() : -1, POLLIN, 0},
                     {syslog_ ? syslog_->fd() : -1, POLLIN, 0}};
    int rc = poll(fds, 4, wait_ms);
    if (rc < 0 && errno != EINTR) throw SysError("poll");
    if (rc <= 0) continue;
    // Syslog first: a readiness line must reach /run/syslog.log before anything waits on it.
    if (fds[3].revents) syslog_->drain();
    if (fds[0].revents) on_signals();
    if (fds[1].revents && events_r_) on_events();
    if (fds[2].revents && output_r_) on_output();
  }
  if (output_r_) on_output();
  output_.flush([&](const std::string& line) { log_.logger().info("{}: {}", inv_.name, line); });
  auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started_);
  log_.logger().info("helper {} finished in {} ms", inv_.name, elapsed.count());
  return judge();
}

HelperOutcome HelperSupervisor::judge() {
  HelperOutcome out;
  out.shutdown_signal = shutdown_signal_;
  const auto& result = stream_.result();
  auto with_output = [&](std::string reason) {
    if (!output_.last().empty()) reason += "; last output: " + output_.last().back();
    return reason;
  };
  if (shutdown_signal_ != 0) {
    out.reason = "interrupted by " + signal_name(shutdown_signal_);
  } else if (!protocol_error_.empty()) {
    out.reason = "protocol error: " + protocol_error_;
  } else if (timed_out_) {
    out.reason = "timed out after " + std::to_string(inv_.timeout.count()) + " s";
  } else if (!exited_) {
    out.reason = "did not exit";
  } else if (WIFSIGNALED(status_) && WTERMSIG(status_) == SIGSYS) {
    auto syscall = find_seccomp_syscall(pid_, 200);
    out.reason = syscall ? "killed by its seccomp policy (SIGSYS) in syscall " + *syscall
                         : "killed by its seccomp policy (SIGSYS); the kernel did not report "
                           "the syscall";
  } else if (WIFSIGNALED(status_)) {
    out.reason = "killed by signal " + signal_name(WTERMSIG(status_));
  } else if (result && !result->ok()) {
    out.reason = escape_for_log(result->error(), kMaxLineBytes) + " (exit status " +
                 std::to_string(WEXITSTATUS(status_)) + ")";
  } else if (WEXITSTATUS(status_) != 0) {
    out.reason = with_output("exited with status " + std::to_string(WEXITSTATUS(status_)));
  } else if (!result) {
    out.reason = with_output("exited without a result");
  } else {
    out.ok = true;
  }
  return out;
}

}  // namespace

HelperOutcome run_helper(const HelperInvocation& invocation, int signal_fd, Reaper& reaper,
                         Log& log, SyslogSink* syslog) {
  HelperSupervisor supervisor(invocation, signal_fd, reaper, log, syslog);
  return supervisor.run();
}

}  // namespace ccinit::pid1
