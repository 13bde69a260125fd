#pragma once

#include <string>
#include <vector>

// Regular files that the guest sees in place of /proc files whose real versions are global
// (a write would change the machine running the test) or refused outside the initial
// network namespace.
namespace ccinit::ns_boot {

struct StandIn {
  std::string proc_dir;  // relative to /proc, e.g. "sys/kernel"
  std::string name;      // e.g. "modules_disabled"
  std::string initial;   // what a fresh kernel would show
  // The file in the stand-in directory: "kernel.modules_disabled" (sysctl naming).
  std::string file_name() const;
};

const std::vector<StandIn>& stand_ins();

// The file holding the guest's kernel command line, in the stand-in directory.
inline constexpr const char* kCmdlineFile = "cmdline";

// Creates `dir` if needed, writes the command line file and creates every stand-in that
// does not exist yet with its initial value (an existing one is kept: a test may preset
// it). Refuses anything but regular files outside procfs. Throws std::runtime_error.
void prepare_stand_in_dir(const std::string& dir, const std::string& cmdline);

}  // namespace ccinit::ns_boot
