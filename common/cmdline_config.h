#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "proto/ccinit.pb.h"

namespace ccinit {

// A kernel command line that cannot be accepted. what() is one line naming the key, the
// value and what was expected, e.g.
//   nvrc.smi.lgc=abc: expected a clock in MHz (N or MIN,MAX)
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Parses the kernel command line (the text of /proc/cmdline) into the one validated config.
// Unknown nvrc.* keys, bad values and duplicate keys throw ConfigError; keys outside nvrc.*
// and kata.extension.* are ignored.
wire::Config parse_cmdline(std::string_view cmdline);

// Timeout for a helper (or daemon readiness) named by nvrc.timeout.<name>, else fallback.
std::uint32_t timeout_seconds(const wire::Config& config, std::string_view name,
                              std::uint32_t fallback);

std::string_view mode_name(wire::Mode mode);
std::string_view log_level_name(wire::LogLevel level);
// One line per setting, for dry runs and the boot log.
std::string describe_config(const wire::Config& config);

}  // namespace ccinit
