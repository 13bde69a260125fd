#include "tests/support/ns_boot/options.h"

#include <cmath>
#include <cstdlib>
#include <map>

namespace ccinit::ns_boot {

namespace {

double parse_seconds(const std::string& option, const std::string& text) {
  char* end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !std::isfinite(value) || value <= 0 || value > 86400)
    throw UsageError(option + " " + text + ": expected seconds, more than 0 and at most 86400");
  return value;
}

}  // namespace

Options parse_options(const std::vector<std::string>& args) {
  Options options;
  std::map<std::string, std::string*> text_options = {{"--root", &options.root},
                                                      {"--cmdline", &options.cmdline},
                                                      {"--kmsg", &options.kmsg},
                                                      {"--sysctl-dir", &options.sysctl_dir},
                                                      {"--pci-devices", &options.pci_devices},
                                                      {"--infiniband", &options.infiniband},
                                                      {"--cc-guest", &options.cc_guest},
                                                      {"--gpu-extension", &options.gpu_extension},
                                                      {"--observe", &options.observe}};
  bool cmdline_given = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg != "--timeout" && arg != "--sigterm-after" && !text_options.count(arg))
      throw UsageError(arg + ": unknown argument");
    if (i + 1 >= args.size()) throw UsageError(arg + ": missing value");
    const std::string& value = args[++i];
    if (arg == "--timeout") {
      options.timeout_s = parse_seconds(arg, value);
    } else if (arg == "--sigterm-after") {
      options.sigterm_after_s = parse_seconds(arg, value);
    } else {
      if (arg != "--cmdline" && value.empty()) throw UsageError(arg + ": empty value");
      *text_options[arg] = value;
      if (arg == "--cmdline") cmdline_given = true;
    }
  }
  if (!options.cc_guest.empty() && options.cc_guest != "tdx" && options.cc_guest != "sev-snp")
    throw UsageError("--cc-guest " + options.cc_guest + ": expected tdx or sev-snp");
  for (const auto& [name, value] : text_options) {
    if (name == "--pci-devices" || name == "--infiniband" || name == "--cc-guest" ||
        name == "--gpu-extension" || name == "--observe")
      continue;  // optional
    if (name == "--cmdline" ? !cmdline_given : value->empty())
      throw UsageError(name + " is required");
  }
  return options;
}

}  // namespace ccinit::ns_boot
