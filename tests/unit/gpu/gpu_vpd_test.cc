#include "helpers/gpu-configurator/pci_vpd.h"

#include <gtest/gtest.h>

#include "tests/unit/gpu/gpu_fake_sysfs.h"

namespace ccinit::gpu {
namespace {

using testing::vpd_with;
using testing::vpd_with_read_only;

bool is_management(const std::string& vpd, const std::string& path = "p") {
  return vpd_has_field(vpd, kSwitchManagementKeyword, kSwitchManagementValue, path);
}

std::string error_of(const std::string& vpd) {
  try {
    is_management(vpd, "/sys/x/vpd");
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(PciVpd, FindsVaSwMngInTheReadOnlySection) {
  EXPECT_TRUE(is_management(testing::management_vpd()));
  EXPECT_TRUE(is_management(vpd_with({{"PN", "MCX750500B"}, {"VA", "SMDL=SW_MNG"}})));
  EXPECT_FALSE(is_management(testing::nic_vpd()));
  EXPECT_FALSE(is_management("")) << "no VPD, no fields";
}

TEST(PciVpd, FindsVaSwMngInTheReadWriteSection) {
  EXPECT_TRUE(is_management(vpd_with({{"SN", "MT2330X00001"}}, {{"VA", "SMDL=SW_MNG"}})));
}

TEST(PciVpd, SwMngElsewhereIsNotTheMarker) {
  // A raw substring search (NVRC main) takes all of these for a management function.
  EXPECT_FALSE(is_management(vpd_with({{"SN", "SMDL=SW_MNG"}}))) << "serial number";
  EXPECT_FALSE(is_management(vpd_with({{"SN", "MTSW_MNG0001"}}))) << "serial number";
  EXPECT_FALSE(is_management(vpd_with({{"V3", "SW_MNG"}}))) << "another keyword";
  EXPECT_FALSE(is_management(vpd_with({{"VB", "SMDL=SW_MNG"}}))) << "another vendor keyword";
  EXPECT_FALSE(is_management(vpd_with({}, {{"V1", "SMDL=SW_MNG"}}))) << "VPD-W, other keyword";
  // The value must be exactly the marker.
  EXPECT_FALSE(is_management(vpd_with({{"VA", "SMDL=SW_MNG2"}})));
  EXPECT_FALSE(is_management(vpd_with({{"VA", "MLX:SMDL=SW_MNG"}})));
  EXPECT_FALSE(is_management(vpd_with({{"VA", "SW_MNG"}})));
  // The identifier string is not a field.
  std::string id = "VA\x0bSMDL=SW_MNG";
  std::string vpd = std::string("\x82") + static_cast<char>(id.size()) + '\0' + id + '\x78';
  EXPECT_FALSE(is_management(vpd));
}

TEST(PciVpd, DataAfterTheEndTagIsIgnored) {
  EXPECT_TRUE(is_management(testing::management_vpd() + "\xff\xff\x90"));
  EXPECT_FALSE(is_management(testing::nic_vpd() + testing::management_vpd()));
}

TEST(PciVpd, MalformedDataIsAnErrorNamingTheFile) {
  const std::string good = vpd_with_read_only("V3", "SW_MNG");
  std::string no_end = good.substr(0, good.size() - 1);
  EXPECT_EQ(error_of(no_end), "/sys/x/vpd: malformed PCI VPD at byte " +
                                  std::to_string(no_end.size()) + ": no End tag");
  // The VPD-R resource claims more bytes than there are.
  std::string long_resource = good;
  long_resource[11 + 0] = '\x90';
  long_resource[12] = '\x7f';
  EXPECT_NE(error_of(long_resource).find("runs past the end of the data"), std::string::npos)
      << error_of(long_resource);
  // A field claims more bytes than its resource holds.
  std::string long_field = good;
  long_field[16] = '\x40';
  EXPECT_NE(error_of(long_field).find("field V3 of 64 bytes runs past its resource"),
            std::string::npos)
      << error_of(long_field);
  EXPECT_NE(error_of("\x82\x05").find("truncated large resource header"), std::string::npos);
  EXPECT_NE(error_of(std::string("\x85\x00\x00\x78", 4)).find("unknown large resource 0x85"),
            std::string::npos);
  EXPECT_NE(error_of(std::string(kMaxVpdBytes + 1, '\x78')).find("is larger than"),
            std::string::npos);
}

TEST(PciVpd, RandomBytesNeverReadOutOfBounds) {
  // Under ASan: any byte soup either parses or throws, never reads past the data.
  unsigned state = 12345;
  for (int round = 0; round < 2000; ++round) {
    std::string data(state % 64, '\0');
    for (char& c : data) {
      state = state * 1103515245 + 12345;
      c = static_cast<char>(state >> 16);
    }
    try {
      is_management(data);
    } catch (const std::runtime_error&) {
    }
  }
}

}  // namespace
}  // namespace ccinit::gpu
