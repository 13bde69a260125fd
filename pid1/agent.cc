#include "pid1/agent.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstring>

namespace ccinit::pid1 {

ChildProcess start_agent(const std::string& path) {
  auto setup = [] {
    if (setsid() < 0) child_fail("setsid");
    rlimit nofile{kAgentNoFile, kAgentNoFile};
    if (setrlimit(RLIMIT_NOFILE, &nofile) != 0) child_fail("setrlimit RLIMIT_NOFILE");
    int fd = ::open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
    if (fd < 0) child_fail("open /proc/self/oom_score_adj");
    ssize_t len = static_cast<ssize_t>(std::strlen(kAgentOomScoreAdj));
    if (::write(fd, kAgentOomScoreAdj, len) != len) child_fail("write /proc/self/oom_score_adj");
    ::close(fd);
    if (chdir("/") != 0) child_fail("chdir /");
    if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0) child_fail("close_range");
  };
  return fork_exec(path, {path}, {kAgentPathEnv}, setup);
}

}  // namespace ccinit::pid1
