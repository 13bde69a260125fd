#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "helpers/fabric-launcher/ib_sysfs_value.h"

// The InfiniBand port NVLSM and Fabric Manager manage an NVLink 5 fabric through (`nvlsm -g`,
// `nv-fabricmanager -g`). The sysfs root is a parameter so tests run it on a fake tree; the
// helper passes "/sys".
namespace ccinit::fabric {

struct IbPort {
  std::string device;   // the RDMA device, e.g. "mlx5_4"
  PciAddress function;  // its PCI function
  std::uint32_t port = 0;
  std::uint64_t guid = 0;  // the port GUID: the low 64 bits of GID 0
};

// The longest error select_fabric_manager_port throws: it becomes the power-off line, which
// PID 1 keeps to 1024 bytes and the kernel log to one 992-byte record.
inline constexpr std::size_t kMaxPortErrorBytes = 900;

// Picks the port among <sysfs_root>/class/infiniband/<device>/ports/<N>/ that
//  - belongs to a device whose PCI function (the `device` link) is one of
//    `management_functions` ("0000:c1:00.1": the physical functions in a slot that has an
//    SW_MNG function), so a workload NIC is never chosen, whatever its name;
//  - has link_layer InfiniBand, IsSMDisabled clear in cap_mask, and GID 0 with a non-zero
//    low half.
// Of several, the first by PCI function, then port number, then device name, so the choice
// does not depend on how the kernel named the devices.
//
// Throws IbSysfsError when /sys/class/infiniband is missing or empty, when a management
// function is not a PCI address, or when no port qualifies; then the message names each
// device or port and why it was refused (a malformed or unreadable value with its path),
// ports of management functions first, cut to kMaxPortErrorBytes. Nothing else escapes.
IbPort select_fabric_manager_port(const std::string& sysfs_root,
                                  const std::vector<std::string>& management_functions);

// The GUID as nvlsm and Fabric Manager take it: "0x%016x".
std::string format_port_guid(std::uint64_t guid);

}  // namespace ccinit::fabric
