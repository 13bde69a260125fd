#include "helpers/extensions/gpu_extension_setup.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <vector>

#include "common/file_io.h"
#include "common/gpu_extension.h"
#include "helpers/extensions/extension_error.h"
#include "tests/testlib/temp_dir.h"
#include "tests/unit/extensions/fake_extension_kernel.h"
#include "tests/unit/helpers/recording_reporter.h"

namespace ccinit::extensions {
namespace {

namespace fs = std::filesystem;
using Ops = std::vector<std::string>;
using ccinit::testing::TempDir;

class FakeBindMounter : public BindMounter {
 public:
  explicit FakeBindMounter(testing::OperationLog& log) : log_(log) {}
  void bind(const std::string& source, const std::string& target) override {
    log_.record("bind " + log_.path(source) + " " + log_.path(target));
  }
  void remount(const std::string& target, unsigned long flags,
               const std::string& options) override {
    log_.record("remount " + log_.path(target) + " " + options +
                (flags & MS_NOEXEC ? " +noexec" : "") + (flags & MS_RDONLY ? " +rdonly" : ""));
  }

 private:
  testing::OperationLog& log_;
};

const std::string kLibDir = std::string("/run/kata-extensions/gpu/usr/lib/") + nvidia::kLibTriplet;

// A scratch guest: the extension at <tmp>/run/kata-extensions/gpu, the base image's
// /lib/firmware/nvidia and /etc/ld.so.cache; every operation lands in log_.ops.
class GpuExtensionSetup : public ::testing::Test {
 protected:
  void SetUp() override {
    log_.root = dir_.path();
    paths_ = {.root = dir_.path() + "/run/kata-extensions/gpu",
              .firmware_target = dir_.path() + "/lib/firmware/nvidia",
              .ld_so_conf = dir_.path() + "/run/ld.so.conf",
              .ld_so_cache = dir_.path() + "/run/ld.so.cache",
              .system_ld_so_cache = dir_.path() + "/etc/ld.so.cache",
              .system_ld_so_conf_d = "/etc/ld.so.conf.d"};
    fs::create_directories(paths_.library_dir());
    fs::create_directories(paths_.firmware_target);
    fs::create_directories(dir_.path() + "/etc");
    dir_.write("etc/ld.so.cache", "base cache");
  }
  void extension_has_firmware() { fs::create_directories(paths_.firmware_source()); }
  void prepare(bool dry_run = false) {
    GpuExtensionSystem system{.runner = runner_, .mounter = mounter_, .dry_run = dry_run};
    prepare_gpu_extension(paths_, system, reporter_);
  }
  std::string ldconfig_text() const {
    return "run /sbin/ldconfig -X -C " + paths_.ld_so_cache + " -f " + paths_.ld_so_conf;
  }

  TempDir dir_{"gpu-extension-setup"};
  testing::OperationLog log_;
  testing::LoggingRunner runner_{log_};
  FakeBindMounter mounter_{log_};
  GpuExtensionPaths paths_;
  ccinit::testing::RecordingReporter reporter_;
};

TEST_F(GpuExtensionSetup, BindsFirmwareThenBuildsAndBindsTheLinkerCache) {
  extension_has_firmware();
  prepare();
  EXPECT_EQ(log_.ops, (Ops{"bind /run/kata-extensions/gpu/lib/firmware/nvidia /lib/firmware/nvidia",
                           "remount /lib/firmware/nvidia ro,nosuid,nodev,noexec +noexec +rdonly",
                           ldconfig_text(), "bind /run/ld.so.cache /etc/ld.so.cache",
                           "remount /etc/ld.so.cache ro,nosuid,nodev +rdonly"}));
  EXPECT_TRUE(reporter_.has("info: GPU extension: bound " + paths_.firmware_source() + " onto " +
                            paths_.firmware_target + " (ro,nosuid,nodev,noexec)"));
  EXPECT_TRUE(reporter_.has("info: GPU extension: linker cache " + paths_.ld_so_cache +
                            " built with " + paths_.library_dir() + " and bound onto " +
                            paths_.system_ld_so_cache + " (ro,nosuid,nodev)"));
  EXPECT_TRUE(reporter_.has("step gpu-extension done"));
}

TEST_F(GpuExtensionSetup, WritesTheLinkerConfigurationWithTheBaseIncludesAndTheTripletDirectory) {
  prepare();
  EXPECT_EQ(read_file(paths_.ld_so_conf),
            "include /etc/ld.so.conf.d/*.conf\n" + dir_.path() + kLibDir + "\n");
  EXPECT_EQ(fs::status(paths_.ld_so_conf).permissions(),
            fs::perms::owner_read | fs::perms::owner_write);
}

TEST(GpuExtensionCommands, GuestLinkerConfigurationAndLdconfigCommand) {
  const GpuExtensionPaths guest;
  EXPECT_EQ(gpu_ld_so_conf(guest), "include /etc/ld.so.conf.d/*.conf\n" + kLibDir + "\n");
  EXPECT_EQ(gpu_ldconfig_command(guest).text(),
            "/sbin/ldconfig -X -C /run/ld.so.cache -f /run/ld.so.conf");
  EXPECT_EQ(guest.firmware_source(), "/run/kata-extensions/gpu/lib/firmware/nvidia");
}

TEST_F(GpuExtensionSetup, WithoutAFirmwareDirectoryBindsNoFirmware) {
  prepare();
  EXPECT_EQ(log_.ops, (Ops{ldconfig_text(), "bind /run/ld.so.cache /etc/ld.so.cache",
                           "remount /etc/ld.so.cache ro,nosuid,nodev +rdonly"}));
  EXPECT_TRUE(reporter_.has("info: GPU extension: no firmware directory " +
                            paths_.firmware_source() + ": nothing bound onto " +
                            paths_.firmware_target));
}

TEST_F(GpuExtensionSetup, AMissingFirmwareMountPointIsFatalAndNamesIt) {
  extension_has_firmware();
  fs::remove(paths_.firmware_target);
  try {
    prepare();
    FAIL() << "no error";
  } catch (const ExtensionError& e) {
    EXPECT_EQ(std::string(e.what()),
              "GPU extension: " + paths_.firmware_target +
                  " is missing (the base image must have an empty directory there for the GPU "
                  "extension's firmware)");
  }
  EXPECT_TRUE(log_.ops.empty());
}

TEST_F(GpuExtensionSetup, AMissingSystemLinkerCacheIsFatalAndNamesIt) {
  fs::remove(paths_.system_ld_so_cache);
  try {
    prepare();
    FAIL() << "no error";
  } catch (const ExtensionError& e) {
    EXPECT_EQ(std::string(e.what()), "GPU extension: " + paths_.system_ld_so_cache +
                                         " is missing (the base image must have a linker cache "
                                         "to bind over)");
  }
  EXPECT_EQ(log_.ops, Ops{ldconfig_text()});
}

TEST_F(GpuExtensionSetup, AFailedLdconfigIsFatalAndBindsNothing) {
  runner_.results["/sbin/ldconfig -X -C " + paths_.ld_so_cache + " -f " + paths_.ld_so_conf] =
      ccinit::testing::FakeRunner::exit_status(1);
  try {
    prepare();
    FAIL() << "no error";
  } catch (const ExtensionError& e) {
    EXPECT_EQ(std::string(e.what()), "GPU extension: /sbin/ldconfig -X -C " + paths_.ld_so_cache +
                                         " -f " + paths_.ld_so_conf +
                                         " failed: exited with status 1");
  }
  EXPECT_EQ(log_.ops, Ops{ldconfig_text()});
}

TEST_F(GpuExtensionSetup, AFirmwareLinkOutOfTheExtensionIsRefused) {
  fs::create_directories(paths_.root + "/lib/firmware");
  fs::create_directories(dir_.path() + "/elsewhere");
  fs::create_directory_symlink(dir_.path() + "/elsewhere", paths_.firmware_source());
  try {
    prepare();
    FAIL() << "no error";
  } catch (const ExtensionError& e) {
    EXPECT_EQ(std::string(e.what()), "GPU extension: " + paths_.firmware_source() +
                                         " leads out of the extension (to " + dir_.path() +
                                         "/elsewhere)");
  }
  EXPECT_TRUE(log_.ops.empty());
}

TEST_F(GpuExtensionSetup, AFailedBindIsFatalAndNamesTheExtension) {
  extension_has_firmware();
  log_.fail["bind /run/kata-extensions/gpu/lib/firmware/nvidia /lib/firmware/nvidia"] =
      "bind x onto y: Permission denied";
  try {
    prepare();
    FAIL() << "no error";
  } catch (const ExtensionError& e) {
    EXPECT_EQ(std::string(e.what()), "GPU extension: bind x onto y: Permission denied");
  }
}

TEST_F(GpuExtensionSetup, DryRunSaysEveryStepAndWritesNothing) {
  extension_has_firmware();
  std::vector<std::string> said;
  auto say = [&](const std::string& line) { said.push_back(line); };
  tools::DryRunRunner runner(say);
  DryRunBindMounter mounter(say);
  GpuExtensionSystem system{.runner = runner, .mounter = mounter, .dry_run = true};
  prepare_gpu_extension(paths_, system, reporter_);
  const std::string cache = paths_.ld_so_cache, conf = paths_.ld_so_conf;
  EXPECT_EQ(said,
            (Ops{"would bind " + paths_.firmware_source() + " onto " + paths_.firmware_target,
                 "would remount the bind on " + paths_.firmware_target + " ro,nosuid,nodev,noexec",
                 "would run: /sbin/ldconfig -X -C " + cache + " -f " + conf,
                 "would bind " + cache + " onto " + paths_.system_ld_so_cache,
                 "would remount the bind on " + paths_.system_ld_so_cache + " ro,nosuid,nodev"}));
  EXPECT_TRUE(reporter_.has("info: would write " + conf +
                            " (0600): include /etc/ld.so.conf.d/*.conf | " + paths_.library_dir()));
  EXPECT_FALSE(fs::exists(conf));
}

TEST_F(GpuExtensionSetup, DryRunBeforeTheExtensionIsMountedSaysTheFirmwareBindIsConditional) {
  fs::remove_all(dir_.path() + "/run/kata-extensions");
  std::vector<std::string> said;
  auto say = [&](const std::string& line) { said.push_back(line); };
  tools::DryRunRunner runner(say);
  DryRunBindMounter mounter(say);
  GpuExtensionSystem system{.runner = runner, .mounter = mounter, .dry_run = true};
  prepare_gpu_extension(paths_, system, reporter_);
  EXPECT_TRUE(reporter_.has("info: would bind " + paths_.firmware_source() + " onto " +
                            paths_.firmware_target +
                            " if the extension has that directory, and remount it "
                            "ro,nosuid,nodev,noexec"));
  ASSERT_FALSE(said.empty());
  EXPECT_EQ(said.front(),
            "would run: /sbin/ldconfig -X -C " + paths_.ld_so_cache + " -f " + paths_.ld_so_conf);
}

// --- whether the extension is in use (common/gpu_extension.h) ------------------------------

TEST(GpuExtensionInUse, NothingThereIsNotInUse) {
  TempDir dir("gpu-extension-in-use");
  EXPECT_FALSE(nvidia::gpu_extension_in_use(dir.path() + "/run/kata-extensions/gpu"));
}

TEST(GpuExtensionInUse, APlainDirectoryIsRefused) {
  TempDir dir("gpu-extension-in-use");
  fs::create_directories(dir.path() + "/gpu");
  try {
    nvidia::gpu_extension_in_use(dir.path() + "/gpu");
    FAIL() << "accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()),
              "GPU extension: " + dir.path() +
                  "/gpu is a directory but not a mount point; the NVIDIA driver is only taken "
                  "from the verified, read-only mount of the extension \"gpu\"");
  }
}

TEST(GpuExtensionInUse, AFileIsRefused) {
  TempDir dir("gpu-extension-in-use");
  dir.write("gpu", "");
  EXPECT_THROW(nvidia::gpu_extension_in_use(dir.path() + "/gpu"), std::runtime_error);
}

TEST(GpuExtensionInUse, AWritableMountIsRefused) {
  // /proc is a mount point of every host these tests run on, mounted writable.
  try {
    nvidia::gpu_extension_in_use("/proc");
    FAIL() << "accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/proc is mounted writable"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace ccinit::extensions
