#include "common/file_io.h"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "common/sys_error.h"
#include "tests/testlib/temp_dir.h"

namespace ccinit {
namespace {

std::size_t entries(const std::string& dir) {
  return static_cast<std::size_t>(std::distance(std::filesystem::directory_iterator(dir),
                                                std::filesystem::directory_iterator()));
}

mode_t mode_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw SysError("stat " + path);
  return st.st_mode & 07777;
}

TEST(WriteFileAtomically, WritesExactlyTheModeWhateverTheUmask) {
  testing::TempDir dir("file_io_test");
  const std::string path = (dir / "f").string();
  const mode_t old_umask = ::umask(0077);
  write_file_atomically(path, "data\n", 0444);
  ::umask(old_umask);
  EXPECT_EQ(read_file(path), "data\n");
  EXPECT_EQ(mode_of(path), 0444u);
}

TEST(WriteFileAtomically, ReplacesAReadOnlyFileWithANewInode) {
  testing::TempDir dir("file_io_test");
  const std::string path = dir.write("f", "old").string();
  ASSERT_EQ(::chmod(path.c_str(), 0400), 0);
  struct stat before {};
  ASSERT_EQ(::stat(path.c_str(), &before), 0);
  write_file_atomically(path, "new", 0400);
  struct stat after {};
  ASSERT_EQ(::stat(path.c_str(), &after), 0);
  EXPECT_NE(before.st_ino, after.st_ino);
  EXPECT_EQ(read_file(path), "new");
  EXPECT_EQ(entries(dir.path()), 1u) << "no temporary file left behind";
}

TEST(WriteFileAtomically, AFailedRenameLeavesNoTemporaryFileAndNamesThePath) {
  testing::TempDir dir("file_io_test");
  const std::string path = (dir / "taken").string();
  std::filesystem::create_directory(path);
  dir.write("taken/keep", "x");
  try {
    write_file_atomically(path, "new", 0400);
    FAIL() << "renaming over a non-empty directory must fail";
  } catch (const SysError& e) {
    EXPECT_EQ(std::string(e.what()).find("write " + path + " atomically (rename): "), 0u)
        << e.what();
  }
  EXPECT_EQ(entries(dir.path()), 1u);
  EXPECT_EQ(read_file(path + "/keep"), "x");
}

TEST(WriteFileAtomically, AMissingDirectoryIsNamed) {
  testing::TempDir dir("file_io_test");
  const std::string path = (dir / "no/f").string();
  EXPECT_THROW(
      {
        try {
          write_file_atomically(path, "x", 0400);
        } catch (const SysError& e) {
          EXPECT_EQ(std::string(e.what()),
                    "create a temporary file for " + path + ": No such file or directory");
          throw;
        }
      },
      SysError);
}

TEST(ReadRegularFile, ReadsUpToTheBoundAndRefusesMore) {
  testing::TempDir dir("file_io_test");
  const std::string path = dir.write("f", std::string(10000, 'a')).string();
  EXPECT_EQ(read_regular_file(path, 10000).size(), 10000u);
  try {
    read_regular_file(path, 9999);
    FAIL();
  } catch (const SysError& e) {
    EXPECT_EQ(e.code(), EFBIG);
  }
}

TEST(ReadRegularFile, AFifoIsRefusedWithoutBlocking) {
  testing::TempDir dir("file_io_test");
  const std::string fifo = (dir / "fifo").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  try {
    read_regular_file(fifo, 100);
    FAIL();
  } catch (const SysError& e) {
    EXPECT_EQ(std::string(e.what()), "open " + fifo + " (not a regular file): Invalid argument");
  }
}

}  // namespace
}  // namespace ccinit
