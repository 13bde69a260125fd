#include "tests/testlib/run_program.h"

#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "common/pipe.h"
#include "common/process.h"
#include "common/unique_fd.h"
#include "common/wait_status.h"
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

// Whether the child ended within the timeout; a child still running then is killed (the
// caller's wait() reaps it).
bool ended_within(const Child& child, std::chrono::milliseconds timeout) {
  UniqueFd pidfd = open_pidfd(child.pid());
  pollfd ready{pidfd.get(), POLLIN, 0};
  int n;
  while ((n = ::poll(&ready, 1, static_cast<int>(timeout.count()))) < 0 && errno == EINTR) {
  }
  if (n != 0) return true;
  child.kill(SIGKILL);
  return false;
}

}  // namespace

std::vector<std::string> ProgramRun::out_lines() const {
  return split_lines(out);
}

std::string ProgramRun::describe() const {
  const std::string text = exit_code >= 0 ? "exit " + std::to_string(exit_code)
                                          : "killed by signal " + signal_name(-exit_code);
  return text + "\n--- stdout ---\n" + out + "--- stderr ---\n" + err;
}

ProgramRun run_program(const std::vector<std::string>& argv, const RunOptions& options) {
  if (argv.empty()) throw std::invalid_argument("run_program: no program");
  Pipe in = make_pipe();
  in.write_end.reset();  // stdin reads end of file at once
  UniqueFd out = memory_file("stdout");
  UniqueFd err = options.stderr_to_stdout ? UniqueFd() : memory_file("stderr");

  SpawnOptions spawn_options;
  spawn_options.path = argv[0];
  spawn_options.argv = argv;
  spawn_options.env = options.env;
  spawn_options.fds = {{0, in.read_end.get()}, {1, out.get()}, {2, err ? err.get() : out.get()}};
  for (std::size_t i = 0; i < options.fds.size(); ++i)
    spawn_options.fds.push_back({static_cast<int>(3 + i), options.fds[i]});
  spawn_options.child_step = options.in_child;

  Child child;
  try {
    child = spawn(spawn_options);
  } catch (const SpawnError& e) {
    throw std::runtime_error("cannot run " + argv[0] + ": " + e.detail());
  }
  const bool ended = ended_within(child, options.timeout);
  const int status = child.wait();
  if (!ended)
    throw std::runtime_error(argv[0] + " did not finish within " +
                             std::to_string(options.timeout.count()) + " ms; killed");

  ProgramRun run;
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  run.out = contents(out.get());
  if (err) run.err = contents(err.get());
  return run;
}

}  // namespace ccinit::testing
