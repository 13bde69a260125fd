#include "helpers/mounter/mount_plan.h"

#include <gtest/gtest.h>
#include <sys/mount.h>

#include <algorithm>
#include <cstring>
#include <set>
#include <stdexcept>

#include "common/mount_point.h"
#include "tests/unit/helpers/recording_reporter.h"

namespace ccinit::mounter {
namespace {

using testing::RecordingReporter;

// A system where every path in `existing` exists, every one in `mounted` is a mount point,
// and every call is recorded in order.
class FakeSystem : public MountSystem {
 public:
  bool is_mount_point(const std::string& path) override { return mounted.count(path) > 0; }
  bool exists(const std::string& path) override { return existing.count(path) > 0; }
  bool filesystem_listed(std::string_view fstype) override {
    return listed.count(std::string(fstype)) > 0;
  }
  void make_directories(const std::string& path) override {
    calls.push_back("mkdir " + path);
    existing.insert(path);
  }
  void mount(const MountSpec& spec) override {
    if (spec.target == fail_mount_on) throw std::runtime_error("mount " + spec.target + ": EPERM");
    calls.push_back("mount " + spec.fstype + " " + spec.target);
    mounted.insert(spec.target);
  }
  void symlink(const std::string& target, const std::string& link) override {
    calls.push_back("symlink " + link + " -> " + target);
    existing.insert(link);
  }
  bool link_up(const std::string& interface) override {
    calls.push_back("up " + interface);
    return true;
  }
  void write_sysctl(const std::string& path, const std::string& value) override {
    calls.push_back("write " + path + " " + value);
  }

  std::set<std::string> existing;
  std::set<std::string> mounted;
  std::set<std::string> listed{"securityfs", "configfs"};
  std::string fail_mount_on;
  std::vector<std::string> calls;
};

// A freshly booted guest: the directories of a root image, nothing mounted.
FakeSystem fresh_guest() {
  FakeSystem system;
  system.existing = {
      "/proc",         "/sys", "/dev", "/run", "/tmp", "/sys/kernel/security", "/sys/kernel/config",
      "/sys/fs/cgroup"};
  return system;
}

const MountSpec& find_mount(const std::vector<Action>& plan, std::string_view step) {
  for (const Action& action : plan) {
    if (step_name(action) == step) return std::get<MountSpec>(action);
  }
  throw std::runtime_error("no step " + std::string(step));
}

TEST(MountPlan, StepsComeInBootOrder) {
  std::vector<std::string> steps;
  for (const Action& action : mounter_plan()) steps.push_back(step_name(action));
  EXPECT_EQ(steps, (std::vector<std::string>{
                       "mount-proc", "mount-sys", "mount-dev", "mount-run", "mount-tmp",
                       "mount-securityfs", "mount-configfs", "mount-dev-pts", "mount-dev-shm",
                       "link-dev-ptmx", "mount-cgroup2", "loopback-up",
                       "sysctl-net-core-rmem_default", "sysctl-net-core-wmem_default",
                       "sysctl-net-core-rmem_max", "sysctl-net-core-wmem_max"}));
}

TEST(MountPlan, MountsHaveTheRequiredFlagsAndOptions) {
  struct Expected {
    const char* step;
    const char* fstype;
    const char* target;
    unsigned long flags;
    const char* data;
    bool optional;
  };
  const unsigned long locked = MS_NOSUID | MS_NOEXEC | MS_NODEV;
  const Expected expected[] = {
      {"mount-proc", "proc", "/proc", locked | MS_RELATIME, "", false},
      {"mount-sys", "sysfs", "/sys", locked | MS_RELATIME, "", false},
      {"mount-dev", "devtmpfs", "/dev", MS_NOSUID, "mode=0755", false},
      {"mount-run", "tmpfs", "/run", locked, "mode=0755", false},
      {"mount-tmp", "tmpfs", "/tmp", MS_NOSUID | MS_NODEV, "", false},
      {"mount-securityfs", "securityfs", "/sys/kernel/security", locked, "", true},
      {"mount-configfs", "configfs", "/sys/kernel/config", locked, "", true},
      {"mount-dev-pts", "devpts", "/dev/pts", MS_NOSUID | MS_NOEXEC,
       "newinstance,ptmxmode=0666,mode=0620,gid=5", false},
      {"mount-dev-shm", "tmpfs", "/dev/shm", MS_NOSUID | MS_NODEV, "mode=1777", false},
      {"mount-cgroup2", "cgroup2", "/sys/fs/cgroup", locked, "", false},
  };
  const auto plan = mounter_plan();
  for (const Expected& e : expected) {
    SCOPED_TRACE(e.step);
    const MountSpec& spec = find_mount(plan, e.step);
    EXPECT_EQ(spec.fstype, e.fstype);
    EXPECT_EQ(spec.target, e.target);
    EXPECT_EQ(spec.flags, e.flags);
    EXPECT_EQ(spec.data, e.data);
    EXPECT_EQ(spec.optional, e.optional);
  }
}

TEST(MountPlan, NetworkStepsBringUpLoopbackAndSizeSocketBuffers) {
  const auto plan = mounter_plan();
  std::vector<std::string> writes;
  bool loopback = false;
  for (const Action& action : plan) {
    if (const auto* up = std::get_if<LinkUpSpec>(&action)) loopback = up->interface == "lo";
    if (const auto* sysctl = std::get_if<SysctlSpec>(&action))
      writes.push_back(sysctl->path + "=" + sysctl->value);
  }
  EXPECT_TRUE(loopback);
  EXPECT_EQ(writes, (std::vector<std::string>{"/proc/sys/net/core/rmem_default=16777216",
                                              "/proc/sys/net/core/wmem_default=16777216",
                                              "/proc/sys/net/core/rmem_max=16777216",
                                              "/proc/sys/net/core/wmem_max=16777216"}));
}

TEST(MountPlan, DescribesOptionsAsFlagsThenData) {
  const auto plan = mounter_plan();
  EXPECT_EQ(describe_mount_options(find_mount(plan, "mount-proc")), "nosuid,noexec,nodev,relatime");
  EXPECT_EQ(describe_mount_options(find_mount(plan, "mount-run")), "nosuid,noexec,nodev,mode=0755");
  MountSpec bare;
  EXPECT_EQ(describe_mount_options(bare), "defaults");
}

TEST(RunPlan, FreshGuestGetsEverythingInOrder) {
  FakeSystem system = fresh_guest();
  RecordingReporter reporter;
  run_plan(mounter_plan(), system, reporter, /*dry_run=*/false);
  EXPECT_EQ(system.calls, (std::vector<std::string>{
                              "mount proc /proc",
                              "mount sysfs /sys",
                              "mount devtmpfs /dev",
                              "mount tmpfs /run",
                              "mount tmpfs /tmp",
                              "mount securityfs /sys/kernel/security",
                              "mount configfs /sys/kernel/config",
                              "mkdir /dev/pts",
                              "mount devpts /dev/pts",
                              "mkdir /dev/shm",
                              "mount tmpfs /dev/shm",
                              "symlink /dev/ptmx -> pts/ptmx",
                              "mount cgroup2 /sys/fs/cgroup",
                              "up lo",
                              "write /proc/sys/net/core/rmem_default 16777216",
                              "write /proc/sys/net/core/wmem_default 16777216",
                              "write /proc/sys/net/core/rmem_max 16777216",
                              "write /proc/sys/net/core/wmem_max 16777216",
                          }));
  EXPECT_TRUE(reporter.has("info: mounted proc on /proc (nosuid,noexec,nodev,relatime)"));
  EXPECT_TRUE(reporter.has("info: created directory /dev/pts"));
  EXPECT_TRUE(reporter.has("info: wrote 16777216 to /proc/sys/net/core/wmem_max"));
  // Every action is a progress step that starts and finishes.
  for (const Action& action : mounter_plan()) {
    EXPECT_TRUE(reporter.has("step " + step_name(action) + " started")) << step_name(action);
    EXPECT_TRUE(reporter.has("step " + step_name(action) + " done")) << step_name(action);
  }
}

TEST(RunPlan, AlreadyMountedTargetsAreNotMountedAgain) {
  FakeSystem system = fresh_guest();
  system.mounted = {"/dev", "/proc"};  // the kernel's devtmpfs, a test harness's /proc
  RecordingReporter reporter;
  run_plan(mounter_plan(), system, reporter, false);
  for (const auto& call : system.calls) {
    EXPECT_NE(call, "mount devtmpfs /dev");
    EXPECT_NE(call, "mount proc /proc");
  }
  EXPECT_NE(std::find(system.calls.begin(), system.calls.end(), "mount sysfs /sys"),
            system.calls.end());
  EXPECT_TRUE(reporter.has("info: skipped devtmpfs on /dev: /dev is already a mount point"));
  EXPECT_TRUE(reporter.has("step mount-dev done"));
}

TEST(RunPlan, OptionalFilesystemsNeedSupportAndTarget) {
  FakeSystem system = fresh_guest();
  system.listed = {"configfs"};                 // no securityfs in this kernel
  system.existing.erase("/sys/kernel/config");  // and configfs without its directory
  RecordingReporter reporter;
  run_plan(mounter_plan(), system, reporter, false);
  for (const auto& call : system.calls) {
    EXPECT_EQ(call.find("securityfs"), std::string::npos) << call;
    EXPECT_EQ(call.find("/sys/kernel/config"), std::string::npos) << call;
  }
  EXPECT_TRUE(reporter.has(
      "info: skipped securityfs on /sys/kernel/security: /proc/filesystems does not list "
      "securityfs"));
  EXPECT_TRUE(
      reporter.has("info: skipped configfs on /sys/kernel/config: /sys/kernel/config does not "
                   "exist"));
}

TEST(RunPlan, ExistingPtmxIsLeftAlone) {
  FakeSystem system = fresh_guest();
  system.existing.insert("/dev/ptmx");
  RecordingReporter reporter;
  run_plan(mounter_plan(), system, reporter, false);
  for (const auto& call : system.calls) EXPECT_EQ(call.find("symlink"), std::string::npos);
  EXPECT_TRUE(reporter.has("info: skipped symlink /dev/ptmx -> pts/ptmx: /dev/ptmx exists"));
}

TEST(RunPlan, MissingCgroupDirectoryIsAnErrorNamingIt) {
  FakeSystem system = fresh_guest();
  system.existing.erase("/sys/fs/cgroup");
  RecordingReporter reporter;
  try {
    run_plan(mounter_plan(), system, reporter, false);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "cannot mount cgroup2 on /sys/fs/cgroup: /sys/fs/cgroup does not exist");
  }
  EXPECT_TRUE(reporter.has("step mount-cgroup2 started"));
  EXPECT_FALSE(reporter.has("step mount-cgroup2 done"));
}

TEST(RunPlan, FailureStopsThePlanAtThatStep) {
  FakeSystem system = fresh_guest();
  system.fail_mount_on = "/run";
  RecordingReporter reporter;
  EXPECT_THROW(run_plan(mounter_plan(), system, reporter, false), std::runtime_error);
  EXPECT_EQ(system.calls, (std::vector<std::string>{"mount proc /proc", "mount sysfs /sys",
                                                    "mount devtmpfs /dev"}));
  EXPECT_TRUE(reporter.has("step mount-run started"));
  EXPECT_FALSE(reporter.has("step mount-run done"));
  EXPECT_FALSE(reporter.has("step mount-tmp started"));
}

TEST(RunPlan, DryRunChangesNothingAndSaysWhatItWouldDo) {
  FakeSystem system = fresh_guest();
  system.mounted = {"/dev"};
  RecordingReporter reporter;
  run_plan(mounter_plan(), system, reporter, /*dry_run=*/true);
  EXPECT_TRUE(system.calls.empty());
  EXPECT_TRUE(reporter.has("info: would mount proc on /proc (nosuid,noexec,nodev,relatime)"));
  EXPECT_TRUE(reporter.has("info: skipped devtmpfs on /dev: /dev is already a mount point"));
  EXPECT_TRUE(reporter.has("info: would create directory /dev/pts"));
  EXPECT_TRUE(reporter.has(
      "info: would mount devpts on /dev/pts (nosuid,noexec,newinstance,ptmxmode=0666,mode=0620,"
      "gid=5)"));
  EXPECT_TRUE(reporter.has("info: would create symlink /dev/ptmx -> pts/ptmx"));
  EXPECT_TRUE(reporter.has("info: would bring up network interface lo (IFF_UP|IFF_RUNNING)"));
  EXPECT_TRUE(reporter.has("info: would write 16777216 to /proc/sys/net/core/rmem_max"));
}

// The statx-based check against the real kernel.
TEST(MountPoint, RecognisesMountRootsWithoutProc) {
  EXPECT_TRUE(is_mount_point("/"));
  EXPECT_TRUE(is_mount_point("/proc"));
  EXPECT_FALSE(is_mount_point("/proc/self/status"));
  EXPECT_TRUE(path_exists("/proc"));
  EXPECT_FALSE(path_exists("/proc/no-such-file"));
  EXPECT_THROW(is_mount_point("/no/such/path"), std::exception);
}

}  // namespace
}  // namespace ccinit::mounter
