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
  bool dry_run = false;
  bool print_policy = false;
  bool print_bpf = false;
  bool help = false;
};

// Parses the arguments after argv[0]; throws UsageError on an unknown or repeated option,
// a positional argument or a missing value.
ManualOptions parse_manual_options(std::span<const std::string_view> args);

// "usage: <helper> [--cmdline TEXT] [--dry-run] [--print-policy] [--print-bpf] [--help]"
std::string usage_line(std::string_view helper);

}  // namespace ccinit::helper
