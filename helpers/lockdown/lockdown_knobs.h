#pragma once

#include <string>
#include <vector>

#include "helpers/runtime/reporter.h"

// The lockdown helper's work as data, so tests can point it at a fake /proc and /sys.
namespace ccinit::lockdown {

// A one-way kernel switch: write 1, read back "1".
struct Knob {
  std::string step;     // progress step name
  std::string path;     // e.g. /proc/sys/kernel/modules_disabled
  std::string feature;  // what it disables, e.g. "module loading"
  // The knob may be missing only on a kernel built without the feature, and that is
  // believed only when `evidence_dir` exists (its filesystem is mounted) while `evidence`,
  // which such a kernel always has with the feature, does not. Anything else is fatal.
  std::string evidence_dir;
  std::string evidence;
};

// modules_disabled, then kexec_load_disabled; every path prefixed with `root` ("" = /).
std::vector<Knob> lockdown_knobs(const std::string& root = "");

// Writes 1 to every knob and requires it to read back "1"; with dry_run only reports what it
// would write and the current value. Throws on the first failure, naming the path.
void run_lockdown(const std::vector<Knob>& knobs, helper::Reporter& reporter, bool dry_run);

}  // namespace ccinit::lockdown
