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
#include "pid1/daemon_report.h"
#include "pid1/seccomp_audit.h"
#include "pid1/signals.h"
#include "pid1/stray_processes.h"
#include "proto/channel.h"

namespace ccinit::pid1 {

namespace {

using Clock = std::chrono::steady_clock;

// How long a helper's event stream may stay open after the helper exited.
constexpr auto kEventDrainAfterExit = std::chrono::seconds(1);
// How long a killed helper gets to be reaped before PID 1 gives up on it (a process stuck in
// an uninterruptible call cannot be reaped; the power-off must not wait for it).
constexpr auto kReapAfterKill = std::chrono::milliseconds(3000);
// At most this much is read from one pipe per wake-up, so that a helper flooding its event
// pipe or its stdout cannot keep PID 1 from its clock and its signals.
constexpr std::size_t kOutputReadBytes = 4096;
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
  // A helper still ours here (a supervision error) is killed and reaped by child_; the
  // reaper must not expect it any more.
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
  bool on_output();
  void on_event(const wire::Event& event);
  void on_daemon(const wire::DaemonStarted& daemon);
  void kill_now() { child_.kill(SIGKILL); }
  void end_child();
  void log_finished();
  HelperOutcome judge();
  void check_left_processes(HelperOutcome& outcome);

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
  std::size_t daemons_accepted_ = 0;
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
      // Escaping costs; a flood of events below the log level must not pay it.
      if (logger.should_log(level))
        logger.log(level, "{}: {}", inv_.name, escape_for_log(event.log().text(), kMaxLineBytes));
      break;
    }
    case wire::Event::kProgress:
      if (logger.should_log(spdlog::level::debug))
        logger.debug("{}: step {} {}", inv_.name, escape_for_log(event.progress().step(), 128),
                     event.progress().done() ? "done" : "started");
      break;
    case wire::Event::kDaemon:
      on_daemon(event.daemon());
      break;
    default:
      break;  // the result is kept by the stream
  }
}

void HelperSupervisor::on_daemon(const wire::DaemonStarted& daemon) {
  DaemonReportContext context{pid_, ::getpid(), daemons_accepted_,
                              [this](pid_t pid) { return reaper_.is_tracked(pid); }};
  if (auto wrong = check_daemon_report(daemon.name(), daemon.pid(), context)) {
    protocol_error_ = *wrong;
    kill_now();
    return;
  }
  ++daemons_accepted_;
  // Checked above: the name is short and printable.
  reaper_.track(daemon.pid(), Role::kDaemon, daemon.name());
  log_.logger().info("{}: started daemon {} (pid {})", inv_.name, daemon.name(), daemon.pid());
}

// One read per wake-up (not "until empty"): a helper that writes as fast as PID 1 reads
// would otherwise keep it here past the deadline and past any shutdown signal.
void HelperSupervisor::on_events() {
  char buf[wire::kMaxFramePayload];
  ssize_t n;
  while ((n = ::read(events_r_.get(), buf, sizeof buf)) < 0 && errno == EINTR) {
  }
  if (n < 0) {
    if (errno == EAGAIN) return;
    throw SupervisionError(std::string("reading events: ") + std::strerror(errno));
  }
  try {
    if (n == 0) {
      stream_.end_of_stream();
    } else {
      for (const auto& event : stream_.feed({buf, static_cast<size_t>(n)})) {
        on_event(event);
        if (!protocol_error_.empty()) break;
      }
      if (protocol_error_.empty()) return;
    }
  } catch (const wire::ProtocolError& e) {
    protocol_error_ = e.what();
    kill_now();
  }
  events_done_ = true;
  events_r_.reset();
}

// Also one read per wake-up; false when nothing was there.
bool HelperSupervisor::on_output() {
  char buf[kOutputReadBytes];
  ssize_t n;
  while ((n = ::read(output_r_.get(), buf, sizeof buf)) < 0 && errno == EINTR) {
  }
  if (n <= 0) {
    if (n == 0 || errno != EAGAIN) output_r_.reset();
    return false;
  }
  output_.feed({buf, static_cast<size_t>(n)},
               [&](const std::string& line) { log_.logger().info("{}: {}", inv_.name, line); });
  return true;
}

void HelperSupervisor::on_signals() {
  while (int sig = read_signal(signal_fd_)) {
    if (sig != SIGCHLD) {
      shutdown_signal_ = sig;
      continue;
    }
    auto& logger = log_.logger();
    reaper_.reap_all([&](const Exit& exit) {
      if (exit.pid == pid_) {
        exited_ = true;
        status_ = exit.status;
        child_.mark_reaped();
      } else if (logger.should_log(spdlog::level::debug)) {
        // Tracked names are checked when reported; escaped all the same, as all such text.
        logger.debug("reaped pid {} ({}): {}", exit.pid,
                     exit.name.empty() ? "orphan" : escape_for_log(exit.name, kMaxDaemonNameBytes),
                     describe_wait_status(exit.status));
      }
    });
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
    end_child();
    log_finished();
  } catch (const std::exception&) {
    // The outcome matters more than the log line.
  }
  HelperOutcome outcome = judge();
  if (outcome.ok()) check_left_processes(outcome);
  return outcome;
}

// A helper still running here timed out, broke the protocol or was interrupted: it is
// killed, and reaped if it can be within kReapAfterKill. One that cannot (stuck in an
// uninterruptible call, its zombie held by a ptracer) is given up on: the boot goes on to
// power off instead of hanging in waitpid.
void HelperSupervisor::end_child() {
  if (!child_) return;
  reaper_.forget(pid_);
  if (!child_.kill_and_reap(kReapAfterKill))
    log_.logger().error(
        "helper {} (pid {}) was killed but could not be reaped within {} ms; "
        "going on without it",
        inv_.name, pid_, kReapAfterKill.count());
}

// Whatever the helper started and did not report as a daemon must not run on beside
// kata-agent: it is killed, and the step fails naming it.
void HelperSupervisor::check_left_processes(HelperOutcome& outcome) {
  std::vector<StrayProcess> strays;
  try {
    strays =
        kill_stray_processes(::getpid(), [this](pid_t pid) { return reaper_.is_tracked(pid); });
  } catch (const std::exception& e) {
    outcome.kind = OutcomeKind::kSupervisionError;
    outcome.detail = std::string("cannot look for processes it left running: ") + e.what();
    return;
  }
  if (strays.empty()) return;
  outcome.kind = OutcomeKind::kLeftProcesses;
  outcome.detail = describe_strays(strays);
}

void HelperSupervisor::supervise() {
  send_request();
  auto deadline = started_ + inv_.timeout;
  std::optional<Clock::time_point> exited_at;
  // The clock is read on every pass: each pass handles a bounded amount of input.
  while (!(exited_ && events_done_) && shutdown_signal_ == 0 && protocol_error_.empty()) {
    auto now = Clock::now();
    if (exited_ && !exited_at) exited_at = now;
    if (exited_at && now - *exited_at > kEventDrainAfterExit) {
      protocol_error_ = "event pipe still open after the helper exited";
      break;
    }
    if (!exited_ && now >= deadline) {
      timed_out_ = true;
      break;  // end_child kills and reaps it
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
    // Signals first: a shutdown request is honoured however busy the pipes are. Then syslog:
    // a readiness line must reach /run/syslog.log before anything waits on it.
    if (fds[0].revents) on_signals();
    if (shutdown_signal_ != 0) break;
    if (fds[3].revents) syslog_->drain();
    if (fds[1].revents && events_r_) on_events();
    if (fds[2].revents && output_r_) on_output();
  }
}

void HelperSupervisor::log_finished() {
  // What is left in the pipe (at most its 64 KiB); a writer still going is not waited for.
  for (int i = 0; i < 16 && output_r_ && on_output(); ++i) {
  }
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
    if (result->has_detected()) out.detected = result->detected();
    if (result->has_extensions()) out.extensions = result->extensions();
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
    case OutcomeKind::kLeftProcesses:
      return "left processes running that it did not report as daemons (killed): " + outcome.detail;
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
