#include "pid1/reaper.h"

#include <sys/wait.h>

#include <cerrno>

namespace ccinit::pid1 {

void Reaper::track(pid_t pid, Role role, std::string name) {
  tracked_[pid] = Tracked{role, std::move(name)};
}

void Reaper::forget(pid_t pid) {
  tracked_.erase(pid);
}

std::optional<Role> Reaper::role_of(pid_t pid) const {
  auto it = tracked_.find(pid);
  if (it == tracked_.end()) return std::nullopt;
  return it->second.role;
}

pid_t Reaper::reap_one(int& status) {
  for (;;) {
    pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid < 0 && errno == EINTR) continue;
    return pid > 0 ? pid : 0;
  }
}

bool Reaper::has_children() const {
  siginfo_t info{};
  // WNOWAIT: look without reaping; ECHILD means nobody is left.
  int rc = waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT);
  return rc == 0;
}

}  // namespace ccinit::pid1
