#include "common/decimal.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace ccinit {
namespace {

TEST(Decimal, DigitsOnlyTheWholeTextInRange) {
  EXPECT_EQ(parse_decimal<std::uint32_t>("0"), 0u);
  EXPECT_EQ(parse_decimal<std::uint32_t>("030"), 30u);
  EXPECT_EQ(parse_decimal<std::uint32_t>("4294967295"), 4294967295u);
  EXPECT_EQ(parse_decimal<int>("2147483647"), 2147483647);
  // from_chars alone would take the sign of a signed type.
  for (const char* bad : {"", "-1", "+1", " 1", "1 ", "0x10", "1a", "4294967296"}) {
    SCOPED_TRACE(bad);
    EXPECT_EQ(parse_decimal<std::uint32_t>(bad), std::nullopt);
    EXPECT_EQ(parse_decimal<std::int64_t>(bad == std::string_view("4294967296") ? "x" : bad),
              std::nullopt);
  }
}

TEST(Decimal, KernelSpellingHasNoLeadingZero) {
  EXPECT_EQ(parse_kernel_decimal<std::uint64_t>("0"), 0u);
  EXPECT_EQ(parse_kernel_decimal<std::uint64_t>("18446744073709551615"), UINT64_MAX);
  EXPECT_EQ(parse_kernel_decimal<std::uint64_t>("030"), std::nullopt);
  EXPECT_EQ(parse_kernel_decimal<std::uint64_t>("00"), std::nullopt);
  EXPECT_EQ(parse_kernel_decimal<std::uint64_t>("18446744073709551616"), std::nullopt);
}

}  // namespace
}  // namespace ccinit
