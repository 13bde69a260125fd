#pragma once

#include <sys/resource.h>

#include <string>
#include <vector>

#include "common/process.h"

namespace ccinit::pid1 {

// The environment kata-agent starts with: nothing inherited, only a PATH.
inline constexpr char kAgentPathEnv[] =
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
inline constexpr rlim_t kAgentNoFile = 1048576;
inline constexpr int kAgentOomScoreAdj = -997;

// The limits kata-agent gets. Raising RLIMIT_NOFILE past the hard limit and lowering
// oom_score_adj both need CAP_SYS_RESOURCE, which a real guest's PID 1 always holds; where
// the bounding set lacks it (a container running the tests) the agent gets the most the
// machine allows and `warnings` say so. Neither limit is a security boundary.
struct AgentLimits {
  rlim_t nofile = kAgentNoFile;
  bool set_oom_score_adj = true;
  std::vector<std::string> warnings;
};
AgentLimits agent_limits();

// What kata-agent's environment gains with the GPU extension: kata-agent substitutes it for
// ${attester_variant} in the coco extension's components.toml, selecting the attester that
// reports the GPUs' evidence (NVRC's contract).
inline constexpr char kAgentAttesterVariantEnv[] = "KATA_ATTESTER_VARIANT=nvidia";

// kata-agent's whole environment: kAgentPathEnv, and kAgentAttesterVariantEnv when the
// NVIDIA driver comes from the GPU extension.
std::vector<std::string> agent_environment(bool gpu_extension);

// Starts kata-agent as a child of PID 1 in its own session: full capabilities, no seccomp
// filter, fds 0-2 only (PID 1's console), cwd /, the limits above, exactly the environment
// `env` (nothing inherited). Throws SpawnError when it cannot be started.
Child start_agent(const std::string& path, const AgentLimits& limits, std::vector<std::string> env);

}  // namespace ccinit::pid1
