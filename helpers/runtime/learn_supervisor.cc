#include "helpers/runtime/learn_supervisor.h"

#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "common/file_io.h"
#include "common/seccomp_notification.h"
#include "common/sys_error.h"
#include "common/unique_fd.h"
#include "common/wait_status.h"
#include "helpers/runtime/learn_program.h"
#include "helpers/runtime/learn_report.h"
#include "helpers/runtime/seccomp_filter.h"

namespace ccinit::helper {

namespace {

// Calls still queued when the helper has exited (its daemons may go on making them) are
// answered up to this many, so the report cannot be held up for ever.
constexpr int kMaxDrained = 10000;

std::string comm_of(pid_t pid) {
  try {
    const std::string comm(trim_right(read_file("/proc/" + std::to_string(pid) + "/comm")));
    return comm.empty() ? "?" : comm;
  } catch (const std::exception&) {
    return "?";
  }
}

// Receives one held call, records it and answers it.
void answer_one(int listener, RefusalLog& log) {
  const std::optional<seccomp_notif> call = receive_held_call(listener);
  if (!call) return;
  std::string comm = comm_of(static_cast<pid_t>(call->pid));
  // Checked after reading: the pid named the caller only if the call still waits.
  if (!still_held(listener, *call)) comm = "?";
  log.record(call->data.nr, held_call_args(*call), comm);
  answer_held_call(listener, *call, log.never_allowed(call->data.nr) ? EPERM : 0);
}

}  // namespace

LearnSupervisor::LearnSupervisor(const policy::Policy& policy)
    : policy_(policy), listener_number_(make_pipe()), handed_over_(make_pipe()) {}

bool LearnSupervisor::fork_helper() {
  child_ = ::fork();
  if (child_ < 0) throw SysError("fork");
  if (child_ == 0) {
    listener_number_.read_end.reset();
    handed_over_.write_end.reset();
    return true;
  }
  listener_number_.write_end.reset();
  handed_over_.read_end.reset();
  return false;
}

void LearnSupervisor::install_in_child(std::span<const sock_filter> shipped) {
  const std::vector<sock_filter> program = learn_program(shipped);
  UniqueFd listener = install_seccomp_program_with_listener(program);
  // From here on only what the shipped runtime policy allows: write, read, close.
  const int number = listener.get();
  write_all(listener_number_.write_end.get(),
            std::string_view(reinterpret_cast<const char*>(&number), sizeof number));
  listener_number_.write_end.reset();
  char byte;
  while (::read(handed_over_.read_end.get(), &byte, 1) < 0 && errno == EINTR) {
  }
  handed_over_.read_end.reset();
  listener.reset();
}

int LearnSupervisor::supervise(int out_fd) {
  RefusalLog log(policy_);
  std::string trouble;
  try {
    UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, child_, 0)));
    if (!pidfd) throw SysError("pidfd_open");
    // Nothing (EOF) when the child failed before its filter was in place.
    const std::string number = read_all(listener_number_.read_end.get());
    UniqueFd listener;
    if (number.size() == sizeof(int)) {
      int child_fd;
      std::memcpy(&child_fd, number.data(), sizeof child_fd);
      listener.reset(static_cast<int>(::syscall(SYS_pidfd_getfd, pidfd.get(), child_fd, 0)));
      if (!listener) throw SysError("pidfd_getfd (the seccomp listener of the helper)");
    }
    handed_over_.write_end.reset();
    while (listener) {
      pollfd fds[2] = {{listener.get(), POLLIN, 0}, {pidfd.get(), POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0) {
        if (errno == EINTR) continue;
        throw SysError("poll");
      }
      if (fds[0].revents & POLLIN) answer_one(listener.get(), log);
      if (fds[1].revents & POLLIN) break;  // the helper has exited
      if ((fds[0].revents & (POLLHUP | POLLERR)) && !(fds[0].revents & POLLIN)) break;
    }
    for (int i = 0; listener && i < kMaxDrained && readable_now(listener.get()); ++i)
      answer_one(listener.get(), log);
  } catch (const std::exception& e) {
    trouble = e.what();
    ::kill(child_, SIGKILL);  // never leave the helper waiting on a listener nobody reads
  }
  int status = 0;
  while (::waitpid(child_, &status, 0) < 0 && errno == EINTR) {
  }
  const std::string helper(policy_.helper);
  std::string out = log.report();
  if (!trouble.empty()) out += helper + ": learn: supervision failed: " + trouble + "\n";
  if (!WIFEXITED(status))
    out += helper + ": learn: the helper ended: " + describe_wait_status(status) + "\n";
  try {
    write_all(out_fd, out);
  } catch (const std::exception&) {
    return 1;
  }
  if (!trouble.empty()) return 1;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 1;
}

}  // namespace ccinit::helper
