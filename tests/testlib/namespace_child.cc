#include "tests/testlib/namespace_child.h"

#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/file_io.h"
#include "common/pipe.h"
#include "common/sys_error.h"

namespace ccinit::testing {

namespace {

// The scenario's outcome, written whole to `fd`; never returns.
[[noreturn]] void report_and_exit(int fd, const std::function<void()>& scenario) {
  std::string outcome = "ok";
  try {
    scenario();
  } catch (const std::exception& e) {
    outcome = e.what();
  }
  (void)!::write(fd, outcome.data(), outcome.size());
  _exit(0);
}

}  // namespace

void check(bool ok, const std::string& what) {
  if (!ok) throw ChildFailure(what);
}

void sys(int rc, const std::string& what) {
  if (rc != 0) throw ChildFailure(what + ": " + std::strerror(errno));
}

std::string run_in_new_namespaces(int clone_flags, const std::function<void()>& scenario) {
  auto [report_r, report_w] = make_pipe();
  const pid_t child = ::fork();
  if (child < 0) throw SysError("fork");
  if (child == 0) {
    report_r.reset();
    if (::unshare(clone_flags) != 0) {
      const std::string outcome = std::string("unshare: ") + std::strerror(errno);
      (void)!::write(report_w.get(), outcome.data(), outcome.size());
      _exit(0);
    }
    if (!(clone_flags & CLONE_NEWPID)) report_and_exit(report_w.get(), scenario);
    // Only a child of this process enters the new PID namespace; this one waits for it.
    const pid_t init = ::fork();
    if (init == 0) report_and_exit(report_w.get(), scenario);
    if (init < 0) {
      const std::string outcome = "fork into the PID namespace failed";
      (void)!::write(report_w.get(), outcome.data(), outcome.size());
    } else {
      int status = 0;
      ::waitpid(init, &status, 0);
    }
    _exit(0);
  }
  report_w.reset();
  const std::string outcome = read_all(report_r.get());
  int status = 0;
  ::waitpid(child, &status, 0);
  return outcome.empty() ? "the child died without reporting" : outcome;
}

}  // namespace ccinit::testing
