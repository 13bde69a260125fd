#include "helpers/fabric-launcher/ib_port_guid.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/unit/fabric/fake_infiniband.h"

namespace ccinit::fabric {
namespace {

namespace fs = std::filesystem;
using testing::FakeInfiniband;
using testing::FakePort;

// An HGX B200 tray: the CX7 bridge's functions at c1:00.0 (FC PF) and c1:00.1 (LPF, SW_MNG)
// manage the fabric; workload NICs sit at 01:00.0 and 02:00.0.
const std::vector<std::string> kManagement = {"0000:c1:00.0", "0000:c1:00.1"};

FakePort sm_disabled() {
  FakePort port;
  port.cap_mask = "0x2651ec4a\n";  // bit 10 set
  return port;
}
FakePort ethernet() {
  FakePort port;
  port.link_layer = "Ethernet\n";
  port.gid0 = "fe80:0000:0000:0000:0a5e:45ff:fe12:3456\n";
  return port;
}
FakePort zero_guid() {
  FakePort port;
  port.gid0 = "fe80:0000:0000:0000:0000:0000:0000:0000\n";
  return port;
}
FakePort with_gid(const std::string& gid0) {
  FakePort port;
  port.gid0 = gid0;
  return port;
}

TEST(ParseIbCapMask, AcceptsOnlyTheKernelsFormat) {
  EXPECT_EQ(parse_ib_cap_mask("0x2651e84a\n", "c"), 0x2651e84au);
  EXPECT_EQ(parse_ib_cap_mask("0x00000400", "c"), kIbPortCapSmDisabled);
  EXPECT_EQ(parse_ib_cap_mask("0xFFFFFFFF\n", "c"), 0xffffffffu);
  for (const char* bad :
       {"", "\n", "2651e84a\n", "0x2651e84\n", "0x2651e84a0\n", "0x2651e84g\n", " 0x2651e84a\n",
        "0x2651e84a\n\n", "0X2651e84a\n", "0x-651e84a\n", "0x+651e84a\n", "0x2651e84a \n"}) {
    SCOPED_TRACE(bad);
    EXPECT_THROW(parse_ib_cap_mask(bad, "c"), IbSysfsError);
  }
}

TEST(ParseIbCapMask, ErrorNamesTheFileAndShowsTheTextSafely) {
  try {
    parse_ib_cap_mask("0x\x01\n", "/sys/p/cap_mask");
    FAIL();
  } catch (const IbSysfsError& e) {
    EXPECT_STREQ(e.what(), "/sys/p/cap_mask: expected 0x and 8 hex digits, found '0x\\x01\\x0a'");
  }
}

TEST(ParseIbGid, SplitsPrefixAndPortGuid) {
  EXPECT_EQ(parse_ib_gid("fe80:0000:0000:0000:b83f:d203:00a1:b2c3\n", "g"),
            (IbGid{0xfe80000000000000u, 0xb83fd20300a1b2c3u}));
  EXPECT_EQ(parse_ib_gid("FE80:0000:0000:0001:B83F:D203:00A1:B2C3", "g"),
            (IbGid{0xfe80000000000001u, 0xb83fd20300a1b2c3u}));
}

TEST(ParseIbGid, RefusesAnythingButEightGroupsOfFourDigits) {
  for (const char* bad :
       {"", "\n", "fe80::b83f:d203:a1:b2c3\n", "fe80:0000:0000:0000:b83f:d203:00a1\n",
        "fe80:0000:0000:0000:b83f:d203:00a1:b2c3:0000\n",
        "fe80:0000:0000:0000:b83f:d203:00a1:b2c\n", "fe80:0000:0000:0000:b83f:d203:00a1:b2c3x\n",
        "fe80-0000-0000-0000-b83f-d203-00a1-b2c3\n", "fe80:0000:0000:0000:b83f:d203:00a1:b2cg\n",
        "fe80:0000:0000:0000:b83f:d203:00a1: b2c\n",
        "fe80:0000:0000:0000:b83f:d203:00a1:b2c3\n\n"}) {
    SCOPED_TRACE(bad);
    EXPECT_THROW(parse_ib_gid(bad, "g"), IbSysfsError);
  }
}

TEST(ParseIbPortNumber, DecimalFromOne) {
  EXPECT_EQ(parse_ib_port_number("1"), 1u);
  EXPECT_EQ(parse_ib_port_number("12"), 12u);
  for (const char* bad : {"", "0", "01", "-1", "+1", "1a", "4294967296"}) {
    SCOPED_TRACE(bad);
    EXPECT_EQ(parse_ib_port_number(bad), std::nullopt);
  }
}

TEST(FormatPortGuid, SixteenLowerCaseDigits) {
  EXPECT_EQ(format_port_guid(0xb83fd20300a1b2c3u), "0xb83fd20300a1b2c3");
  EXPECT_EQ(format_port_guid(0x1u), "0x0000000000000001");
}

TEST_F(FakeInfiniband, PicksTheManagementFunctionsInfiniBandPort) {
  add_device_with_port("mlx5_4", "0000:c1:00.1");
  const IbPort port = select(kManagement);
  EXPECT_EQ(port.device, "mlx5_4");
  EXPECT_EQ(port.function, (PciAddress{0, 0xc1, 0, 1}));
  EXPECT_EQ(port.port, 1u);
  EXPECT_EQ(format_port_guid(port.guid), "0xb83fd20300a1b2c3");
}

// NVRC (main) took the first device by name with port 1 not SM-disabled: here the workload
// NIC mlx5_0, which would hand the fabric manager a port of the wrong fabric.
TEST_F(FakeInfiniband, NeverPicksAWorkloadNicSortedFirstByName) {
  add_device_with_port("mlx5_0", "0000:01:00.0",
                       with_gid("fe80:0000:0000:0000:0000:0000:0000:0001\n"));
  add_device_with_port("mlx5_1", "0000:02:00.0",
                       with_gid("fe80:0000:0000:0000:0000:0000:0000:0002\n"));
  add_device_with_port("mlx5_4", "0000:c1:00.1");
  EXPECT_EQ(select(kManagement).device, "mlx5_4");
}

TEST_F(FakeInfiniband, RefusesSmDisabledEthernetZeroGuidAndNonManagementPorts) {
  add_device_with_port("mlx5_0", "0000:01:00.0");  // workload NIC
  add_device_with_port("mlx5_1", "0000:c1:02.3");  // a VF: never a management function
  add_device_with_port("mlx5_2", "0000:c1:00.0", sm_disabled());
  add_device_with_port("mlx5_3", "0000:c1:00.1", ethernet());
  add_device_with_port("mlx5_5", "0000:c2:00.0", zero_guid());
  add_device_with_port("mlx5_9", "0000:d1:00.0");  // the only good one
  EXPECT_EQ(select({"0000:c1:00.0", "0000:c1:00.1", "0000:c2:00.0", "0000:d1:00.0"}).device,
            "mlx5_9");
}

TEST_F(FakeInfiniband, ErrorListsEveryRefusalWithItsReasonManagementPortsFirst) {
  add_device_with_port("mlx5_0", "0000:01:00.0");
  add_device_with_port("mlx5_1", "0000:c1:02.3");
  add_device_with_port("mlx5_2", "0000:c1:00.0", sm_disabled());
  add_device_with_port("mlx5_3", "0000:c1:00.1", ethernet());
  add_device_with_port("mlx5_5", "0000:c2:00.0", zero_guid());
  FakePort bad_cap_mask;
  bad_cap_mask.cap_mask = "0x2651e84a 1\n";
  add_device_with_port("mlx5_6", "0000:c2:00.1", bad_cap_mask);
  add_device_with_port("mlx5_7", "0000:c3:00.0", with_gid("fe80::1\n"));
  add_device_with_port("mlx5_8", "0000:c3:00.1");
  fs::remove(port_file("mlx5_8", 1, "cap_mask"));
  EXPECT_EQ(error_of_select({"0000:c1:00.0", "0000:c1:00.1", "0000:c2:00.0", "0000:c2:00.1",
                             "0000:c3:00.0", "0000:c3:00.1"}),
            "no InfiniBand port for the NVLink fabric manager: "
            "mlx5_2 (0000:c1:00.0) port 1: SM disabled (IsSMDisabled set in cap_mask 0x2651ec4a); "
            "mlx5_3 (0000:c1:00.1) port 1: link layer Ethernet; "
            "mlx5_5 (0000:c2:00.0) port 1: zero GID (GID 0 has no port GUID); "
            "mlx5_6 (0000:c2:00.1) port 1: " +
                port_file("mlx5_6", 1, "cap_mask") +
                ": expected 0x and 8 hex digits, found '0x2651e84a 1\\x0a'; "
                "mlx5_7 (0000:c3:00.0) port 1: " +
                port_file("mlx5_7", 1, "gids/0") +
                ": expected a GID of 8 groups of 4 hex digits, found 'fe80::1\\x0a'; "
                "mlx5_8 (0000:c3:00.1) port 1: open " +
                port_file("mlx5_8", 1, "cap_mask") +
                ": No such file or directory; "
                "mlx5_0 (0000:01:00.0): not a management function; "
                "mlx5_1 (0000:c1:02.3): not a management function");
}

TEST_F(FakeInfiniband, SeveralQualifyingPortsGiveTheFirstByPciAddressThenPortThenName) {
  // Names in the opposite order of the PCI addresses, and a second port that sorts before
  // another device's first only by address.
  add_device_with_port("mlx5_0", "0000:c2:00.0",
                       with_gid("fe80:0000:0000:0000:0000:0000:0000:00c2\n"));
  add_device("mlx5_1", "0000:c1:00.1");
  add_port("mlx5_1", 2, with_gid("fe80:0000:0000:0000:0000:0000:0000:0012\n"));
  add_port("mlx5_1", 10, with_gid("fe80:0000:0000:0000:0000:0000:0000:0110\n"));
  const std::vector<std::string> management = {"0000:c1:00.1", "0000:c2:00.0"};
  EXPECT_EQ(format_port_guid(select(management).guid), "0x0000000000000012");

  // Port 10 sorts after port 2 as a number (as text it would come first), and on the same
  // function the lower port wins over the device name.
  add_port("mlx5_1", 1, sm_disabled());
  const IbPort port = select(management);
  EXPECT_EQ(port.device, "mlx5_1");
  EXPECT_EQ(port.port, 2u);
}

TEST_F(FakeInfiniband, SameFunctionAndPortSortByDeviceName) {
  add_device_with_port("mlx5_b", "0000:c1:00.1",
                       with_gid("fe80:0000:0000:0000:0000:0000:0000:000b\n"));
  add_device_with_port("mlx5_a", "0000:c1:00.1",
                       with_gid("fe80:0000:0000:0000:0000:0000:0000:000a\n"));
  EXPECT_EQ(select(kManagement).device, "mlx5_a");
}

TEST_F(FakeInfiniband, PortTwoQualifiesWhenPortOneDoesNot) {
  add_device("mlx5_4", "0000:c1:00.1");
  add_port("mlx5_4", 1, sm_disabled());
  add_port("mlx5_4", 2, with_gid("fe80:0000:0000:0000:b83f:d203:00a1:b2c4\n"));
  const IbPort port = select(kManagement);
  EXPECT_EQ(port.port, 2u);
  EXPECT_EQ(format_port_guid(port.guid), "0xb83fd20300a1b2c4");
}

TEST_F(FakeInfiniband, AManagementFunctionNotInTheListIsRefused) {
  // A PF of another slot (its VPD had no SW_MNG): a perfectly good port, but not ours.
  add_device_with_port("mlx5_0", "0000:c1:00.0");
  EXPECT_EQ(error_of_select({"0000:c1:00.1"}),
            "no InfiniBand port for the NVLink fabric manager: "
            "mlx5_0 (0000:c1:00.0): not a management function");
}

TEST_F(FakeInfiniband, DevicesWithoutAPciFunctionOrPortsAreNamed) {
  add_device_with_port("mlx5_4", "0000:c1:00.1");
  fs::remove_all(fs::path(root()) / "class/infiniband/mlx5_4/ports");
  fs::create_directories(fs::path(root()) / "class/infiniband/rxe0/ports/1");
  add_device("mlx5_5", "0000:c1:00.0");
  fs::create_directories(fs::path(root()) / "class/infiniband/mlx5_5/ports/01");
  EXPECT_EQ(error_of_select(kManagement),
            "no InfiniBand port for the NVLink fabric manager: "
            "mlx5_5 (0000:c1:00.0): port directory '01' is not a port number; "
            "mlx5_4 (0000:c1:00.1): no ports (No such file or directory); "
            "rxe0: no PCI function (no device link)");
}

TEST_F(FakeInfiniband, OversizedValuesAreRefusedWithoutReadingThemWhole) {
  add_device_with_port("mlx5_4", "0000:c1:00.1");
  dir_.write(port_file("mlx5_4", 1, "cap_mask"), std::string(1 << 20, '0'));
  EXPECT_EQ(
      error_of_select(kManagement),
      "no InfiniBand port for the NVLink fabric manager: mlx5_4 (0000:c1:00.1) port 1: read " +
          port_file("mlx5_4", 1, "cap_mask") + " (more than 4096 bytes): File too large");
}

TEST_F(FakeInfiniband, ErrorStaysBoundedWithManyDevices) {
  for (int i = 0; i < 32; ++i) {
    char bdf[16];
    std::snprintf(bdf, sizeof bdf, "0000:%02x:00.0", i + 1);
    add_device_with_port("mlx5_" + std::to_string(i), bdf);
  }
  const std::string error = error_of_select(kManagement);
  EXPECT_LE(error.size(), kMaxPortErrorBytes);
  EXPECT_TRUE(
      error.starts_with("no InfiniBand port for the NVLink fabric manager: "
                        "mlx5_0 (0000:01:00.0): not a management function; "))
      << error;
  EXPECT_TRUE(error.ends_with(" more")) << error;
}

TEST_F(FakeInfiniband, AnOverlongFirstReasonIsCutNotDropped) {
  // Only a long sysfs root makes one reason longer than the whole error may be.
  move_root_to(fs::path(std::string(250, 'r')) / std::string(250, 'r') / std::string(250, 'r'));
  add_device_with_port("mlx5_4", "0000:c1:00.1", zero_guid());
  fs::remove(port_file("mlx5_4", 1, "link_layer"));
  const std::string error = error_of_select(kManagement);
  EXPECT_LE(error.size(), kMaxPortErrorBytes);
  EXPECT_TRUE(
      error.starts_with("no InfiniBand port for the NVLink fabric manager: "
                        "mlx5_4 (0000:c1:00.1) port 1: open " +
                        root().substr(0, 300)))
      << error;
  EXPECT_TRUE(error.ends_with("...")) << error;
}

TEST_F(FakeInfiniband, MissingOrEmptyClassDirectoryIsANamedError) {
  const std::string class_dir = root() + "/class/infiniband";
  EXPECT_EQ(error_of_select(kManagement),
            class_dir + " is empty (no InfiniBand device: are ib_umad and mlx5_ib loaded?)");
  fs::remove(class_dir);
  EXPECT_EQ(error_of_select(kManagement),
            class_dir + " does not exist (no InfiniBand device: are ib_umad and mlx5_ib loaded?)");
}

TEST_F(FakeInfiniband, AMalformedManagementFunctionIsAnError) {
  add_device_with_port("mlx5_4", "0000:c1:00.1");
  EXPECT_EQ(error_of_select({"c1:00.1"}), "management function 'c1:00.1' is not a PCI address");
}

}  // namespace
}  // namespace ccinit::fabric
