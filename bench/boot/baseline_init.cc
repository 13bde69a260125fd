// The boot benchmark's baseline PID 1: the least an init can do before kata-agent runs.
// It mounts /proc, /sys and /dev and execs the agent, so the benchmark can tell what
// ccinit's privilege separation (helpers, their confinement, the wire) costs at boot.
// Not shipped in any image.
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace {

struct Mount {
  const char* source;
  const char* target;
  const char* type;
  unsigned long flags;
};

constexpr Mount kMounts[] = {
    {"proc", "/proc", "proc", MS_NOSUID | MS_NOEXEC | MS_NODEV},
    {"sysfs", "/sys", "sysfs", MS_NOSUID | MS_NOEXEC | MS_NODEV},
    {"devtmpfs", "/dev", "devtmpfs", MS_NOSUID},
};

constexpr const char* kAgent = "/usr/bin/kata-agent";

}  // namespace

int main() {
  for (const Mount& m : kMounts) {
    if (::mount(m.source, m.target, m.type, m.flags, nullptr) != 0)
      std::fprintf(stderr, "baseline-init: mount %s on %s: %s\n", m.type, m.target,
                   std::strerror(errno));
  }
  char agent[] = "/usr/bin/kata-agent";
  char path[] = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  char* argv[] = {agent, nullptr};
  char* envp[] = {path, nullptr};
  ::execve(kAgent, argv, envp);
  std::fprintf(stderr, "baseline-init: exec %s: %s\n", kAgent, std::strerror(errno));
  return 1;
}
