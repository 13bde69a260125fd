#pragma once

#include <string>
#include <string_view>

// PCI Vital Product Data (PCI Local Bus spec, "VPD Format"): the binary `vpd` file sysfs shows
// for a function. The data comes from the device, so parsing is strict and bounded.
namespace ccinit::gpu {

// The largest VPD a function can have: the VPD address register is 15 bits.
inline constexpr std::size_t kMaxVpdBytes = 0x8000;

// True when a read-only (VPD-R) field's value contains `needle` (e.g. "SW_MNG" on the
// Mellanox functions that manage an NVLink 5 switch tray). Parses the resource tags up to
// the End tag; an empty VPD has no fields. Anything malformed (a resource or field running
// past its container, no End tag, unknown large resource, more than kMaxVpdBytes) throws
// std::runtime_error naming `path`.
bool vpd_read_only_field_contains(std::string_view vpd, std::string_view needle,
                                  const std::string& path);

}  // namespace ccinit::gpu
