#include "helpers/runtime/learn_refusal.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace ccinit::helper {

std::optional<std::string> why_learn_is_refused(pid_t parent, const std::string& pid1_exe,
                                                const std::string& self_exe) {
  if (parent == 1)
    return "its parent is PID 1 (learn mode is for a helper run by hand, never in a boot)";
  struct stat self {};
  if (::stat(self_exe.c_str(), &self) != 0)
    return "cannot examine " + self_exe + ": " + std::strerror(errno);
  struct stat init {};
  if (::stat(pid1_exe.c_str(), &init) != 0) {
    if (errno == EACCES || errno == EPERM) return std::nullopt;
    return "cannot tell whether PID 1 is ccinit (" + pid1_exe + ": " + std::strerror(errno) + ")";
  }
  if (init.st_dev == self.st_dev && init.st_ino == self.st_ino)
    return "PID 1 of this PID namespace is ccinit itself (" + pid1_exe +
           " is this executable): this is a ccinit guest";
  return std::nullopt;
}

}  // namespace ccinit::helper
