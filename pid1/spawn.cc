#include "pid1/spawn.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "common/pipe.h"
#include "common/sys_error.h"
#include "pid1/signals.h"

namespace ccinit::pid1 {

namespace {

// The write end of the exec-status pipe, in the child only.
int g_status_fd = -1;

struct ChildFailure {
  int err;
  char what[64];
};

}  // namespace

ChildProcess::ChildProcess(ChildProcess&& other) noexcept : pid_(std::exchange(other.pid_, -1)) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    ChildProcess dropped(std::exchange(pid_, std::exchange(other.pid_, -1)));
  }
  return *this;
}

ChildProcess::~ChildProcess() {
  if (pid_ <= 0) return;
  kill_group(SIGKILL);
  int status;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
}

void ChildProcess::kill_group(int sig) const {
  if (pid_ <= 0) return;
  if (::kill(-pid_, sig) != 0) ::kill(pid_, sig);
}

std::string SpawnError::detail() const {
  std::string err = std::strerror(code());
  return stage_.empty() ? err : stage_ + ": " + err;
}

void child_fail(const char* what) {
  ChildFailure failure{errno, {}};
  std::strncpy(failure.what, what, sizeof failure.what - 1);
  if (g_status_fd >= 0) {
    [[maybe_unused]] ssize_t n = ::write(g_status_fd, &failure, sizeof failure);
  }
  _exit(127);
}

ChildProcess fork_exec(const std::string& path, const std::vector<std::string>& argv,
                       const std::vector<std::string>& env,
                       const std::function<void()>& child_setup) {
  auto [status_r, status_w] = make_pipe();

  // Built before fork: the child only execs.
  std::vector<char*> argv_c, env_c;
  for (const auto& a : argv) argv_c.push_back(const_cast<char*>(a.c_str()));
  argv_c.push_back(nullptr);
  for (const auto& e : env) env_c.push_back(const_cast<char*>(e.c_str()));
  env_c.push_back(nullptr);

  pid_t pid = fork();
  if (pid < 0) throw SysError("fork");
  if (pid == 0) {
    g_status_fd = status_w.get();
    reset_signals_for_child();
    child_setup();
    execve(path.c_str(), argv_c.data(), env_c.data());
    child_fail("exec");
  }
  ChildProcess child(pid);
  status_w.reset();
  ChildFailure failure{};
  ssize_t n;
  do {
    n = ::read(status_r.get(), &failure, sizeof failure);
  } while (n < 0 && errno == EINTR);
  if (n == static_cast<ssize_t>(sizeof failure)) {
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    child.mark_reaped();
    failure.what[sizeof failure.what - 1] = '\0';
    bool exec_failed = std::strcmp(failure.what, "exec") == 0;
    throw SpawnError(exec_failed ? std::string() : std::string(failure.what), failure.err);
  }
  return child;
}

}  // namespace ccinit::pid1
