#pragma once

#include "helpers/gpu-configurator/pci_topology.h"
#include "proto/ccinit.pb.h"

// Which mode the guest runs in, from nvrc.mode and the PCI topology.
namespace ccinit::gpu {

enum class GuestMode { kCpu, kGpu };

// Auto mode: 0/0/0 is cpu, GPUs alone are gpu; the fabric topologies (8 GPUs + 4
// NVSwitches: NVLink 4, fabric mode 0; 4 NVSwitches alone: servicevm-nvl4; 8 GPUs + 4
// SW_MNG: NVLink 5; 4 SW_MNG alone: servicevm-nvl5) need the fabric-launcher and are refused
// until it exists; anything else is refused with the counts. An explicit mode is checked
// against the hardware: cpu with NVIDIA or SW_MNG hardware present and gpu without a GPU are
// refused. Throws std::runtime_error with a one-line reason.
GuestMode decide_mode(wire::Mode requested, const PciTopology& topology);

}  // namespace ccinit::gpu
