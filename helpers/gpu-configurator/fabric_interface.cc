#include "helpers/gpu-configurator/fabric_interface.h"

#include <stdexcept>
#include <string>

namespace ccinit::gpu {

std::string_view fabric_name(FabricInterface fabric) {
  switch (fabric) {
    case FabricInterface::kNvSwitch:
      return "NVLink 4";
    case FabricInterface::kConnectX:
      return "NVLink 5";
    case FabricInterface::kNone:
      break;
  }
  return "none";
}

FabricInterface classify_fabric(const PciTopology& topology) {
  const bool nvswitches = topology.nvswitches > 0, connectx = topology.sw_mng > 0;
  if (nvswitches && connectx)
    throw std::runtime_error("mixed NVLink fabric: found " + describe(topology) +
                             "; NVSwitches (NVLink 4) and ConnectX SW_MNG functions (NVLink 5) "
                             "cannot both manage the fabric");
  if (nvswitches) return FabricInterface::kNvSwitch;
  if (connectx) return FabricInterface::kConnectX;
  return FabricInterface::kNone;
}

}  // namespace ccinit::gpu
