#pragma once

#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

namespace ccinit::helper {

// A command line the helper cannot accept when run by hand (exit status 2).
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What a person asked for when running a helper by hand.
struct ManualOptions {
  std::optional<std::string> cmdline;  // --cmdline TEXT or --cmdline=TEXT
  // --detected TEXT: the mode decision PID 1 would relay, as gpu-configurator printed it
  std::optional<std::string> detected;
  bool after_fabric = false;  // --after-fabric: gpu-configurator's run after the fabric
  bool dry_run = false;
  // --learn: run under the shipped policy, but record what it refuses instead of dying of it
  // (learn_supervisor.h); refused when started by PID 1 or in a ccinit guest.
  bool learn = false;
  bool print_policy = false;
  bool print_bpf = false;
  bool help = false;
};

// Parses the arguments after argv[0]; throws UsageError on an unknown or repeated option,
// a positional argument, a missing value, or --learn with --print-policy or --print-bpf
// (which run nothing to learn from).
ManualOptions parse_manual_options(std::span<const std::string_view> args);

// "usage: <helper> [--cmdline TEXT] [--detected TEXT] [--after-fabric] [--dry-run] [--learn] ..."
std::string usage_line(std::string_view helper);

}  // namespace ccinit::helper
