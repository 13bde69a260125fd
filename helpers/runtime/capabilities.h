#pragma once

#include <string>
#include <vector>

namespace ccinit::helper {

// Reduces the capability bounding, permitted and effective sets to `keep` (CAP_* values)
// and clears the inheritable and ambient sets, with libcap-ng. A capability in `keep` that
// the process does not hold (e.g. CAP_SYS_MODULE missing from a container's bounding set)
// is simply not held afterwards: that can only make the helper weaker, never stronger.
// Then sets PR_SET_NO_NEW_PRIVS. Throws std::runtime_error on failure.
void restrict_capabilities(const std::vector<int>& keep);

// "cap_sys_admin,cap_net_admin" style list, for logs and --help.
std::string capability_names(const std::vector<int>& caps);

}  // namespace ccinit::helper
