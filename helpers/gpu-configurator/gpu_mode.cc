#include "helpers/gpu-configurator/gpu_mode.h"

#include <optional>
#include <stdexcept>
#include <string>

#include "common/cmdline_config.h"

namespace ccinit::gpu {

namespace {

// The fabric topology's name when `topology` is one, for the refusal message.
std::optional<std::string> fabric_topology(const PciTopology& t) {
  if (t.gpus == 8 && t.nvswitches == 4 && t.sw_mng == 0)
    return "gpu mode with an NVLink 4 fabric (fabric mode 0)";
  if (t.gpus == 0 && t.nvswitches == 4 && t.sw_mng == 0) return "servicevm-nvl4";
  if (t.gpus == 8 && t.nvswitches == 0 && t.sw_mng == 4) return "gpu mode with an NVLink 5 fabric";
  if (t.gpus == 0 && t.nvswitches == 0 && t.sw_mng == 4) return "servicevm-nvl5";
  return std::nullopt;
}

bool nothing_found(const PciTopology& t) {
  return t.gpus == 0 && t.nvswitches == 0 && t.sw_mng == 0;
}

[[noreturn]] void refuse_fabric(const std::string& what, const PciTopology& t) {
  throw std::runtime_error("found " + describe(t) + ": " + what +
                           " needs fabric-launcher, not implemented yet");
}

}  // namespace

GuestMode decide_mode(wire::Mode requested, const PciTopology& t) {
  const std::string mode = "nvrc.mode=" + std::string(mode_name(requested));
  switch (requested) {
    case wire::MODE_AUTO:
      if (nothing_found(t)) return GuestMode::kCpu;
      if (t.gpus > 0 && t.nvswitches == 0 && t.sw_mng == 0) return GuestMode::kGpu;
      if (auto fabric = fabric_topology(t)) refuse_fabric(*fabric, t);
      throw std::runtime_error("unsupported PCI topology: found " + describe(t) +
                               "; expected GPUs alone, 8 GPUs with 4 NVSwitches or 4 SW_MNG, "
                               "or 4 NVSwitches or 4 SW_MNG alone");
    case wire::MODE_CPU:
      if (!nothing_found(t))
        throw std::runtime_error(mode + " but found " + describe(t) +
                                 ": refusing to leave them unconfigured; use nvrc.mode=auto");
      return GuestMode::kCpu;
    case wire::MODE_GPU:
      if (t.gpus == 0) throw std::runtime_error(mode + " but found " + describe(t));
      if (auto fabric = fabric_topology(t)) refuse_fabric(*fabric, t);
      if (t.nvswitches != 0 || t.sw_mng != 0)
        throw std::runtime_error(mode + " but found " + describe(t) +
                                 ": NVSwitches and SW_MNG functions need a fabric mode");
      return GuestMode::kGpu;
    default:
      throw std::runtime_error(mode + " needs fabric-launcher, not implemented yet");
  }
}

}  // namespace ccinit::gpu
