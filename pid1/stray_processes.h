#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

// What a helper left running. PID 1 finds it by walking /proc, not with a cgroup per helper:
// the mounter runs before cgroup2 is mounted, and before kata-agent starts every process
// below PID 1 is, by construction, a helper's, a reported daemon or one of a daemon's own.
namespace ccinit::pid1 {

struct StrayProcess {
  pid_t pid;
  std::string comm;  // escaped
};

// Kills (SIGKILL) every live process below `self` (PID 1) that no process PID 1 tracks
// (a reported daemon) is an ancestor of, scanning again until a scan finds nothing new (at
// most a few times) so that what they forked meanwhile goes too. Returns what it killed, in
// the order found. Throws SysError when /proc cannot be listed.
std::vector<StrayProcess> kill_stray_processes(pid_t self,
                                               const std::function<bool(pid_t)>& tracked);

// "pid 42 (sleep)", "pid 42 (sleep), pid 43 (sh) and 3 more".
std::string describe_strays(const std::vector<StrayProcess>& strays);

}  // namespace ccinit::pid1
