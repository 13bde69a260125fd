#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include "proto/ccinit.pb.h"

// gpu-configurator's mode decision as it travels: its result to PID 1, then PID 1's requests
// to the helpers after it. PID 1 and the helpers that act on it check it the same way.
namespace ccinit {

// A Detected that cannot be acted on. what() is one line saying what was wrong.
class DetectedError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Most management functions a detection may name: an HGX board has 4 to 8 management slots
// with two PFs each; this keeps a misbehaving helper from filling PID 1's requests.
inline constexpr int kMaxManagementFunctions = 32;

// An NVLink fabric was found: an NVSwitch or NVLink 5 GPU VM, or a service VM.
bool has_fabric(const wire::Detected& detected);
// The fabric is NVLink 5 (ConnectX management functions, NVLSM).
bool is_nvlink5(const wire::Detected& detected);

// "nvswitch-nvl5: 8 GPU(s), FABRIC_MODE=0, PARTITION_RAIL_POLICY=symmetric, management
// functions 0000:c0:00.0 0000:c0:00.1", for the log and dry runs.
std::string describe_detected(const wire::Detected& detected);

// The inverse of describe_detected, for an operator who runs a helper by hand with the line
// gpu-configurator --dry-run printed (`--detected TEXT`). Exactly that grammar; anything
// else throws DetectedError quoting the text. Consistency is check_detected's job.
wire::Detected parse_detected(std::string_view text);

// Throws DetectedError unless `detected` is a decision for `config`: a concrete mode (never
// auto) equal to nvrc.mode when that is explicit; GPUs exactly in the GPU modes; a rail
// policy and FABRIC_MODE 0-2 exactly with a fabric; management functions (PCI addresses
// "0000:c1:00.1", at most kMaxManagementFunctions) exactly with NVLink 5, at least one.
void check_detected(const wire::Config& config, const wire::Detected& detected);

}  // namespace ccinit
