#include "helpers/gpu-configurator/pci_vpd.h"

#include <gtest/gtest.h>

#include "tests/unit/gpu/gpu_fake_sysfs.h"

namespace ccinit::gpu {
namespace {

using testing::vpd_with_read_only;

std::string error_of(const std::string& vpd) {
  try {
    vpd_read_only_field_contains(vpd, "SW_MNG", "/sys/x/vpd");
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(PciVpd, FindsTheNeedleInAReadOnlyField) {
  EXPECT_TRUE(vpd_read_only_field_contains(vpd_with_read_only("V3", "x SW_MNG y"), "SW_MNG", "p"));
  EXPECT_FALSE(vpd_read_only_field_contains(vpd_with_read_only("V3", "SW_MN"), "SW_MNG", "p"));
  EXPECT_FALSE(vpd_read_only_field_contains("", "SW_MNG", "p")) << "no VPD, no fields";
}

TEST(PciVpd, OnlyReadOnlyFieldsCount) {
  // The same text in the identifier string or in a VPD-W field is not the marker.
  std::string id = "SW_MNG";
  std::string vpd = std::string("\x82") + static_cast<char>(id.size()) + '\0' + id;
  std::string rw = "V1" + std::string(1, '\x06') + "SW_MNG";
  vpd += std::string("\x91") + static_cast<char>(rw.size()) + '\0' + rw;
  vpd += '\x78';
  EXPECT_FALSE(vpd_read_only_field_contains(vpd, "SW_MNG", "p"));
}

TEST(PciVpd, DataAfterTheEndTagIsIgnored) {
  EXPECT_TRUE(vpd_read_only_field_contains(vpd_with_read_only("V3", "SW_MNG") + "\xff\xff\x90",
                                           "SW_MNG", "p"));
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
      vpd_read_only_field_contains(data, "SW_MNG", "p");
    } catch (const std::runtime_error&) {
    }
  }
}

}  // namespace
}  // namespace ccinit::gpu
