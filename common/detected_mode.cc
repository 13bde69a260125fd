#include "common/detected_mode.h"

#include "common/cmdline_config.h"
#include "common/log_escape.h"

namespace ccinit {

namespace {

bool has_gpus(wire::Mode mode) {
  return mode == wire::MODE_GPU || mode == wire::MODE_NVSWITCH_NVL4 ||
         mode == wire::MODE_NVSWITCH_NVL5;
}

// "0000:c1:00.1": domain, bus, device, function in lower-case hex, as sysfs names them.
bool is_pci_address(const std::string& text) {
  if (text.size() != 12 || text[4] != ':' || text[7] != ':' || text[10] != '.') return false;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9, 11}) {
    const char c = text[i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

bool has_fabric(const wire::Detected& detected) {
  switch (detected.mode()) {
    case wire::MODE_NVSWITCH_NVL4:
    case wire::MODE_NVSWITCH_NVL5:
    case wire::MODE_SERVICEVM_NVL4:
    case wire::MODE_SERVICEVM_NVL5:
      return true;
    default:
      return false;
  }
}

bool is_nvlink5(const wire::Detected& detected) {
  return detected.mode() == wire::MODE_NVSWITCH_NVL5 ||
         detected.mode() == wire::MODE_SERVICEVM_NVL5;
}

std::string describe_detected(const wire::Detected& d) {
  std::string out = std::string(mode_name(d.mode())) + ": " + std::to_string(d.gpus()) + " GPU(s)";
  if (has_fabric(d)) {
    out += ", FABRIC_MODE=" + std::to_string(d.fabric_mode()) +
           ", PARTITION_RAIL_POLICY=" + std::string(rail_policy_name(d.rail_policy()));
  }
  if (d.management_functions_size() > 0) {
    out += ", management functions";
    for (const std::string& bdf : d.management_functions()) out += " " + escape_for_log(bdf, 16);
  }
  return out;
}

void check_detected(const wire::Config& config, const wire::Detected& d) {
  const std::string what = "detected mode " + escape_for_log(std::string(mode_name(d.mode())), 32);
  if (!wire::Mode_IsValid(d.mode()) || d.mode() == wire::MODE_AUTO)
    throw DetectedError("detected mode is not a concrete mode (" + std::to_string(d.mode()) + ")");
  if (config.mode() != wire::MODE_AUTO && config.mode() != d.mode())
    throw DetectedError(what + " differs from nvrc.mode=" + std::string(mode_name(config.mode())));
  if (has_gpus(d.mode()) != (d.gpus() > 0))
    throw DetectedError(what + " with " + std::to_string(d.gpus()) + " GPU(s)");
  if (has_fabric(d)) {
    if (d.fabric_mode() > 2)
      throw DetectedError(what + " with FABRIC_MODE=" + std::to_string(d.fabric_mode()) +
                          " (expected 0, 1 or 2)");
    if (d.rail_policy() != wire::RAIL_POLICY_GREEDY &&
        d.rail_policy() != wire::RAIL_POLICY_SYMMETRIC)
      throw DetectedError(what + " without a rail policy");
  } else if (d.fabric_mode() != 0 || d.rail_policy() != wire::RAIL_POLICY_UNSET) {
    throw DetectedError(what + " has no fabric but sets FABRIC_MODE or a rail policy");
  }
  const int functions = d.management_functions_size();
  if (is_nvlink5(d) && functions == 0) throw DetectedError(what + " without management functions");
  if (!is_nvlink5(d) && functions > 0)
    throw DetectedError(what + " names management functions, which only NVLink 5 has");
  if (functions > kMaxManagementFunctions)
    throw DetectedError(what + " names " + std::to_string(functions) +
                        " management functions (at most " +
                        std::to_string(kMaxManagementFunctions) + ")");
  for (const std::string& bdf : d.management_functions())
    if (!is_pci_address(bdf))
      throw DetectedError(what + ": management function '" + escape_for_log(bdf, 64) +
                          "' is not a PCI address like 0000:c1:00.1");
}

}  // namespace ccinit
