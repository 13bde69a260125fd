// is_mount_point against a tmpfs mounted for the test, in a private mount namespace.
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/mount_point.h"
#include "tests/testlib/skip_or_fail.h"
#include "tests/testlib/temp_dir.h"

namespace ccinit::mounter {
namespace {

TEST(MountPoint, SeesAFreshTmpfsMount) {
  if (geteuid() != 0) CCINIT_SKIP_OR_FAIL("needs root to mount a tmpfs");
  const testing::TempDir scratch("mount_point_test");
  const char* dir = scratch.path().c_str();
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // In a private mount namespace so nothing leaks to the host.
    if (unshare(CLONE_NEWNS) != 0) _exit(10);
    if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) _exit(11);
    if (is_mount_point(dir)) _exit(12);
    if (mount("tmpfs", dir, "tmpfs", 0, nullptr) != 0) _exit(13);
    _exit(is_mount_point(dir) ? 0 : 14);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "10 unshare, 11 private, 12 before, 13 mount, 14 after";
}

}  // namespace
}  // namespace ccinit::mounter
