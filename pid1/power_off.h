#pragma once

#include <string>

#include "pid1/log.h"
#include "pid1/reaper.h"

namespace ccinit::pid1 {

// Orderly: SIGTERM to every process, up to 2 s for them to exit (reaping as they go),
// SIGKILL to what is left, sync, power off. For the agent's exit and shutdown signals.
[[noreturn]] void power_off_orderly(const std::string& reason, PowerOffKind kind, int signal_fd,
                                    Reaper& reaper, Log& log);

// Fatal error: log, SIGKILL everything, sync, power off at once.
[[noreturn]] void power_off_now(const std::string& reason, Log& log);

}  // namespace ccinit::pid1
