#include "helpers/extensions/kernel_modules.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "common/sys_error.h"
#include "tests/testlib/temp_dir.h"

namespace ccinit::extensions {
namespace {

using Modules = std::vector<std::string>;

// /proc/filesystems of a kernel without erofs, as 6.1 prints it (abridged).
constexpr std::string_view kFilesystems =
    "nodev\tsysfs\nnodev\ttmpfs\nnodev\tproc\nnodev\tdevtmpfs\n\text4\nnodev\tcgroup2\n";

class KernelModules : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_ / "sys/module/kernel");  // always there
    std::filesystem::create_directories(dir_ / "proc");
    dir_.write("proc/filesystems", kFilesystems);
  }
  void add_module(const std::string& name) {
    std::filesystem::create_directories(dir_ / "sys/module" / name / "parameters");
  }
  Modules to_load() { return modules_to_load(dir_.path() + "/sys", dir_.path() + "/proc"); }

  ccinit::testing::TempDir dir_{"kernel-modules"};
};

TEST_F(KernelModules, EverythingAsModulesLoadsAllInOrder) {
  EXPECT_EQ(to_load(), (Modules{"virtio_blk", "dm_mod", "dm_verity", "erofs"}));
}

// Kata's kernel: all built in. erofs has no parameters, so only /proc/filesystems shows it.
TEST_F(KernelModules, BuiltInKernelLoadsNothing) {
  add_module("virtio_blk");
  add_module("dm_mod");
  add_module("dm_verity");
  dir_.write("proc/filesystems", std::string(kFilesystems) + "\terofs\n");
  EXPECT_EQ(to_load(), Modules{});
}

TEST_F(KernelModules, LoadedErofsModuleCounts) {
  add_module("erofs");
  EXPECT_EQ(to_load(), (Modules{"virtio_blk", "dm_mod", "dm_verity"}));
}

TEST_F(KernelModules, OnlyMissingOnesInLoadOrder) {
  add_module("virtio_blk");
  add_module("dm_verity");
  EXPECT_EQ(to_load(), (Modules{"dm_mod", "erofs"}));
}

// A file where the module's directory belongs, a similar name, or erofs inside another
// word does not count.
TEST_F(KernelModules, LookalikesDoNotCount) {
  dir_.write("sys/module/dm_mod", "");
  add_module("dm_verity_fec");
  add_module("virtio_blk2");
  dir_.write("proc/filesystems", std::string(kFilesystems) + "nodev\terofs2\n\terof\nerofs\n");
  EXPECT_EQ(to_load(), (Modules{"virtio_blk", "dm_mod", "dm_verity", "erofs"}));
}

TEST_F(KernelModules, UnreadableFilesystemsIsFatalAndNamed) {
  std::filesystem::remove(dir_ / "proc/filesystems");
  try {
    to_load();
    ADD_FAILURE() << "accepted";
  } catch (const SysError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("open " + dir_.path() + "/proc/filesystems: ", 0), 0u)
        << e.what();
  }
}

TEST(FilesystemsList, MatchesWholeNamesAfterTheTab) {
  EXPECT_TRUE(filesystems_list("\terofs\n", "erofs"));
  EXPECT_TRUE(filesystems_list("nodev\tsysfs\n\terofs", "erofs"));
  EXPECT_TRUE(filesystems_list("nodev\tsysfs\n", "sysfs"));
  EXPECT_FALSE(filesystems_list("", "erofs"));
  EXPECT_FALSE(filesystems_list("erofs\n", "erofs"));
  EXPECT_FALSE(filesystems_list("\terofs \n", "erofs"));
  EXPECT_FALSE(filesystems_list("\txerofs\n", "erofs"));
}

}  // namespace
}  // namespace ccinit::extensions
