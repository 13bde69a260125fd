#include "helpers/gpu-configurator/pci_topology.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/unit/gpu/gpu_fake_sysfs.h"

namespace ccinit::gpu {
namespace {

namespace fs = std::filesystem;
using testing::FakeSysfs;
using testing::vpd_with_read_only;

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

TEST(PciTopology, DescribeGivesAllThreeCounts) {
  EXPECT_EQ(describe(PciTopology{8, 4, 0}),
            "8 NVIDIA GPU(s), 4 NVSwitch(es), 0 Mellanox SW_MNG function(s)");
}

TEST_F(FakeSysfs, CountsGpusNvswitchesAndSwMngOnly) {
  add_device("0000:00:00.0", "0x8086\n", "0x060000\n");  // host bridge
  add_device("0000:00:01.0", "0x10de\n", "0x030200\n");  // 3D controller
  add_device("0000:00:02.0", "0x10de\n", "0x030000\n");  // VGA
  add_device("0000:00:03.0", "0x10de\n", "0x040300\n");  // the GPU's HDMI audio
  add_device("0000:00:04.0", "0x10de\n", "0x068000\n");  // NVSwitch
  add_device("0000:00:05.0", "0x1af4\n", "0x068000\n");  // someone else's bridge
  add_device("0000:00:06.0", "0x15b3\n", "0x020700\n");  // InfiniBand without VPD
  add_device("0000:00:07.0", "0x15b3\n", "0x020700\n", testing::management_vpd());
  add_device("0000:00:08.0", "0x15b3\n", "0x020700\n", vpd_with_read_only("V3", "plain HCA"));
  // SW_MNG in someone else's VPD does not count.
  add_device("0000:00:09.0", "0x8086\n", "0x020000\n", testing::management_vpd());
  EXPECT_EQ(scan_pci_topology(root()), (PciTopology{2, 1, 1, {"0000:00:07.0"}}));
}

TEST_F(FakeSysfs, ManagementFunctionsAreAllMellanoxPfsOfASlotWithSwMng) {
  add_workload_nic("1a");  // sorts first: must not be listed
  add_connectx_management_port("c1");
  add_connectx_management_port("c2");
  // A VF of the workload NIC and a VF in a management slot: never management functions.
  add_device("0000:1a:00.2", "0x15b3\n", "0x020000\n");
  make_virtual_function("0000:1a:00.2", "0000:1a:00.0");
  add_device("0000:c1:00.2", "0x15b3\n", "0x020700\n");
  make_virtual_function("0000:c1:00.2", "0000:c1:00.0");
  PciTopology found = scan_pci_topology(root());
  EXPECT_EQ(found.sw_mng, 2u);
  EXPECT_EQ(found.management_functions, (std::vector<std::string>{"0000:c1:00.0", "0000:c1:00.1",
                                                                  "0000:c2:00.0", "0000:c2:00.1"}));
}

TEST_F(FakeSysfs, VirtualFunctionsAreSkippedEvenWithTheMarker) {
  add_workload_nic("1a");
  // A VF whose vpd file shows the marker (the kernel shows a VF the PF's VPD) and even
  // malformed VPD: a VF is never read.
  add_device("0000:1a:00.2", "0x15b3\n", "0x020700\n", testing::management_vpd());
  make_virtual_function("0000:1a:00.2", "0000:1a:00.0");
  add_device("0000:1a:00.3", "0x15b3\n", "0x020700\n", std::string("\x82\x05"));
  make_virtual_function("0000:1a:00.3", "0000:1a:00.0");
  EXPECT_EQ(scan_pci_topology(root()), PciTopology{});
}

TEST_F(FakeSysfs, SwMngInASerialNumberIsNotAManagementFunction) {
  add_device("0000:c1:00.0", "0x15b3\n", "0x020700\n",
             testing::vpd_with({{"SN", "SMDL=SW_MNG"}, {"V3", "SW_MNG"}}));
  EXPECT_EQ(scan_pci_topology(root()), PciTopology{});
}

TEST_F(FakeSysfs, VaInTheReadWriteSectionMarksAManagementFunction) {
  add_device("0000:c1:00.1", "0x15b3\n", "0x020700\n",
             testing::vpd_with({{"SN", "MT2330X00001"}}, {{"VA", "SMDL=SW_MNG"}}));
  EXPECT_EQ(scan_pci_topology(root()), (PciTopology{0, 0, 1, {"0000:c1:00.1"}}));
}

TEST_F(FakeSysfs, MalformedVpdOfAMellanoxFunctionIsAnErrorNamingTheFile) {
  std::string vpd = testing::management_vpd();
  vpd.pop_back();  // the End tag
  add_device("0000:00:07.0", "0x15b3\n", "0x020700\n", vpd);
  std::string error = error_of_scan();
  EXPECT_EQ(error.rfind(device_file("0000:00:07.0", "vpd") + ": malformed PCI VPD", 0), 0u)
      << error;
}

TEST_F(FakeSysfs, MalformedDeviceFilesAreErrorsNamingTheFile) {
  add_device("0000:00:01.0", "0x10de\n", "0x03020\n");
  EXPECT_EQ(error_of_scan(), device_file("0000:00:01.0", "class") +
                                 ": expected 0x and 6 hex digits, found '0x03020\\x0a'");
}

TEST_F(FakeSysfs, MissingDeviceFilesAreErrorsNamingTheFile) {
  add_device("0000:00:01.0", "0x10de\n", "0x030200\n");
  fs::remove(root_ / "devices/pci0000:00/0000:00:01.0/vendor");
  std::string error = error_of_scan();
  EXPECT_EQ(error.rfind("open " + device_file("0000:00:01.0", "vendor") + ": ", 0), 0u) << error;
}

TEST_F(FakeSysfs, NoPciBusCountsNothing) {
  fs::remove_all(root_ / "bus/pci");
  fs::create_directories(root_ / "bus/platform");
  EXPECT_EQ(scan_pci_topology(root()), PciTopology{});
}

TEST_F(FakeSysfs, UnmountedSysfsIsAnError) {
  fs::remove_all(root_ / "bus");
  EXPECT_EQ(error_of_scan(), root() + "/bus does not exist: sysfs is not mounted on " + root());
}

}  // namespace
}  // namespace ccinit::gpu
