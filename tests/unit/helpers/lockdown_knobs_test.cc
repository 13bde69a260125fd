#include "helpers/lockdown/lockdown_knobs.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/testlib/temp_dir.h"
#include "tests/unit/helpers/recording_reporter.h"

namespace ccinit::lockdown {
namespace {

namespace fs = std::filesystem;
using testing::RecordingReporter;
using testing::TempDir;

// A fake / with a kernel that has modules and kexec, both still enabled.
class FakeRoot : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(root_ / "proc/sys/kernel");
    fs::create_directories(root_ / "sys/kernel");
    write("proc/sys/kernel/modules_disabled", "0\n");
    write("proc/sys/kernel/kexec_load_disabled", "0\n");
    write("proc/modules", "");
    write("sys/kernel/kexec_loaded", "0\n");
  }

  void write(const std::string& relative, const std::string& text) { dir_.write(relative, text); }
  std::string read(const std::string& relative) {
    std::ifstream in(root_ / relative);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  std::string path(const std::string& relative) const { return (root_ / relative).string(); }
  std::string error_of_run() {
    RecordingReporter reporter;
    try {
      run_lockdown(lockdown_knobs(root_.string()), reporter, false);
    } catch (const std::exception& e) {
      return e.what();
    }
    return "";
  }

  TempDir dir_{"lockdown_test"};
  const fs::path root_{dir_.path()};
};

TEST_F(FakeRoot, WritesOneToBothKnobs) {
  RecordingReporter reporter;
  run_lockdown(lockdown_knobs(root_.string()), reporter, false);
  EXPECT_EQ(read("proc/sys/kernel/modules_disabled").substr(0, 1), "1");
  EXPECT_EQ(read("proc/sys/kernel/kexec_load_disabled").substr(0, 1), "1");
  EXPECT_TRUE(reporter.has("info: wrote 1 to " + path("proc/sys/kernel/modules_disabled") +
                           ": module loading disabled"));
  EXPECT_TRUE(reporter.has("step disable-module-loading done"));
  EXPECT_TRUE(reporter.has("step disable-kexec done"));
}

TEST_F(FakeRoot, DryRunOnlyReports) {
  RecordingReporter reporter;
  run_lockdown(lockdown_knobs(root_.string()), reporter, true);
  EXPECT_EQ(read("proc/sys/kernel/modules_disabled"), "0\n");
  EXPECT_EQ(read("proc/sys/kernel/kexec_load_disabled"), "0\n");
  EXPECT_TRUE(reporter.has("info: would write 1 to " + path("proc/sys/kernel/kexec_load_disabled") +
                           " (now 0)"));
}

TEST_F(FakeRoot, KernelWithoutModulesIsFine) {
  fs::remove(root_ / "proc/sys/kernel/modules_disabled");
  fs::remove(root_ / "proc/modules");
  RecordingReporter reporter;
  run_lockdown(lockdown_knobs(root_.string()), reporter, false);
  EXPECT_TRUE(reporter.has("info: " + path("proc/sys/kernel/modules_disabled") +
                           " does not exist: the kernel was built without module loading, "
                           "nothing to disable"));
  EXPECT_EQ(read("proc/sys/kernel/kexec_load_disabled").substr(0, 1), "1");
}

TEST_F(FakeRoot, KernelWithoutKexecIsFine) {
  fs::remove(root_ / "proc/sys/kernel/kexec_load_disabled");
  fs::remove(root_ / "sys/kernel/kexec_loaded");
  EXPECT_EQ(error_of_run(), "");
}

TEST_F(FakeRoot, MissingKnobOfAPresentFeatureIsFatal) {
  fs::remove(root_ / "proc/sys/kernel/modules_disabled");
  EXPECT_EQ(error_of_run(), path("proc/sys/kernel/modules_disabled") + " does not exist although " +
                                path("proc/modules") +
                                " does: the kernel has module loading but no way to disable it");
}

TEST_F(FakeRoot, MissingKnobWithoutEvidenceIsFatal) {
  fs::remove(root_ / "proc/sys/kernel/kexec_load_disabled");
  fs::remove_all(root_ / "sys/kernel");  // sysfs not mounted: absence proves nothing
  EXPECT_EQ(error_of_run(),
            path("proc/sys/kernel/kexec_load_disabled") + " does not exist and " +
                path("sys/kernel") +
                " is missing too, so the kernel's lack of kexec cannot be confirmed");
}

TEST_F(FakeRoot, UnwritableKnobIsFatal) {
  fs::remove(root_ / "proc/sys/kernel/modules_disabled");
  fs::create_directory(root_ / "proc/sys/kernel/modules_disabled");
  std::string error = error_of_run();
  EXPECT_EQ(error.rfind("open " + path("proc/sys/kernel/modules_disabled") + ": ", 0), 0u) << error;
}

TEST(Lockdown, KnobThatDoesNotReadBackOneIsFatal) {
  // /dev/null takes the write and reads back nothing, like a kernel ignoring it.
  std::vector<Knob> knobs{{"disable-x", "/dev/null", "x", "/dev", "/no/such/evidence"}};
  RecordingReporter reporter;
  try {
    run_lockdown(knobs, reporter, false);
    FAIL() << "expected an error";
  } catch (const std::exception& e) {
    EXPECT_STREQ(e.what(), "/dev/null reads back '' after writing 1");
  }
  EXPECT_FALSE(reporter.has("step disable-x done"));
}

}  // namespace
}  // namespace ccinit::lockdown
