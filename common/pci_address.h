#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ccinit {

// A PCI function as sysfs names it, "0000:c1:00.1": a domain of 4 to 8 hex digits (no
// leading zero beyond 4), then bus (2 digits), device (2 digits, below 0x20) and function
// (0-7).
struct PciAddress {
  std::uint32_t domain = 0;
  std::uint8_t bus = 0;
  std::uint8_t device = 0;
  std::uint8_t function = 0;
  auto operator<=>(const PciAddress&) const = default;
};
std::optional<PciAddress> parse_pci_address(std::string_view text);
// "0000:c1:00.1" (lower case, the domain at least 4 digits), as the kernel names it.
std::string to_string(const PciAddress& address);

}  // namespace ccinit
