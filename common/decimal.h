#pragma once

#include <charconv>
#include <concepts>
#include <optional>
#include <string_view>
#include <system_error>

// Decimal numbers in text from outside (the kernel command line, sysfs and procfs values,
// uevents, pid files): the one strict reader, so no caller accepts a sign, a space or "0x"
// by accident (std::from_chars alone takes "-5" for a signed type).
namespace ccinit {

// The whole of `text` as decimal digits, in range of T; no sign, space or prefix. Leading
// zeros are accepted (a person may write nvrc.timeout.lockdown=030).
template <std::integral T>
std::optional<T> parse_decimal(std::string_view text) {
  if (text.empty()) return std::nullopt;
  for (char c : text)
    if (c < '0' || c > '9') return std::nullopt;
  T value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// As the kernel prints numbers ("%u", "%llu"): parse_decimal without leading zeros, so one
// value has one spelling ("0" itself is fine).
template <std::integral T>
std::optional<T> parse_kernel_decimal(std::string_view text) {
  if (text.size() > 1 && text[0] == '0') return std::nullopt;
  return parse_decimal<T>(text);
}

}  // namespace ccinit
