#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace ccinit {

// The value of one hex digit (either case), or -1.
constexpr int hex_digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The value of 1 to 16 hex digits (either case) and nothing else — no "0x", sign or space;
// nullopt otherwise. For device data (sysfs IDs, masks, GIDs) that must be parsed strictly.
constexpr std::optional<std::uint64_t> parse_hex_digits(std::string_view digits) {
  if (digits.empty() || digits.size() > 16) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : digits) {
    const int digit = hex_digit_value(c);
    if (digit < 0) return std::nullopt;
    value = (value << 4) | static_cast<std::uint64_t>(digit);
  }
  return value;
}

}  // namespace ccinit
