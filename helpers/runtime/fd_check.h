#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace ccinit::helper {

// The helper was started with file descriptors it must not have (or without the ones it
// needs). what() is one line naming the descriptor and what is wrong with it.
class FdCheckError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The process's open file descriptors, ascending. Uses the procfs directory `proc_fd_dir`
// when it is one, else probes with fcntl(F_GETFD): the mounter runs before /proc exists.
std::vector<int> list_open_fds(const std::string& proc_fd_dir = "/proc/self/fd");

// The descriptors listed in a procfs fd directory (its own descriptor left out), or nullopt
// when `dir` is missing or not on procfs (an unmounted /proc with a stale directory in it
// must not be trusted).
std::optional<std::vector<int>> list_open_fds_from_procfs(const std::string& dir);

// The descriptors below `limit` that fcntl(F_GETFD) reports open.
std::vector<int> list_open_fds_by_probing(int limit);

// How far probing looks: the RLIMIT_NOFILE soft limit, at most 65536 (a guest raising the
// limit to 2^30 must not make every helper start take seconds).
int fd_probe_limit();

// Requires the open descriptors to be exactly 0, 1, 2, the request pipe (`request_fd`, a
// pipe open for reading) and the event pipe (`event_fd`, a pipe open for writing); throws
// FdCheckError otherwise. `open_fds` is what list_open_fds() returned.
void check_protocol_fds(const std::vector<int>& open_fds, int request_fd, int event_fd);

// Marks fd close-on-exec so that no tool the helper runs inherits it; throws on failure.
void set_cloexec(int fd);

}  // namespace ccinit::helper
