#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "proto/ccinit.pb.h"

// What the fabric-launcher does, from the mode decision gpu-configurator made and PID 1
// relayed (Request.detected): the helper does not scan PCI again.
namespace ccinit::fabric {

struct FabricPlan {
  bool nvlink5 = false;  // ConnectX management ports: port GUID and NVLSM before FM
  unsigned gpus = 0;     // 0: a service VM, no GPU fabric state to wait for
  std::uint32_t fabric_mode = 0;
  wire::RailPolicy rail_policy = wire::RAIL_POLICY_UNSET;
  std::vector<std::string> management_functions;
};

// Throws std::runtime_error (DetectedError for an inconsistent decision, see
// common/detected_mode.h) with one line when the request has no mode decision, or one that
// has no fabric or does not fit the config.
FabricPlan plan_from_request(const wire::Request& request);

}  // namespace ccinit::fabric
