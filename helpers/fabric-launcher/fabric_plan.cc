#include "helpers/fabric-launcher/fabric_plan.h"

#include <stdexcept>

#include "common/detected_mode.h"

namespace ccinit::fabric {

FabricPlan plan_from_request(const wire::Request& request) {
  if (!request.has_detected())
    throw std::runtime_error(
        "no mode decision in the request: the fabric-launcher acts on the mode gpu-configurator "
        "detected, which PID 1 relays, and cannot detect it itself (run it through `ccinit "
        "--dry-run`)");
  const wire::Detected& detected = request.detected();
  // The same check PID 1 made before relaying it: this helper trusts no input it can check.
  check_detected(request.config(), detected);
  if (!has_fabric(detected))
    throw std::runtime_error("the detected mode " + describe_detected(detected) + " has no fabric");
  FabricPlan plan;
  plan.nvlink5 = is_nvlink5(detected);
  plan.gpus = detected.gpus();
  plan.fabric_mode = detected.fabric_mode();
  plan.rail_policy = detected.rail_policy();
  plan.management_functions.assign(detected.management_functions().begin(),
                                   detected.management_functions().end());
  return plan;
}

}  // namespace ccinit::fabric
