#include "helpers/runtime/gpu_detect.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "recording_reporter.h"
#include "temp_dir.h"

namespace ccinit::gpu {
namespace {

namespace fs = std::filesystem;
using testing::RecordingReporter;
using testing::TempDir;

// A fake sysfs: devices live under devices/pci0000:00/ and bus/pci/devices/ links to them,
// as on a real kernel.
class FakeSysfs : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(root_ / "bus/pci/devices");
    fs::create_directories(root_ / "devices/pci0000:00");
  }

  void add_device(const std::string& address, const std::string& vendor,
                  const std::string& device_class) {
    fs::path dir = root_ / "devices/pci0000:00" / address;
    fs::create_directories(dir);
    write(dir / "vendor", vendor);
    write(dir / "class", device_class);
    fs::create_symlink("../../../devices/pci0000:00/" + address,
                       root_ / "bus/pci/devices" / address);
  }
  static void write(const fs::path& path, const std::string& text) { std::ofstream(path) << text; }
  std::string root() const { return root_.string(); }
  std::string device_file(const std::string& address, const std::string& file) const {
    return root() + "/bus/pci/devices/" + address + "/" + file;
  }

  std::string error_of_count() {
    try {
      count_nvidia_devices(root());
    } catch (const std::exception& e) {
      return e.what();
    }
    return "";
  }

  TempDir dir_{"gpu_detect_test"};
  const fs::path root_{dir_.path()};
};

wire::Request request_with_mode(wire::Mode mode) {
  wire::Request request;
  request.mutable_config()->set_mode(mode);
  return request;
}

TEST(ParseSysfsHex, AcceptsOnlyTheKernelsFormat) {
  EXPECT_EQ(parse_sysfs_hex("0x10de\n", 4, "v"), 0x10deu);
  EXPECT_EQ(parse_sysfs_hex("0x10DE", 4, "v"), 0x10deu);
  EXPECT_EQ(parse_sysfs_hex("0x030200\n", 6, "c"), 0x030200u);
  for (const char* bad : {"", "\n", "10de\n", "0x10d\n", "0x10de0\n", "0x10dg\n", " 0x10de\n",
                          "0x10de\n\n", "0X10de\n", "0x10de \n", "0x-1de\n"}) {
    SCOPED_TRACE(bad);
    EXPECT_THROW(parse_sysfs_hex(bad, 4, "v"), std::runtime_error);
  }
}

TEST(ParseSysfsHex, ErrorNamesTheFileAndShowsTheTextSafely) {
  try {
    parse_sysfs_hex("0x10\x01z\n", 4, "/sys/x/vendor");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "/sys/x/vendor: expected 0x and 4 hex digits, found '0x10\\x01z\\x0a'");
  }
}

TEST_F(FakeSysfs, CountsGpusAndNvswitchesOnly) {
  add_device("0000:00:00.0", "0x8086\n", "0x060000\n");  // host bridge
  add_device("0000:00:01.0", "0x10de\n", "0x030200\n");  // 3D controller
  add_device("0000:00:02.0", "0x10de\n", "0x030000\n");  // VGA
  add_device("0000:00:03.0", "0x10de\n", "0x040300\n");  // the GPU's HDMI audio
  add_device("0000:00:04.0", "0x10de\n", "0x068000\n");  // NVSwitch
  add_device("0000:00:05.0", "0x1af4\n", "0x068000\n");  // someone else's bridge
  add_device("0000:00:06.0", "0x15b3\n", "0x020700\n");  // InfiniBand
  NvidiaDevices found = count_nvidia_devices(root());
  EXPECT_EQ(found.gpus, 2u);
  EXPECT_EQ(found.nvswitches, 1u);
}

TEST_F(FakeSysfs, NoNvidiaDeviceMeansCpuMode) {
  add_device("0000:00:00.0", "0x8086\n", "0x060000\n");
  RecordingReporter reporter;
  configure(request_with_mode(wire::MODE_AUTO), reporter, root());
  EXPECT_TRUE(reporter.has("info: no NVIDIA GPU or NVSwitch: cpu mode"));
  EXPECT_TRUE(reporter.has("step detect-mode done"));
}

TEST_F(FakeSysfs, AnyNvidiaDeviceFailsClosed) {
  add_device("0000:00:01.0", "0x10de\n", "0x030200\n");
  add_device("0000:00:02.0", "0x10de\n", "0x068000\n");
  add_device("0000:00:03.0", "0x10de\n", "0x068000\n");
  RecordingReporter reporter;
  try {
    configure(request_with_mode(wire::MODE_AUTO), reporter, root());
    FAIL() << "expected a failure";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(),
                 "found 1 NVIDIA GPU(s) and 2 NVSwitch(es), but GPU and fabric modes are not "
                 "implemented yet");
  }
  EXPECT_FALSE(reporter.has("step detect-mode done"));
}

TEST_F(FakeSysfs, MalformedDeviceFilesAreErrorsNamingTheFile) {
  add_device("0000:00:01.0", "0x10de\n", "0x03020\n");
  EXPECT_EQ(error_of_count(), device_file("0000:00:01.0", "class") +
                                  ": expected 0x and 6 hex digits, found '0x03020\\x0a'");
}

TEST_F(FakeSysfs, MissingDeviceFilesAreErrorsNamingTheFile) {
  add_device("0000:00:01.0", "0x10de\n", "0x030200\n");
  fs::remove(root_ / "devices/pci0000:00/0000:00:01.0/vendor");
  std::string error = error_of_count();
  EXPECT_EQ(error.rfind("open " + device_file("0000:00:01.0", "vendor") + ": ", 0), 0u) << error;
}

TEST_F(FakeSysfs, NoPciBusCountsNothing) {
  fs::remove_all(root_ / "bus/pci");
  fs::create_directories(root_ / "bus/platform");
  NvidiaDevices found = count_nvidia_devices(root());
  EXPECT_EQ(found.gpus + found.nvswitches, 0u);
}

TEST_F(FakeSysfs, UnmountedSysfsIsAnError) {
  fs::remove_all(root_ / "bus");
  EXPECT_EQ(error_of_count(), root() + "/bus does not exist: sysfs is not mounted on " + root());
}

TEST_F(FakeSysfs, ExplicitModes) {
  add_device("0000:00:01.0", "0x10de\n", "0x030200\n");
  RecordingReporter reporter;
  // CPU mode asks for no detection: the GPU present is simply not used.
  EXPECT_NO_THROW(configure(request_with_mode(wire::MODE_CPU), reporter, root()));
  try {
    configure(request_with_mode(wire::MODE_GPU), reporter, root());
    FAIL() << "gpu mode is not implemented";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "nvrc.mode=gpu: GPU and fabric modes are not implemented yet");
  }
}

}  // namespace
}  // namespace ccinit::gpu
