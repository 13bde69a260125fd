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
#include "common/process.h"
#include "common/sys_error.h"
#include "common/unique_fd.h"
#include "common/wait_status.h"
#include "pid1/seccomp_audit.h"
#include "pid1/signals.h"
#include "proto/channel.h"

namespace ccinit::pid1 {

namespace {

using Clock = std::chrono::steady_clock;

// How long a helper's event stream may stay open after the helper exited.
constexpr auto kEventDrainAfterExit = std::chrono::seconds(1);
// How long a killed helper gets to be reaped before we stop waiting for it.
constexpr auto kReapAfterKill = std::chrono::seconds(5);
constexpr std::size_t kLastOutputLines = 3;
// Untrusted helper text is cut here so one line cannot flood the kernel log.
constexpr std::size_t kMaxLineBytes = 1024;

void set_nonblocking(int fd) {
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) throw SysError("fcntl O_NONBLOCK");
}

HelperOutcome outcome_of(OutcomeKind kind, std::string detail) {
  HelperOutcome outcome;
  outcome.kind = kind;
  outcome.detail = std::move(detail);
  return outcome;
}

// A failure of PID 1's own side of the supervision (a system call that should not fail).
struct SupervisionError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

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
  // A helper still ours here (timeout or supervision error) is killed and reaped by child_;
  // the reaper must not expect it any more.
  ~HelperSupervisor() {
    if (child_) reaper_.forget(pid_);
  }

  HelperOutcome run();

 private:
  void start();
  void supervise();
  void send_request();
  void on_signals();
  void on_events();
  void on_output();
  void on_event(const wire::Event& event);
  void kill_now() { child_.kill(SIGKILL); }
  void log_finished();
  HelperOutcome judge();

  const HelperInvocation& inv_;
  int signal_fd_;
  Reaper& reaper_;
  Log& log_;
  SyslogSink* syslog_;

  Child child_;
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
  std::string supervision_error_;
  Clock::time_point started_;
};

void HelperSupervisor::start() {
  Pipe request = make_pipe(), events = make_pipe(), output = make_pipe(), stdin_pipe = make_pipe();
  // stdin reads EOF at once: /dev/null may not exist yet when the mounter starts.
  stdin_pipe.write_end.reset();
  SpawnOptions options;
  options.path = inv_.path;
  options.argv = {inv_.name};
  options.env = std::vector<std::string>{};
  options.fds = {{0, stdin_pipe.read_end.get()},
                 {1, output.write_end.get()},
                 {2, output.write_end.get()},
                 {3, request.read_end.get()},
                 {4, events.write_end.get()}};
  // Its own session, so a timeout kills its tools too; it must not outlive PID 1's interest.
  options.new_session = true;
  options.die_with_parent = true;
  options.working_dir = "/";
  started_ = Clock::now();
  child_ = spawn(options);
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
    if (e.code() != EPIPE) throw SupervisionError(std::string("writing the request: ") + e.what());
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
      throw SupervisionError(std::string("reading events: ") + std::strerror(errno));
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
                            exit.name.empty() ? "orphan" : exit.name,
                            describe_wait_status(exit.status));
      }
    }
  }
}

HelperOutcome HelperSupervisor::run() {
  try {
    start();
  } catch (const SpawnError& e) {
    return outcome_of(OutcomeKind::kCannotStart, e.detail());
  } catch (const std::exception& e) {
    return outcome_of(OutcomeKind::kCannotStart, e.what());
  }
  try {
    supervise();
  } catch (const std::exception& e) {
    supervision_error_ = e.what();
  }
  try {
    log_finished();
  } catch (const std::exception&) {
    // The outcome matters more than the log line.
  }
  return judge();
}

void HelperSupervisor::supervise() {
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
      break;  // killed but not reaped: child_ reaps it on the way out
    }
    auto wait = exited_at ? *exited_at + kEventDrainAfterExit - now : deadline - now;
    int wait_ms = static_cast<int>(
        std::max<long>(0, std::chrono::duration_cast<std::chrono::milliseconds>(wait).count() + 1));
    pollfd fds[4] = {{signal_fd_, POLLIN, 0},
                     {events_r_ ? events_r_.get() : -1, POLLIN, 0},
                     {output_r_ ? output_r_.get() : -1, POLLIN, 0},
                     {syslog_ ? syslog_->fd() : -1, POLLIN, 0}};
    int rc = poll(fds, 4, wait_ms);
    if (rc < 0 && errno != EINTR) throw SupervisionError(std::string("poll: ") + strerror(errno));
    if (rc <= 0) continue;
    // Without the signal fd no exit or shutdown request would ever be seen.
    if (fds[0].revents & (POLLNVAL | POLLERR))
      throw SupervisionError("poll: the signal fd is not usable");
    // Syslog first: a readiness line must reach /run/syslog.log before anything waits on it.
    if (fds[3].revents) syslog_->drain();
    if (fds[0].revents) on_signals();
    if (fds[1].revents && events_r_) on_events();
    if (fds[2].revents && output_r_) on_output();
  }
}

void HelperSupervisor::log_finished() {
  if (output_r_) on_output();
  output_.flush([&](const std::string& line) { log_.logger().info("{}: {}", inv_.name, line); });
  auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started_);
  log_.logger().info("helper {} finished in {} ms", inv_.name, elapsed.count());
}

HelperOutcome HelperSupervisor::judge() {
  HelperOutcome out;
  out.wait_status = status_;
  out.timeout = inv_.timeout;
  if (!output_.last().empty()) out.last_output = output_.last().back();
  const auto& result = stream_.result();
  if (shutdown_signal_ != 0) {
    out.kind = OutcomeKind::kInterrupted;
    out.shutdown_signal = shutdown_signal_;
  } else if (!supervision_error_.empty()) {
    out.kind = OutcomeKind::kSupervisionError;
    out.detail = supervision_error_;
  } else if (!protocol_error_.empty()) {
    out.kind = OutcomeKind::kProtocolError;
    out.detail = protocol_error_;
  } else if (timed_out_) {
    out.kind = OutcomeKind::kTimeout;
  } else if (!exited_) {
    out.kind = OutcomeKind::kSupervisionError;
    out.detail = "supervision ended before the helper exited";
  } else if (WIFSIGNALED(status_) && WTERMSIG(status_) == SIGSYS) {
    out.kind = OutcomeKind::kKilledBySeccomp;
    out.detail = find_seccomp_syscall(pid_, 200).value_or("");
  } else if (WIFSIGNALED(status_)) {
    out.kind = OutcomeKind::kKilledBySignal;
  } else if (result && !result->ok()) {
    out.kind = OutcomeKind::kFailedResult;
    out.detail = escape_for_log(result->error(), kMaxLineBytes);
  } else if (WEXITSTATUS(status_) != 0) {
    out.kind = OutcomeKind::kExitedNonZero;
  } else if (!result) {
    out.kind = OutcomeKind::kNoResult;
  } else {
    out.kind = OutcomeKind::kOk;
  }
  return out;
}

}  // namespace

std::string describe_outcome(const HelperOutcome& outcome) {
  auto with_output = [&](std::string reason) {
    if (!outcome.last_output.empty()) reason += "; last output: " + outcome.last_output;
    return reason;
  };
  switch (outcome.kind) {
    case OutcomeKind::kOk:
      return "succeeded";
    case OutcomeKind::kCannotStart:
      return "cannot start: " + outcome.detail;
    case OutcomeKind::kExitedNonZero:
      return with_output(describe_wait_status(outcome.wait_status));
    case OutcomeKind::kKilledBySignal:
      return describe_wait_status(outcome.wait_status);
    case OutcomeKind::kKilledBySeccomp:
      return outcome.detail.empty()
                 ? "killed by its seccomp policy (SIGSYS); the kernel did not report the syscall"
                 : "killed by its seccomp policy (SIGSYS) in syscall " + outcome.detail;
    case OutcomeKind::kFailedResult:
      return outcome.detail + " (exit status " + std::to_string(WEXITSTATUS(outcome.wait_status)) +
             ")";
    case OutcomeKind::kNoResult:
      return with_output("exited without a result");
    case OutcomeKind::kProtocolError:
      return "protocol error: " + outcome.detail;
    case OutcomeKind::kTimeout:
      return "timed out after " + std::to_string(outcome.timeout.count()) + " s";
    case OutcomeKind::kInterrupted:
      return "interrupted by " + signal_name(outcome.shutdown_signal);
    case OutcomeKind::kSupervisionError:
      return "supervision failed: " + outcome.detail;
  }
  return "unknown outcome";
}

HelperOutcome run_helper(const HelperInvocation& invocation, int signal_fd, Reaper& reaper,
                         Log& log, SyslogSink* syslog) noexcept {
  try {
    HelperSupervisor supervisor(invocation, signal_fd, reaper, log, syslog);
    return supervisor.run();
  } catch (const std::exception& e) {
    return outcome_of(OutcomeKind::kSupervisionError, e.what());
  }
}

}  // namespace ccinit::pid1
