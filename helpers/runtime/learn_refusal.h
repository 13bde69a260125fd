#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

namespace ccinit::helper {

// Why --learn must not run here, or nothing when it may. Learn mode lets a call the shipped
// policy refuses go on, so it must be unreachable from a boot: PID 1 never passes arguments
// to a helper, and on top of that the helper refuses --learn when
//  - its parent is PID 1 (`parent`, getppid()), or
//  - PID 1 of its PID namespace runs the very executable it runs (`pid1_exe` and `self_exe`,
//    /proc/1/exe and /proc/self/exe, are the same file: in a guest every helper is a link
//    to the one ccinit executable, which is PID 1).
// When /proc/1/exe cannot be examined because PID 1 is not ours to inspect (EACCES, EPERM),
// PID 1 is not ccinit's guest, where the helpers run as root; any other failure (no /proc)
// refuses: learn mode only runs where it can be told apart from a boot.
std::optional<std::string> why_learn_is_refused(pid_t parent,
                                                const std::string& pid1_exe = "/proc/1/exe",
                                                const std::string& self_exe = "/proc/self/exe");

}  // namespace ccinit::helper
