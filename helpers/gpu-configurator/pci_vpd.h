#pragma once

#include <cstddef>
#include <string>
#include <string_view>

// PCI Vital Product Data (PCI Local Bus spec, "VPD Format"): the binary `vpd` file sysfs shows
// for a function. The data comes from the device, so parsing is strict and bounded.
namespace ccinit::gpu {

// The largest VPD a function can have: the VPD address register is 15 bits.
inline constexpr std::size_t kMaxVpdBytes = 0x8000;

// The VPD keyword and value that mark a ConnectX function managing an NVLink 5 switch tray
// (NVIDIA HGX shared-NVSwitch passthrough guide): the function's VPD-R or VPD-W carries
// `VA` = `SMDL=SW_MNG`.
inline constexpr std::string_view kSwitchManagementKeyword = "VA";
inline constexpr std::string_view kSwitchManagementValue = "SMDL=SW_MNG";

// True when a field of the read-only (VPD-R) or read-write (VPD-W) resource has `keyword` and
// exactly `value`. The match is by structure, never by substring: the same text in a serial
// number, another keyword or the identifier string is not the field. Parses the resource tags
// up to the End tag; an empty VPD has no fields. Anything malformed (a resource or field
// running past its container, no End tag, unknown large resource, more than kMaxVpdBytes)
// throws std::runtime_error naming `path`, with the device's bytes escaped.
bool vpd_has_field(std::string_view vpd, std::string_view keyword, std::string_view value,
                   const std::string& path);

}  // namespace ccinit::gpu
