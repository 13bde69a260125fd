#pragma once

#include <sys/resource.h>

#include <string>

#include "pid1/spawn.h"

namespace ccinit::pid1 {

// The environment kata-agent starts with: nothing inherited, only a PATH.
inline constexpr char kAgentPathEnv[] =
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
inline constexpr rlim_t kAgentNoFile = 1048576;
inline constexpr char kAgentOomScoreAdj[] = "-997";

// Starts kata-agent as a child of PID 1 in its own session: full capabilities, no seccomp
// filter, fds 0-2 only (PID 1's console), cwd /, RLIMIT_NOFILE 1048576, oom_score_adj -997,
// clean environment. Throws SysError when it cannot be started.
ChildProcess start_agent(const std::string& path);

}  // namespace ccinit::pid1
