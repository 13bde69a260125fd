#include "pid1/agent.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <string>

namespace ccinit::pid1 {

AgentLimits agent_limits() {
  AgentLimits limits;
  if (prctl(PR_CAPBSET_READ, CAP_SYS_RESOURCE) == 1) return limits;
  rlimit current{};
  getrlimit(RLIMIT_NOFILE, &current);
  limits.nofile = std::min<rlim_t>(current.rlim_max, kAgentNoFile);
  limits.set_oom_score_adj = false;
  limits.warnings.push_back(
      "CAP_SYS_RESOURCE is not in the bounding set: kata-agent gets "
      "RLIMIT_NOFILE " +
      std::to_string(limits.nofile) + " instead of " + std::to_string(kAgentNoFile) +
      " and keeps its oom_score_adj");
  return limits;
}

std::vector<std::string> agent_environment(bool gpu_extension) {
  std::vector<std::string> env{kAgentPathEnv};
  if (gpu_extension) env.emplace_back(kAgentAttesterVariantEnv);
  return env;
}

Child start_agent(const std::string& path, const AgentLimits& limits,
                  std::vector<std::string> env) {
  const std::string oom = std::to_string(kAgentOomScoreAdj);
  SpawnOptions options;
  options.path = path;
  options.env = std::move(env);
  options.fds = {{0, 0}, {1, 1}, {2, 2}};
  options.new_session = true;
  options.working_dir = "/";
  options.child_step = [&]() -> const char* {
    rlimit nofile{limits.nofile, limits.nofile};
    if (setrlimit(RLIMIT_NOFILE, &nofile) != 0) return "setrlimit RLIMIT_NOFILE";
    if (!limits.set_oom_score_adj) return nullptr;
    int fd = ::open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
    if (fd < 0) return "open /proc/self/oom_score_adj";
    bool written = ::write(fd, oom.data(), oom.size()) == static_cast<ssize_t>(oom.size());
    int err = errno;
    ::close(fd);
    errno = err;
    return written ? nullptr : "write /proc/self/oom_score_adj";
  };
  return spawn(options);
}

}  // namespace ccinit::pid1
