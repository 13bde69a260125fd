#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

// What the gpu-configurator's mode detection counts on the PCI bus. The sysfs root is a
// parameter so tests run it on a fake tree; the helper passes "/sys".
namespace ccinit::gpu {

inline constexpr std::uint32_t kNvidiaVendor = 0x10de;
inline constexpr std::uint32_t kMellanoxVendor = 0x15b3;

struct PciTopology {
  unsigned gpus = 0;        // NVIDIA, class 0x03xxxx (display controllers)
  unsigned nvswitches = 0;  // NVIDIA, class 0x0680xx (other bridge)
  unsigned sw_mng = 0;      // Mellanox functions whose VPD-R has SW_MNG (NVLink 5 switch trays)

  bool operator==(const PciTopology&) const = default;
};

// "8 NVIDIA GPU(s), 4 NVSwitch(es), 0 Mellanox SW_MNG function(s)", for messages.
std::string describe(const PciTopology& topology);

// Parses a sysfs hex attribute as the kernel prints it: "0x" and exactly `digits` hex
// digits, optionally one trailing newline. Vendor and class files are device-controlled
// data, so anything else throws std::runtime_error naming `path` and the text.
std::uint32_t parse_sysfs_hex(std::string_view text, std::size_t digits, const std::string& path);

// Counts GPUs, NVSwitches and SW_MNG functions in <sysfs_root>/bus/pci/devices/*/{vendor,
// class,vpd}. A missing PCI bus counts nothing; a missing sysfs (<sysfs_root>/bus), a device
// without readable, well-formed vendor and class files, or a Mellanox function with
// malformed VPD throws, naming the path. A Mellanox function without a vpd file is not
// SW_MNG.
PciTopology scan_pci_topology(const std::string& sysfs_root);

}  // namespace ccinit::gpu
