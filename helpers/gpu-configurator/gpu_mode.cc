#include "helpers/gpu-configurator/gpu_mode.h"

#include <stdexcept>
#include <string>

#include "common/cmdline_config.h"

namespace ccinit::gpu {

namespace {

// The mode nvrc.mode=auto would pick; explicit modes are checked against it.
ModeDecision detect(const PciTopology& t) {
  ModeDecision d{.fabric = classify_fabric(t), .gpus = t.gpus};
  if (!d.has_fabric()) {
    d.mode = t.gpus > 0 ? GuestMode::kGpu : GuestMode::kCpu;
    return d;
  }
  d.mode = t.gpus > 0 ? GuestMode::kGpu : GuestMode::kServiceVm;
  d.fabric_mode =
      d.mode == GuestMode::kGpu ? kFabricModeFullPassthrough : kFabricModeSharedNvSwitch;
  d.rail_policy = d.fabric == FabricInterface::kNvSwitch ? wire::RAIL_POLICY_GREEDY
                                                         : wire::RAIL_POLICY_SYMMETRIC;
  if (d.fabric == FabricInterface::kConnectX) d.management_functions = t.management_functions;
  return d;
}

bool nothing_found(const PciTopology& t) {
  return t.gpus == 0 && t.nvswitches == 0 && t.sw_mng == 0;
}

}  // namespace

wire::Mode mode_of(const ModeDecision& d) {
  switch (d.mode) {
    case GuestMode::kCpu:
      return wire::MODE_CPU;
    case GuestMode::kGpu:
      if (d.fabric == FabricInterface::kNvSwitch) return wire::MODE_NVSWITCH_NVL4;
      if (d.fabric == FabricInterface::kConnectX) return wire::MODE_NVSWITCH_NVL5;
      return wire::MODE_GPU;
    case GuestMode::kServiceVm:
      break;
  }
  return d.fabric == FabricInterface::kNvSwitch ? wire::MODE_SERVICEVM_NVL4
                                                : wire::MODE_SERVICEVM_NVL5;
}

namespace {

void apply_fabric_manager_overrides(const wire::Config& config, ModeDecision& d) {
  if (!d.has_fabric()) return;
  if (config.has_fm_mode()) d.fabric_mode = config.fm_mode();
  if (config.fm_rail_policy() != wire::RAIL_POLICY_UNSET) d.rail_policy = config.fm_rail_policy();
}

}  // namespace

std::string describe(const ModeDecision& d) {
  std::string fabric_manager =
      " (FABRIC_MODE=" + std::to_string(d.fabric_mode) +
      ", PARTITION_RAIL_POLICY=" + std::string(rail_policy_name(d.rail_policy)) + ")";
  switch (d.mode) {
    case GuestMode::kCpu:
      return "cpu mode";
    case GuestMode::kGpu:
      if (!d.has_fabric()) return "gpu mode";
      return "gpu mode with an " + std::string(fabric_name(d.fabric)) + " fabric" + fabric_manager;
    case GuestMode::kServiceVm:
      break;
  }
  return std::string(mode_name(mode_of(d))) + fabric_manager;
}

wire::Detected to_wire(const ModeDecision& d) {
  wire::Detected out;
  out.set_mode(mode_of(d));
  out.set_gpus(d.gpus);
  if (d.has_fabric()) {
    out.set_fabric_mode(d.fabric_mode);
    out.set_rail_policy(d.rail_policy);
  }
  for (const std::string& bdf : d.management_functions) out.add_management_functions(bdf);
  return out;
}

ModeDecision decide_mode(const wire::Config& config, const PciTopology& t) {
  ModeDecision found = detect(t);
  apply_fabric_manager_overrides(config, found);
  const wire::Mode requested = config.mode();
  if (requested == wire::MODE_AUTO || requested == mode_of(found)) return found;
  const std::string mode = "nvrc.mode=" + std::string(mode_name(requested));
  if (requested == wire::MODE_CPU) {
    // cpu with NVIDIA hardware is refused outright: it would leave that hardware unconfigured.
    throw std::runtime_error(mode + " but found " + describe(t) +
                             ": refusing to leave them unconfigured; use nvrc.mode=auto");
  }
  if (nothing_found(t)) throw std::runtime_error(mode + " but found " + describe(t));
  throw std::runtime_error(mode + " but found " + describe(t) + ", which is " + describe(found) +
                           "; use nvrc.mode=auto");
}

}  // namespace ccinit::gpu
