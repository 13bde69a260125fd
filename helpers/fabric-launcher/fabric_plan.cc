#include "helpers/fabric-launcher/fabric_plan.h"

#include <stdexcept>

#include "common/cmdline_config.h"

namespace ccinit::fabric {

FabricPlan plan_from_request(const wire::Request& request) {
  if (!request.has_detected())
    throw std::runtime_error(
        "no mode decision in the request: the fabric-launcher acts on the mode gpu-configurator "
        "detected, which PID 1 relays, and cannot detect it itself (run it through `ccinit "
        "--dry-run`)");
  const wire::Detected& detected = request.detected();
  FabricPlan plan;
  bool with_gpus = false;
  switch (detected.mode()) {
    case wire::MODE_NVSWITCH_NVL4:
      with_gpus = true;
      break;
    case wire::MODE_NVSWITCH_NVL5:
      with_gpus = true;
      plan.nvlink5 = true;
      break;
    case wire::MODE_SERVICEVM_NVL4:
      break;
    case wire::MODE_SERVICEVM_NVL5:
      plan.nvlink5 = true;
      break;
    default:
      throw std::runtime_error("the detected mode " + std::string(mode_name(detected.mode())) +
                               " has no fabric");
  }
  const std::string mode(mode_name(detected.mode()));
  if (with_gpus && detected.gpus() == 0)
    throw std::runtime_error("the detected mode " + mode + " has no GPUs");
  if (!with_gpus && detected.gpus() != 0)
    throw std::runtime_error("the detected mode " + mode + " has " +
                             std::to_string(detected.gpus()) + " GPU(s)");
  if (detected.rail_policy() == wire::RAIL_POLICY_UNSET)
    throw std::runtime_error("the detected mode " + mode + " has no rail policy");
  if (plan.nvlink5 && detected.management_functions().empty())
    throw std::runtime_error("the detected mode " + mode + " has no ConnectX management functions");
  plan.gpus = detected.gpus();
  plan.fabric_mode = detected.fabric_mode();
  plan.rail_policy = detected.rail_policy();
  plan.management_functions.assign(detected.management_functions().begin(),
                                   detected.management_functions().end());
  return plan;
}

}  // namespace ccinit::fabric
