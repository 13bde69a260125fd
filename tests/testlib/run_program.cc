#include "tests/testlib/run_program.h"

#include <linux/close_range.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "common/pipe.h"
#include "common/unique_fd.h"
#include "tests/testlib/text.h"

namespace ccinit::testing {

namespace {

UniqueFd memory_file(const char* name) {
  UniqueFd fd(::memfd_create(name, MFD_CLOEXEC));
  if (!fd) throw std::runtime_error(std::string("memfd_create: ") + std::strerror(errno));
  return fd;
}

std::string contents(int fd) {
  std::string text;
  char buf[65536];
  for (;;) {
    ssize_t n = ::pread(fd, buf, sizeof buf, static_cast<off_t>(text.size()));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::runtime_error(std::string("reading output: ") + std::strerror(errno));
    if (n == 0) return text;
    text.append(buf, static_cast<std::size_t>(n));
  }
}

// In the child: puts targets[i] on fd i, leaves nothing else open across exec, execs, and
// on failure sends errno on `exec_status`.
[[noreturn]] void exec_child(const std::vector<std::string>& argv,
                             const std::optional<std::vector<std::string>>& env,
                             std::vector<int> targets, int exec_status) {
  std::vector<char*> args, envp;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  if (env)
    for (const auto& e : *env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  // Everything that must survive the dup2s goes above them first.
  exec_status = ::fcntl(exec_status, F_DUPFD_CLOEXEC, 100);
  if (exec_status < 0) _exit(126);
  for (int& fd : targets) {
    fd = ::fcntl(fd, F_DUPFD_CLOEXEC, 100);
    if (fd < 0) _exit(126);
  }
  for (std::size_t i = 0; i < targets.size(); ++i)
    if (::dup2(targets[i], static_cast<int>(i)) < 0) _exit(126);
  ::close_range(static_cast<unsigned>(targets.size()), ~0U, CLOSE_RANGE_CLOEXEC);
  if (env)
    ::execve(args[0], args.data(), envp.data());
  else
    ::execv(args[0], args.data());
  const int err = errno;
  [[maybe_unused]] ssize_t n = ::write(exec_status, &err, sizeof err);
  _exit(127);
}

// The wait status, or nullopt when the child was still running at the deadline (it is then
// killed and reaped).
std::optional<int> wait_until(pid_t pid, std::chrono::milliseconds timeout) {
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  bool timed_out = false;
  if (pidfd) {
    pollfd ready{pidfd.get(), POLLIN, 0};
    int n;
    while ((n = ::poll(&ready, 1, static_cast<int>(timeout.count()))) < 0 && errno == EINTR) {
    }
    if (n == 0) {
      timed_out = true;
      ::kill(pid, SIGKILL);
    }
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) throw std::runtime_error(std::string("waitpid: ") + std::strerror(errno));
  if (timed_out) return std::nullopt;
  return status;
}

}  // namespace

std::vector<std::string> ProgramRun::out_lines() const {
  return split_lines(out);
}

std::string ProgramRun::describe() const {
  std::string text;
  if (exit_code >= 0) {
    text = "exit " + std::to_string(exit_code);
  } else {
    const char* name = ::sigabbrev_np(-exit_code);
    text = "killed by signal " + std::to_string(-exit_code) +
           (name ? std::string(" (SIG") + name + ")" : "");
  }
  return text + "\n--- stdout ---\n" + out + "--- stderr ---\n" + err;
}

ProgramRun run_program(const std::vector<std::string>& argv, const RunOptions& options) {
  if (argv.empty()) throw std::invalid_argument("run_program: no program");
  Pipe in = make_pipe();
  in.write_end.reset();  // stdin reads end of file at once
  UniqueFd out = memory_file("stdout");
  UniqueFd err = options.stderr_to_stdout ? UniqueFd() : memory_file("stderr");
  Pipe exec_status = make_pipe();
  std::vector<int> targets = {in.read_end.get(), out.get(), err ? err.get() : out.get()};
  targets.insert(targets.end(), options.fds.begin(), options.fds.end());

  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    if (options.in_child) options.in_child();
    exec_child(argv, options.env, targets, exec_status.write_end.get());
  }
  exec_status.write_end.reset();
  int exec_errno = 0;
  ssize_t n;
  while ((n = ::read(exec_status.read_end.get(), &exec_errno, sizeof exec_errno)) < 0 &&
         errno == EINTR) {
  }
  const std::optional<int> status = wait_until(pid, options.timeout);
  if (n == sizeof exec_errno)
    throw std::runtime_error("cannot run " + argv[0] + ": " + std::strerror(exec_errno));
  if (!status)
    throw std::runtime_error(argv[0] + " did not finish within " +
                             std::to_string(options.timeout.count()) + " ms; killed");

  ProgramRun run;
  run.exit_code = WIFEXITED(*status) ? WEXITSTATUS(*status) : -WTERMSIG(*status);
  run.out = contents(out.get());
  if (err) run.err = contents(err.get());
  return run;
}

}  // namespace ccinit::testing
