#include "common/pci_address.h"

#include <cstdio>

#include "common/hex_digits.h"

namespace ccinit {

std::optional<PciAddress> parse_pci_address(std::string_view text) {
  // DOMAIN:BB:DD.F, the domain of variable width (4 digits, more for e.g. VMD domains).
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos || colon < 4 || colon > 8) return std::nullopt;
  // The kernel prints "%04x": a wider domain has no leading zero.
  if (colon > 4 && text[0] == '0') return std::nullopt;
  const std::string_view rest = text.substr(colon);
  if (rest.size() != 8 || rest[0] != ':' || rest[3] != ':' || rest[6] != '.') return std::nullopt;
  const auto domain = parse_hex_digits(text.substr(0, colon));
  const auto bus = parse_hex_digits(rest.substr(1, 2));
  const auto device = parse_hex_digits(rest.substr(4, 2));
  const auto function = parse_hex_digits(rest.substr(7, 1));
  if (!domain || !bus || !device || !function || *device >= 0x20 || *function >= 8)
    return std::nullopt;
  return PciAddress{static_cast<std::uint32_t>(*domain), static_cast<std::uint8_t>(*bus),
                    static_cast<std::uint8_t>(*device), static_cast<std::uint8_t>(*function)};
}

std::string to_string(const PciAddress& address) {
  char text[32];
  std::snprintf(text, sizeof text, "%04x:%02x:%02x.%x", address.domain, address.bus, address.device,
                address.function);
  return text;
}

}  // namespace ccinit
