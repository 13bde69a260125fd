#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

#include "proto/ccinit.pb.h"

namespace ccinit {

// A kernel command line that cannot be accepted. what() is one line naming the key, the
// value and what was expected, e.g.
//   nvrc.smi.lgc=abc: expected a clock in MHz: N or MIN,MAX (e.g. 1500 or 300,1980)
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The daemons whose readiness wait has a timeout of its own, nvrc.timeout.<name>.
inline constexpr std::array<std::string_view, 3> kDaemonTimeoutNames = {"persistenced",
                                                                        "fabricmanager", "nvlsm"};
inline constexpr std::uint32_t kMaxTimeoutSeconds = 86400;

// The <name>s accepted in nvrc.timeout.<name>=SECONDS, in this order: the helpers of
// helpers/helpers.table that run after the command line is read, then kDaemonTimeoutNames.
// The mounter's timeout is refused: it runs before the command line can be read.
std::span<const std::string_view> timeout_names();

// The longest extension name: a virtio-blk serial holds 20 bytes and "extension-" takes 10.
inline constexpr std::size_t kMaxExtensionNameLength = 10;
inline constexpr std::string_view kExtensionNameRule = "1 to 10 characters from A-Z a-z 0-9 _ -";
// Whether `name` may name an extension (kata.extension.<name>.verity_params, the disk serial
// extension-<name>): 1 to kMaxExtensionNameLength characters of [A-Za-z0-9_-], what Kata
// hosts allow. The name becomes a device-mapper name and a directory under
// /run/kata-extensions, so '.' (and with it "." and "..") is refused too.
bool valid_extension_name(std::string_view name);

// Parses the kernel command line (the text of /proc/cmdline) into the one validated config.
// Tokenized like the kernel does (whitespace-separated, double quotes group, a lone `--`
// ends the parameters). Unknown nvrc.* keys, bad or missing values and repeated keys throw
// ConfigError; keys outside nvrc.* and kata.extension.<name>.verity_params are ignored.
// Word values (booleans, nvrc.mode, nvrc.log, nvrc.fm.rail.policy) are matched without
// regard to ASCII case, as NVRC did; nvrc.smi.srs is case-sensitive. Extensions are stored
// sorted by name with lower-case hex, timeouts in timeout_names() order.
wire::Config parse_cmdline(std::string_view cmdline);

// Timeout for a helper (or daemon readiness) named by nvrc.timeout.<name>, else fallback.
std::uint32_t timeout_seconds(const wire::Config& config, std::string_view name,
                              std::uint32_t fallback);

// The nvrc.mode / nvrc.log spelling of a value ("nvswitch-nvl4", "debug").
std::string_view mode_name(wire::Mode mode);
std::string_view log_level_name(wire::LogLevel level);
// "greedy", "symmetric", or "unset".
std::string_view rail_policy_name(wire::RailPolicy policy);
// The inverses, exact (lower-case) spelling only: for text ccinit printed itself.
std::optional<wire::Mode> mode_from_name(std::string_view name);
std::optional<wire::RailPolicy> rail_policy_from_name(std::string_view name);
// One `key=value` line per effective setting, using the command-line names, in a fixed
// order; optional settings that are not set are left out. For dry runs and the boot log.
std::string describe_config(const wire::Config& config);

}  // namespace ccinit
