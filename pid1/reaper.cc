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

std::vector<Exit> Reaper::reap_all() {
  std::vector<Exit> exits;
  for (;;) {
    int status = 0;
    pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid < 0 && errno == EINTR) continue;
    if (pid <= 0) break;
    auto it = tracked_.find(pid);
    if (it == tracked_.end()) {
      ++orphans_reaped_;
      exits.push_back({pid, status, Role::kOrphan, ""});
    } else {
      exits.push_back({pid, status, it->second.role, it->second.name});
      tracked_.erase(it);
    }
  }
  return exits;
}

bool Reaper::has_children() const {
  siginfo_t info{};
  // WNOWAIT: look without reaping; ECHILD means nobody is left.
  int rc = waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT);
  return rc == 0;
}

}  // namespace ccinit::pid1
