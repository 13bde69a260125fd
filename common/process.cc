#include "common/process.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "common/pipe.h"

extern char** environ;

namespace ccinit {

namespace {

// What a child that failed before exec writes to the status pipe.
struct ChildFailure {
  int err;
  char stage[64];
};

// Everything the child needs, prepared before fork: after it only async-signal-safe calls.
struct ChildPlan {
  const SpawnOptions& options;
  std::vector<char*> argv;
  std::vector<char*> env;
  std::vector<int> moved;           // per mapping: its source, moved above every target
  std::vector<int> sorted_targets;  // ascending
  int first_free_fd = 0;            // above every target
  pid_t parent = 0;
};

[[noreturn]] void fail_in_child(int status_fd, const char* stage) {
  ChildFailure failure{errno, {}};
  std::size_t n = std::min(std::strlen(stage), sizeof failure.stage - 1);
  std::memcpy(failure.stage, stage, n);
  [[maybe_unused]] ssize_t written = ::write(status_fd, &failure, sizeof failure);
  ::_exit(127);
}

void reset_signals() {
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    ::sigaction(sig, &dfl, nullptr);  // glibc's internal signals refuse, harmlessly
  }
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
}

// Marks every fd that is not a target close-on-exec.
bool close_all_but(const std::vector<int>& sorted_targets) {
  unsigned from = 0;
  for (int target : sorted_targets) {
    auto t = static_cast<unsigned>(target);
    if (t > from && ::close_range(from, t - 1, CLOSE_RANGE_CLOEXEC) != 0) return false;
    from = t + 1;
  }
  return ::close_range(from, ~0U, CLOSE_RANGE_CLOEXEC) == 0;
}

[[noreturn]] void run_child(ChildPlan& plan, int status_fd) {
  reset_signals();
  const SpawnOptions& options = plan.options;
  // The status pipe must survive the fd layout: move it above every target first.
  if (status_fd < plan.first_free_fd) {
    int moved = ::fcntl(status_fd, F_DUPFD_CLOEXEC, plan.first_free_fd);
    if (moved < 0) fail_in_child(status_fd, "fcntl F_DUPFD_CLOEXEC");
    status_fd = moved;
  }
  if (options.new_session && ::setsid() < 0) fail_in_child(status_fd, "setsid");
  if (options.die_with_parent) {
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) fail_in_child(status_fd, "prctl PR_SET_PDEATHSIG");
    // The parent died before the prctl: nobody wants this child any more.
    if (::getppid() != plan.parent) ::_exit(127);
  }
  // Sources go above every target first, so no dup2 clobbers a source still needed.
  for (std::size_t i = 0; i < options.fds.size(); ++i) {
    plan.moved[i] = ::fcntl(options.fds[i].source, F_DUPFD_CLOEXEC, plan.first_free_fd);
    if (plan.moved[i] < 0) fail_in_child(status_fd, "fcntl F_DUPFD_CLOEXEC");
  }
  for (std::size_t i = 0; i < options.fds.size(); ++i) {
    if (::dup2(plan.moved[i], options.fds[i].target) < 0) fail_in_child(status_fd, "dup2");
  }
  if (!close_all_but(plan.sorted_targets)) fail_in_child(status_fd, "close_range");
  if (!options.working_dir.empty() && ::chdir(options.working_dir.c_str()) != 0)
    fail_in_child(status_fd, "chdir");
  if (options.child_step) {
    if (const char* failed = options.child_step()) fail_in_child(status_fd, failed);
  }
  ::execve(options.path.c_str(), plan.argv.data(), options.env ? plan.env.data() : environ);
  fail_in_child(status_fd, "exec");
}

// The wait status, or -1 (errno set) when waitpid fails: a real status is never negative.
int reap(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return status;
}

// Like reap, but waits at most `limit`: 0 (with no status) while the child still runs or
// cannot be reaped. Polls with WNOHANG: a pidfd turns readable when the process exits, even
// when a ptracer keeps its zombie from its parent, so it cannot say "reapable".
pid_t reap_within(pid_t pid, std::chrono::milliseconds limit, int& status) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  auto pause = std::chrono::milliseconds(1);
  for (;;) {
    pid_t rc = ::waitpid(pid, &status, WNOHANG);
    if (rc < 0 && errno == EINTR) continue;
    if (rc != 0) return rc;
    const auto left = deadline - std::chrono::steady_clock::now();
    if (left <= std::chrono::steady_clock::duration::zero()) return 0;
    const auto nap = std::min<std::chrono::nanoseconds>(pause, left);
    timespec ts{0, static_cast<long>(nap.count())};
    ::nanosleep(&ts, nullptr);
    pause = std::min(pause * 2, std::chrono::milliseconds(50));
  }
}

}  // namespace

std::string SpawnError::detail() const {
  std::string err = std::strerror(code());
  return stage_ == "exec" ? err : stage_ + ": " + err;
}

Child::Child(Child&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), leads_group_(other.leads_group_) {}

Child& Child::operator=(Child&& other) noexcept {
  if (this != &other) {
    kill_and_reap();
    pid_ = std::exchange(other.pid_, -1);
    leads_group_ = other.leads_group_;
  }
  return *this;
}

Child::~Child() {
  kill_and_reap();
}

bool Child::kill_and_reap(std::chrono::milliseconds limit) noexcept {
  if (pid_ <= 0) return true;
  kill(SIGKILL);
  int status = 0;
  // ECHILD: someone else (a reaper with waitpid(-1)) took it already.
  return reap_within(std::exchange(pid_, -1), limit, status) != 0;
}

void Child::kill(int sig) const {
  if (pid_ <= 0) return;
  if (leads_group_ && ::kill(-pid_, sig) == 0) return;
  ::kill(pid_, sig);
}

int Child::wait() {
  // waitpid(-1) would take some other child's exit.
  if (pid_ <= 0) throw std::logic_error("wait on a child that is not owned");
  const int status = reap(pid_);
  if (status < 0) throw SysError("wait for pid " + std::to_string(pid_));
  pid_ = -1;
  return status;
}

std::optional<int> Child::wait_for(std::chrono::milliseconds limit) {
  if (pid_ <= 0) throw std::logic_error("wait on a child that is not owned");
  int status = 0;
  const pid_t rc = reap_within(pid_, limit, status);
  if (rc < 0) throw SysError("wait for pid " + std::to_string(pid_));
  if (rc == 0) return std::nullopt;
  pid_ = -1;
  return status;
}

pid_t Child::release() {
  return std::exchange(pid_, -1);
}

Child spawn(const SpawnOptions& options) {
  // getpid only when needed: a confined caller's policy need not allow what it does not use.
  ChildPlan plan{options, {}, {}, {}, {}, 0, options.die_with_parent ? ::getpid() : 0};
  plan.argv.push_back(const_cast<char*>(options.path.c_str()));
  if (!options.argv.empty()) {
    plan.argv.clear();
    for (const auto& arg : options.argv) plan.argv.push_back(const_cast<char*>(arg.c_str()));
  }
  plan.argv.push_back(nullptr);
  if (options.env) {
    for (const auto& var : *options.env) plan.env.push_back(const_cast<char*>(var.c_str()));
  }
  plan.env.push_back(nullptr);
  for (const FdMapping& fd : options.fds) {
    if (fd.target < 0 || fd.source < 0) throw std::invalid_argument("spawn: negative fd");
    plan.sorted_targets.push_back(fd.target);
    plan.first_free_fd = std::max(plan.first_free_fd, fd.target + 1);
  }
  std::sort(plan.sorted_targets.begin(), plan.sorted_targets.end());
  if (std::adjacent_find(plan.sorted_targets.begin(), plan.sorted_targets.end()) !=
      plan.sorted_targets.end())
    throw std::invalid_argument("spawn: an fd is the target of two mappings");
  plan.moved.resize(options.fds.size());

  Pipe status;
  try {
    status = make_pipe(O_CLOEXEC);
  } catch (const SysError& e) {
    throw SpawnError("pipe", e.code());
  }
  const pid_t pid = ::fork();
  if (pid < 0) throw SpawnError("fork", errno);
  if (pid == 0) run_child(plan, status.write_end.get());

  Child child(pid, options.new_session);
  status.write_end.reset();
  ChildFailure failure{};
  ssize_t n;
  while ((n = ::read(status.read_end.get(), &failure, sizeof failure)) < 0 && errno == EINTR) {
  }
  if (n == static_cast<ssize_t>(sizeof failure)) {
    child.wait();
    failure.stage[sizeof failure.stage - 1] = '\0';
    throw SpawnError(failure.stage, failure.err);
  }
  return child;
}

UniqueFd open_pidfd(pid_t pid) {
  return UniqueFd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
}

}  // namespace ccinit
