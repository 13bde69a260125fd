#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

// Parsers of the values /sys/block/<disk> shows for a disk and its partitions. The text comes
// from the kernel and, for the serial, from the hypervisor, so each accepts exactly what the
// kernel prints and throws ExtensionError naming the file and the value (escaped) otherwise.
namespace ccinit::extensions {

inline constexpr std::string_view kExtensionSerialPrefix = "extension-";
// virtio-blk's ID field (VIRTIO_BLK_ID_BYTES).
inline constexpr std::size_t kVirtioSerialBytes = 20;

// /sys/block/<disk>/serial: the extension name when the serial is "extension-<name>", nullopt
// for any other disk (not ours to judge). virtio_blk prints the 20-byte ID up to its first
// NUL; a device that pads with NULs or a kernel that ends the value with one newline is
// tolerated (the newline, then trailing NULs, are dropped). A serial that starts with
// "extension-" but is longer than 20 bytes or whose name breaks valid_extension_name throws.
std::optional<std::string> parse_extension_serial(std::string_view text, const std::string& path);

// <partition>/partition: its number, "%d\n" (1 or more, no sign or leading zero).
std::uint32_t parse_partition_number(std::string_view text, const std::string& path);

// A block device number as <partition>/dev shows it, "MAJOR:MINOR\n" (decimal, major below
// 4096, minor below 2^20: the kernel's dev_t split).
struct DeviceNumber {
  std::uint32_t major = 0;
  std::uint32_t minor = 0;
  bool operator==(const DeviceNumber&) const = default;
};
DeviceNumber parse_device_number(std::string_view text, const std::string& path);
// "MAJOR:MINOR", as device-mapper tables name devices.
std::string to_string(const DeviceNumber& number);

// <partition>/size: its length in 512-byte sectors, "%llu\n".
std::uint64_t parse_sector_count(std::string_view text, const std::string& path);

}  // namespace ccinit::extensions
