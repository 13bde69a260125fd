#pragma once

#include <string>
#include <vector>

#include "helpers/gpu-configurator/fabric_interface.h"
#include "helpers/gpu-configurator/pci_topology.h"
#include "proto/ccinit.pb.h"

// Which mode the guest runs in, from nvrc.mode, nvrc.fm.* and the PCI topology.
namespace ccinit::gpu {

enum class GuestMode {
  kCpu,
  kGpu,        // GPUs, with or without a fabric
  kServiceVm,  // a fabric without GPUs: the VM that runs Fabric Manager for shared NVSwitches
};

// Fabric Manager's FABRIC_MODE: 0 = bare metal / full passthrough, 1 = shared NVSwitch.
inline constexpr unsigned kFabricModeFullPassthrough = 0;
inline constexpr unsigned kFabricModeSharedNvSwitch = 1;

// What the boot does, for gpu-configurator now and the fabric-launcher later.
struct ModeDecision {
  GuestMode mode = GuestMode::kCpu;
  FabricInterface fabric = FabricInterface::kNone;
  // FABRIC_MODE and PARTITION_RAIL_POLICY for Fabric Manager; meaningful only with a fabric
  // (the rail policy is RAIL_POLICY_UNSET without one).
  unsigned fabric_mode = kFabricModeFullPassthrough;
  wire::RailPolicy rail_policy = wire::RAIL_POLICY_UNSET;
  unsigned gpus = 0;
  // The Mellanox PFs that manage an NVLink 5 fabric (PciTopology::management_functions).
  std::vector<std::string> management_functions{};

  bool has_fabric() const { return fabric != FabricInterface::kNone; }
  // One GPU without a fabric has nothing to talk NVLink to: NVreg_NvLinkDisable=1. In a
  // fabric partition of one GPU the links stay up for Fabric Manager.
  bool disable_nvlink() const { return mode == GuestMode::kGpu && gpus == 1 && !has_fabric(); }
  bool operator==(const ModeDecision&) const = default;
};

// "cpu mode", "gpu mode", "gpu mode with an NVLink 4 fabric (FABRIC_MODE=0,
// PARTITION_RAIL_POLICY=greedy)", "servicevm-nvl5 (FABRIC_MODE=1, ...)", for messages.
std::string describe(const ModeDecision& decision);

// The nvrc.mode value naming `d` ("servicevm-nvl5" for the NVLink 5 service VM).
wire::Mode mode_of(const ModeDecision& d);

// `d` as PID 1 relays it to the helpers after gpu-configurator.
wire::Detected to_wire(const ModeDecision& d);

// Decides the mode. Auto: nothing NVIDIA is cpu; GPUs alone are gpu; a fabric with GPUs is gpu
// mode with that fabric (FABRIC_MODE 0), a fabric without GPUs the service VM of its kind
// (FABRIC_MODE 1), whatever the counts. An explicit nvrc.mode must match what that would find
// (cpu: no NVIDIA hardware; gpu: GPUs and no fabric; nvswitch-nvl4/nvl5: GPUs and that
// fabric; servicevm-nvl4/nvl5: that fabric and no GPU). nvrc.fm.mode and
// nvrc.fm.rail.policy override FABRIC_MODE and the rail policy (defaults: greedy for NVLink
// 4, symmetric for NVLink 5, which confidential computing on Blackwell requires); without a
// fabric they have nothing to configure and are ignored. Mixed fabrics and mismatches throw
// std::runtime_error with a one-line reason.
ModeDecision decide_mode(const wire::Config& config, const PciTopology& topology);

}  // namespace ccinit::gpu
