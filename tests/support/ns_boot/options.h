#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace ccinit::ns_boot {

struct Options {
  std::string root;        // the guest root (mkrootfs output)
  std::string cmdline;     // what the guest reads from /proc/cmdline
  std::string kmsg;        // regular file that stands in for /dev/kmsg
  std::string sysctl_dir;  // where the stand-in /proc/sys files (and cmdline) are kept
  double timeout_s = 60;
};

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws UsageError naming the option and value that cannot be accepted.
Options parse_options(const std::vector<std::string>& args);

inline constexpr const char* kUsage =
    "usage: ns-boot --root DIR --cmdline TEXT --kmsg FILE --sysctl-dir DIR [--timeout S]";

}  // namespace ccinit::ns_boot
