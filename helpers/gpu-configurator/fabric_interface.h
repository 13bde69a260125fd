#pragma once

#include <string_view>

#include "helpers/gpu-configurator/pci_topology.h"

// Which NVLink fabric the guest was given, from what is on its PCI bus. No device counts:
// a partition gives a guest 1, 2, 4 or 8 GPUs and the switches or management functions that
// serve them, so only the kind of management interface decides.
namespace ccinit::gpu {

enum class FabricInterface {
  kNone,
  kNvSwitch,  // NVSwitches on PCI: NVLink 4 (HGX H100/H200/H800)
  kConnectX,  // ConnectX SW_MNG management functions: NVLink 5 (HGX B100/B200/B300)
};

// "NVLink 4" / "NVLink 5" / "none", for messages.
std::string_view fabric_name(FabricInterface fabric);

// Classifies `topology`'s fabric interface. NVSwitches and SW_MNG functions at once match no
// HGX board and would start the wrong Fabric Manager setup: throws std::runtime_error with
// one line saying what was found.
FabricInterface classify_fabric(const PciTopology& topology);

}  // namespace ccinit::gpu
