#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

namespace ccinit::pid1 {

// Who a pid is to PID 1. Everything not registered is an orphan that was reparented to us.
enum class Role { kHelper, kAgent, kDaemon, kOrphan };

struct Exit {
  pid_t pid;
  int status;  // as from waitpid
  Role role;
  std::string name;
};

// Reaps every exited child with waitpid(-1, WNOHANG) until none is left, so no orphan stays
// a zombie, and says whose each exit was.
class Reaper {
 public:
  void track(pid_t pid, Role role, std::string name);
  void forget(pid_t pid);
  std::vector<Exit> reap_all();
  bool has_children() const;  // any child at all, tracked or not (ECHILD check)
  std::size_t orphans_reaped() const { return orphans_reaped_; }

 private:
  struct Tracked {
    Role role;
    std::string name;
  };
  std::map<pid_t, Tracked> tracked_;
  std::size_t orphans_reaped_ = 0;
};

}  // namespace ccinit::pid1
