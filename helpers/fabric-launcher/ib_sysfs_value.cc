#include "helpers/fabric-launcher/ib_sysfs_value.h"

#include <cstdio>

#include "common/decimal.h"
#include "common/hex_digits.h"
#include "common/log_escape.h"

namespace ccinit::fabric {

namespace {

// How much of a malformed value an error shows: enough to recognise it, never a flood.
constexpr std::size_t kShownValueBytes = 48;

// sysfs values end in exactly one newline; a value read by other means may lack it.
std::string_view without_newline(std::string_view text) {
  if (text.ends_with('\n')) text.remove_suffix(1);
  return text;
}

[[noreturn]] void malformed(const std::string& path, std::string_view expected,
                            std::string_view text) {
  throw IbSysfsError(path + ": expected " + std::string(expected) + ", found '" +
                     escape_for_log(text, kShownValueBytes) + "'");
}

}  // namespace

std::uint32_t parse_ib_cap_mask(std::string_view text, const std::string& path) {
  const std::string_view value = without_newline(text);
  std::optional<std::uint64_t> mask;
  if (value.size() == 10 && value.starts_with("0x")) mask = parse_hex_digits(value.substr(2));
  if (!mask) malformed(path, "0x and 8 hex digits", text);
  return static_cast<std::uint32_t>(*mask);
}

IbGid parse_ib_gid(std::string_view text, const std::string& path) {
  constexpr std::size_t kGroups = 8;
  constexpr std::size_t kGidTextBytes = kGroups * 5 - 1;
  const std::string_view value = without_newline(text);
  IbGid gid;
  bool ok = value.size() == kGidTextBytes;
  for (std::size_t group = 0; ok && group < kGroups; ++group) {
    const std::size_t at = group * 5;
    if (group > 0 && value[at - 1] != ':') {
      ok = false;
      break;
    }
    const std::optional<std::uint64_t> bits = parse_hex_digits(value.substr(at, 4));
    if (!bits) {
      ok = false;
      break;
    }
    std::uint64_t& half = group < kGroups / 2 ? gid.subnet_prefix : gid.interface_id;
    half = (half << 16) | *bits;
  }
  if (!ok) malformed(path, "a GID of 8 groups of 4 hex digits", text);
  return gid;
}

std::optional<std::string_view> parse_ib_link_layer(std::string_view text) {
  const std::string_view value = without_newline(text);
  if (value.empty() || value.size() > 32) return std::nullopt;
  for (char c : value)
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))) return std::nullopt;
  return value;
}

std::optional<std::uint32_t> parse_ib_port_number(std::string_view name) {
  const std::optional<std::uint32_t> port = parse_kernel_decimal<std::uint32_t>(name);
  if (!port || *port == 0) return std::nullopt;
  return port;
}

}  // namespace ccinit::fabric
