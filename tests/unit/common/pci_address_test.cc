#include "common/pci_address.h"

#include <gtest/gtest.h>

namespace ccinit {
namespace {

TEST(ParsePciAddress, AcceptsSysfsNamesOnly) {
  EXPECT_EQ(parse_pci_address("0000:c1:00.1"), (PciAddress{0, 0xc1, 0, 1}));
  EXPECT_EQ(parse_pci_address("10000:01:1f.7"), (PciAddress{0x10000, 1, 0x1f, 7}));
  EXPECT_EQ(to_string(PciAddress{0, 0xc1, 0, 1}), "0000:c1:00.1");
  for (const char* bad :
       {"", "c1:00.1", "000:c1:00.1", "0000:c1:00.8", "0000:c1:20.0", "0000:c1:00.1\n",
        "00000:c1:00.1", "0000:c1:00:1", "0000:c1:0.1", "mlx5_0"}) {
    SCOPED_TRACE(bad);
    EXPECT_EQ(parse_pci_address(bad), std::nullopt);
  }
}

}  // namespace
}  // namespace ccinit
