#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "helpers/runtime/reporter.h"
#include "proto/ccinit.pb.h"

// The gpu-configurator's mode detection from PCI topology. The sysfs root is a parameter so
// tests run it on a fake tree; the helper passes "/sys".
namespace ccinit::gpu {

inline constexpr std::uint32_t kNvidiaVendor = 0x10de;

struct NvidiaDevices {
  unsigned gpus = 0;        // class 0x03xxxx (display controllers)
  unsigned nvswitches = 0;  // class 0x0680xx (other bridge)
};

// Parses a sysfs hex attribute as the kernel prints it: "0x" and exactly `digits` hex
// digits, optionally one trailing newline. Vendor and class files are device-controlled
// data, so anything else throws std::runtime_error naming `path` and the text.
std::uint32_t parse_sysfs_hex(std::string_view text, std::size_t digits, const std::string& path);

// Counts NVIDIA GPUs and NVSwitches in <sysfs_root>/bus/pci/devices/*/{vendor,class}.
// A missing PCI bus counts nothing; a missing sysfs (<sysfs_root>/bus) or a device without
// readable, well-formed vendor and class files throws, naming the path.
NvidiaDevices count_nvidia_devices(const std::string& sysfs_root);

// The helper's job: in auto mode detect the mode, succeeding only for CPU mode (no NVIDIA
// GPU or NVSwitch) until GPU and fabric modes exist; fail closed otherwise.
void configure(const wire::Request& request, helper::Reporter& reporter,
               const std::string& sysfs_root);

}  // namespace ccinit::gpu
