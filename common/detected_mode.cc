#include "common/detected_mode.h"

#include <algorithm>
#include <cstdint>
#include <optional>

#include "common/cmdline_config.h"
#include "common/decimal.h"
#include "common/log_escape.h"
#include "common/pci_address.h"

namespace ccinit {

namespace {

bool has_gpus(wire::Mode mode) {
  return mode == wire::MODE_GPU || mode == wire::MODE_NVSWITCH_NVL4 ||
         mode == wire::MODE_NVSWITCH_NVL5;
}

// A PCI address exactly as sysfs names it (parse_pci_address alone allows upper case).
bool is_pci_address(const std::string& text) {
  const std::optional<PciAddress> address = parse_pci_address(text);
  return address && to_string(*address) == text;
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

namespace {

// Reads `prefix` then a decimal number as ccinit prints one (no sign or leading zero).
std::optional<std::uint32_t> take_number(std::string_view& rest, std::string_view prefix) {
  if (!rest.starts_with(prefix)) return std::nullopt;
  rest.remove_prefix(prefix.size());
  std::size_t n = 0;
  while (n < rest.size() && rest[n] >= '0' && rest[n] <= '9') ++n;
  const auto value = parse_kernel_decimal<std::uint32_t>(rest.substr(0, n));
  rest.remove_prefix(n);
  return value;
}

std::string_view take_until(std::string_view& rest, char stop) {
  const std::size_t end = std::min(rest.find(stop), rest.size());
  const std::string_view word = rest.substr(0, end);
  rest.remove_prefix(end);
  return word;
}

}  // namespace

wire::Detected parse_detected(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return DetectedError("--detected '" + escape_for_log(text, 200) + "': " + std::string(why) +
                         " (expected what gpu-configurator prints, e.g. 'nvswitch-nvl5: 8 "
                         "GPU(s), FABRIC_MODE=0, PARTITION_RAIL_POLICY=symmetric, management "
                         "functions 0000:c1:00.0 0000:c1:00.1')");
  };
  std::string_view rest = text;
  wire::Detected out;
  const auto mode = mode_from_name(take_until(rest, ':'));
  if (!mode || *mode == wire::MODE_AUTO) throw bad("no mode");
  out.set_mode(*mode);
  const auto gpus = take_number(rest, ": ");
  if (!gpus || !rest.starts_with(" GPU(s)")) throw bad("no GPU count");
  rest.remove_prefix(7);
  out.set_gpus(*gpus);
  if (rest.starts_with(", FABRIC_MODE=") != has_fabric(out))
    throw bad(has_fabric(out) ? "no FABRIC_MODE" : "FABRIC_MODE without a fabric");
  if (has_fabric(out)) {
    const auto fabric_mode = take_number(rest, ", FABRIC_MODE=");
    if (!fabric_mode) throw bad("bad FABRIC_MODE");
    out.set_fabric_mode(*fabric_mode);
    if (!rest.starts_with(", PARTITION_RAIL_POLICY=")) throw bad("no PARTITION_RAIL_POLICY");
    rest.remove_prefix(24);
    const auto policy = rail_policy_from_name(take_until(rest, ','));
    if (!policy) throw bad("bad PARTITION_RAIL_POLICY");
    out.set_rail_policy(*policy);
  }
  if (rest.starts_with(", management functions")) {
    rest.remove_prefix(22);
    while (rest.starts_with(' ')) {
      rest.remove_prefix(1);
      if (out.management_functions_size() == kMaxManagementFunctions)
        throw bad("too many management functions");
      const std::string bdf(take_until(rest, ' '));
      if (!is_pci_address(bdf)) throw bad("'" + escape_for_log(bdf, 40) + "' is not a PCI address");
      out.add_management_functions(bdf);
    }
    if (out.management_functions_size() == 0) throw bad("no management function listed");
  }
  if (!rest.empty()) throw bad("unexpected '" + escape_for_log(rest, 40) + "'");
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
