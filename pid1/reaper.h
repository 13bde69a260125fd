#pragma once

#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace ccinit::pid1 {

// Who a pid is to PID 1. Everything not registered is an orphan that was reparented to us.
enum class Role { kHelper, kAgent, kDaemon, kOrphan };

// One reaped exit. `name` is the one stored by Reaper::track (empty for an orphan) and is
// valid only during the callback that receives it.
struct Exit {
  pid_t pid;
  int status;  // as from waitpid
  Role role;
  std::string_view name;
};

// Reaps every exited child with waitpid(-1, WNOHANG) until none is left, so no orphan stays
// a zombie, and says whose each exit was. Reaping allocates nothing: a burst of orphans
// costs PID 1 no memory (names are stored once, when tracked).
class Reaper {
 public:
  void track(pid_t pid, Role role, std::string name);
  void forget(pid_t pid);
  std::optional<Role> role_of(pid_t pid) const;
  bool is_tracked(pid_t pid) const { return tracked_.count(pid) != 0; }

  // Reaps every exited child and calls on_exit(const Exit&) for each, in the order reaped.
  template <typename OnExit>
  void reap_all(OnExit&& on_exit) {
    int status = 0;
    while (pid_t pid = reap_one(status)) {
      auto it = tracked_.find(pid);
      if (it == tracked_.end()) {
        ++orphans_reaped_;
        on_exit(Exit{pid, status, Role::kOrphan, {}});
      } else {
        on_exit(Exit{pid, status, it->second.role, it->second.name});
        tracked_.erase(it);
      }
    }
  }
  // Reaps every exited child, for when nobody needs to know whose exits they were.
  void reap_all() {
    reap_all([](const Exit&) {});
  }

  bool has_children() const;  // any child at all, tracked or not (ECHILD check)
  std::size_t orphans_reaped() const { return orphans_reaped_; }

 private:
  // waitpid(-1, WNOHANG): the reaped pid with its status, or 0 when none is left.
  static pid_t reap_one(int& status);

  struct Tracked {
    Role role;
    std::string name;
  };
  std::map<pid_t, Tracked> tracked_;
  std::size_t orphans_reaped_ = 0;
};

}  // namespace ccinit::pid1
