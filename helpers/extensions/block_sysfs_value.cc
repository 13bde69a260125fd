#include "helpers/extensions/block_sysfs_value.h"

#include <charconv>

#include "common/cmdline_config.h"
#include "common/decimal.h"
#include "common/log_escape.h"
#include "helpers/extensions/extension_error.h"

namespace ccinit::extensions {

namespace {

constexpr std::uint32_t kMaxMajor = (1u << 12) - 1;
constexpr std::uint32_t kMaxMinor = (1u << 20) - 1;

// sysfs values end in exactly one newline; a value read by other means may lack it.
std::string_view without_newline(std::string_view text) {
  if (text.ends_with('\n')) text.remove_suffix(1);
  return text;
}

[[noreturn]] void malformed(const std::string& path, std::string_view expected,
                            std::string_view text) {
  throw ExtensionError(path + ": expected " + std::string(expected) + ", found '" +
                       escape_for_log(text, 48) + "'");
}

}  // namespace

std::optional<std::string> parse_extension_serial(std::string_view text, const std::string& path) {
  std::string_view serial = without_newline(text);
  while (serial.ends_with('\0')) serial.remove_suffix(1);
  if (!serial.starts_with(kExtensionSerialPrefix)) return std::nullopt;
  const std::string_view name = serial.substr(kExtensionSerialPrefix.size());
  if (serial.size() > kVirtioSerialBytes || !valid_extension_name(name))
    throw ExtensionError(path + ": extension disk serial '" + escape_for_log(serial, 48) +
                         "': expected extension-<name> with a name of " +
                         std::string(kExtensionNameRule));
  return std::string(name);
}

std::uint32_t parse_partition_number(std::string_view text, const std::string& path) {
  auto number = parse_kernel_decimal<std::uint32_t>(without_newline(text));
  if (!number || *number == 0) malformed(path, "a partition number from 1", text);
  return *number;
}

DeviceNumber parse_device_number(std::string_view text, const std::string& path) {
  const std::string_view value = without_newline(text);
  const std::size_t colon = value.find(':');
  std::optional<std::uint32_t> major, minor;
  if (colon != std::string_view::npos) {
    major = parse_kernel_decimal<std::uint32_t>(value.substr(0, colon));
    minor = parse_kernel_decimal<std::uint32_t>(value.substr(colon + 1));
  }
  if (!major || !minor || *major > kMaxMajor || *minor > kMaxMinor)
    malformed(path, "MAJOR:MINOR (major below 4096, minor below 1048576)", text);
  return {*major, *minor};
}

std::string to_string(const DeviceNumber& number) {
  return std::to_string(number.major) + ":" + std::to_string(number.minor);
}

std::uint64_t parse_sector_count(std::string_view text, const std::string& path) {
  auto sectors = parse_kernel_decimal<std::uint64_t>(without_newline(text));
  if (!sectors) malformed(path, "a number of 512-byte sectors", text);
  return *sectors;
}

}  // namespace ccinit::extensions
