#include <gtest/gtest.h>

#include <set>
#include <sstream>
#include <string>

#include "tests/unit/helpers/helper_process.h"

// The gpu-configurator's seccomp allow-list as the helper itself prints it.
namespace ccinit::testing {
namespace {

// The syscall names of the allow-list lines ("  name [if ...]  # file:line: ...").
std::set<std::string> allowed_syscalls() {
  HelperRun run = run_manual("gpu-configurator", {"--print-policy"});
  EXPECT_TRUE(run.exited_with(0)) << run.describe();
  std::set<std::string> names;
  std::istringstream lines(run.out.substr(run.out.find("allow-list")));
  std::string line;
  std::getline(lines, line);
  while (std::getline(lines, line)) {
    if (!line.starts_with("  ")) break;
    std::istringstream words(line);
    std::string name;
    words >> name;
    names.insert(name);
  }
  return names;
}

TEST(GpuConfiguratorPolicy, AllowsModuleLoadingAndTheRunnerButNoMountOrNamespaceEscape) {
  const std::set<std::string> allowed = allowed_syscalls();
  ASSERT_FALSE(allowed.empty());
  for (const char* needed :
       {"finit_module", "clone", "execve", "wait4", "waitid", "pidfd_open", "inotify_init1",
        "inotify_add_watch", "pipe2", "dup2", "poll", "close_range", "ioctl", "socket"}) {
    EXPECT_TRUE(allowed.contains(needed)) << needed;
  }
  for (const char* refused : {"mount",
                              "umount2",
                              "move_mount",
                              "fsopen",
                              "fsmount",
                              "open_tree",
                              "pivot_root",
                              "chroot",
                              "reboot",
                              "kexec_load",
                              "kexec_file_load",
                              "ptrace",
                              "bpf",
                              "unshare",
                              "setns",
                              "delete_module",
                              "process_vm_writev",
                              "perf_event_open",
                              "userfaultfd",
                              "keyctl",
                              "add_key",
                              "seccomp",
                              "capset",
                              "personality",
                              "io_uring_setup"}) {
    EXPECT_FALSE(allowed.contains(refused)) << refused;
  }
}

}  // namespace
}  // namespace ccinit::testing
