#include "pid1/agent.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

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

ChildProcess start_agent(const std::string& path, const AgentLimits& limits) {
  std::string oom = std::to_string(kAgentOomScoreAdj);
  auto setup = [&] {
    if (setsid() < 0) child_fail("setsid");
    rlimit nofile{limits.nofile, limits.nofile};
    if (setrlimit(RLIMIT_NOFILE, &nofile) != 0) child_fail("setrlimit RLIMIT_NOFILE");
    if (limits.set_oom_score_adj) {
      int fd = ::open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
      if (fd < 0) child_fail("open /proc/self/oom_score_adj");
      if (::write(fd, oom.data(), oom.size()) != static_cast<ssize_t>(oom.size()))
        child_fail("write /proc/self/oom_score_adj");
      ::close(fd);
    }
    if (chdir("/") != 0) child_fail("chdir /");
    if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0) child_fail("close_range");
  };
  return fork_exec(path, {path}, {kAgentPathEnv}, setup);
}

}  // namespace ccinit::pid1
