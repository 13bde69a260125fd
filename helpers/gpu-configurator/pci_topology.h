#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

// What the gpu-configurator's mode detection counts on the PCI bus. The sysfs root is a
// parameter so tests run it on a fake tree; the helper passes "/sys".
namespace ccinit::gpu {

inline constexpr std::uint32_t kNvidiaVendor = 0x10de;
inline constexpr std::uint32_t kMellanoxVendor = 0x15b3;

struct PciTopology {
  unsigned gpus = 0;        // NVIDIA, class 0x03xxxx (display controllers)
  unsigned nvswitches = 0;  // NVIDIA, class 0x0680xx (other bridge): NVLink 4
  unsigned sw_mng = 0;      // Mellanox PFs whose VPD-R/VPD-W has VA=SMDL=SW_MNG: NVLink 5
  // Addresses ("0000:c1:00.1") of every Mellanox physical function in a slot (domain:bus:
  // device) that has an SW_MNG function: the Limited PF carrying the marker and its FC PF
  // siblings. The NVLink 5 port GUID must come from one of these, never from a workload NIC.
  // Sorted by address.
  std::vector<std::string> management_functions{};

  bool operator==(const PciTopology&) const = default;
};

// "8 NVIDIA GPU(s), 4 NVSwitch(es), 0 Mellanox SW_MNG function(s)", for messages.
std::string describe(const PciTopology& topology);

// Parses a sysfs hex attribute as the kernel prints it: "0x" and exactly `digits` hex
// digits, optionally one trailing newline. Vendor and class files are device-controlled
// data, so anything else throws std::runtime_error naming `path` and the text.
std::uint32_t parse_sysfs_hex(std::string_view text, std::size_t digits, const std::string& path);

// Counts GPUs, NVSwitches and SW_MNG functions in <sysfs_root>/bus/pci/devices/*/{vendor,
// class,vpd} and lists the management functions. SR-IOV virtual functions (a `physfn` link)
// of Mellanox devices are skipped: they are workload NICs and their VPD is the PF's. A
// missing PCI bus counts nothing; a missing sysfs (<sysfs_root>/bus), a device without
// readable, well-formed vendor and class files, or a Mellanox physical function with
// malformed VPD throws, naming the path. A Mellanox function without a vpd file is not
// SW_MNG.
PciTopology scan_pci_topology(const std::string& sysfs_root);

}  // namespace ccinit::gpu
