#include "helpers/extensions/device_nodes.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <gtest/gtest.h>

#include <filesystem>

#include "common/sys_error.h"
#include "helpers/extensions/extension_error.h"
#include "tests/testlib/temp_dir.h"

namespace ccinit::extensions {
namespace {

class DeviceNodesTest : public ::testing::Test {
 protected:
  // The modes below are what a umask of 022 leaves (the kernel starts init with it).
  void SetUp() override { old_umask_ = ::umask(022); }
  void TearDown() override { ::umask(old_umask_); }
  std::string path(const std::string& relative) const { return dir_.path() + "/" + relative; }
  template <typename F>
  std::string error(F&& f) {
    try {
      f();
      ADD_FAILURE() << "accepted";
    } catch (const std::exception& e) {
      return e.what();
    }
    return "";
  }

  mode_t old_umask_ = 0;
  ccinit::testing::TempDir dir_{"device-nodes"};
  LinuxDeviceNodes nodes_;
};

TEST_F(DeviceNodesTest, MakesADirectory0755AndKeepsAnExistingOne) {
  nodes_.make_directory(path("mapper"));
  struct stat st {};
  ASSERT_EQ(::stat(path("mapper").c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  EXPECT_NO_THROW(nodes_.make_directory(path("mapper")));
}

// A planted symlink where a mount point belongs could send the mount elsewhere.
TEST_F(DeviceNodesTest, RefusesAFileOrSymlinkWhereADirectoryBelongs) {
  dir_.write("file", "x");
  std::filesystem::create_directory(path("elsewhere"));
  std::filesystem::create_directory_symlink(path("elsewhere"), path("link"));
  EXPECT_EQ(error([&] { nodes_.make_directory(path("file")); }),
            path("file") + " is a regular file, not a directory");
  EXPECT_EQ(error([&] { nodes_.make_directory(path("link")); }),
            path("link") + " is a symlink, not a directory");
}

TEST_F(DeviceNodesTest, MissingParentIsNamed) {
  EXPECT_EQ(error([&] { nodes_.make_directory(path("no/such")); }),
            "mkdir " + path("no/such") + ": No such file or directory");
}

TEST_F(DeviceNodesTest, StaleNodeOfAnotherKindIsRefused) {
  std::filesystem::create_directory(path("extension-gpu"));
  EXPECT_EQ(error([&] {
              nodes_.make_block_node(path("extension-gpu"), {253, 0});
            }),
            "stale " + path("extension-gpu") +
                ": a directory, not block device 253:0 (refused: it is not the verified device)");
}

// Block nodes need CAP_MKNOD: only where the test runs with it.
TEST_F(DeviceNodesTest, MakesABlockNode0600AndRefusesOneOfAnotherNumber) {
  const std::string node = path("extension-gpu");
  try {
    EXPECT_TRUE(nodes_.make_block_node(node, {253, 7}));
  } catch (const SysError& e) {
    if (e.code() == EPERM) GTEST_SKIP() << "no CAP_MKNOD here";
    throw;
  }
  struct stat st {};
  ASSERT_EQ(::lstat(node.c_str(), &st), 0);
  EXPECT_TRUE(S_ISBLK(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(st.st_rdev, makedev(253, 7));
  EXPECT_FALSE(nodes_.make_block_node(node, {253, 7}));  // the same device: kept
  EXPECT_EQ(error([&] {
              nodes_.make_block_node(node, {253, 8});
            }),
            "stale " + node +
                ": a block device 253:7, not block device 253:8 (refused: it is not the verified "
                "device)");
  nodes_.remove_node(node);
  EXPECT_FALSE(std::filesystem::exists(node));
}

}  // namespace
}  // namespace ccinit::extensions
