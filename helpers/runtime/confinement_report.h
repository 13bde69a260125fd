#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ccinit::helper {

// One line describing the confinement the kernel reports for this process, read back from
// the text of /proc/self/status rather than assumed from what the runtime asked for:
//   confinement: Seccomp=2 NoNewPrivs=1 CapEff=0000000000200000 CapBnd=0000000000200000
// A field the text lacks is shown as "?".
std::string summarize_proc_status(std::string_view status_text);

// The debug line logged once a helper is confined. Reads `status_path` (/proc/self/status);
// when it is not available (the mounter starts before /proc is mounted) says so and names
// what was requested instead. `requested_caps` is the "cap_a,cap_b" list asked for.
std::string describe_confinement(const std::string& status_path, std::string_view requested_caps);

}  // namespace ccinit::helper
