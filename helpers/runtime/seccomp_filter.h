#pragma once

#include <string>

#include "policy/policy.h"

namespace ccinit::helper {

// Builds the helper's seccomp filter: the fixed prologue (foreign architectures and the x32
// ABI killed; ptrace, bpf, kexec_load, kexec_file_load, reboot and, unless the policy loads
// modules, init_module/finit_module/delete_module never allowed) + the policy's allow rules
// + kill-process for everything else. Throws std::runtime_error naming the rule on any
// problem (unknown syscall, a prologue syscall in the rules).
//
// load_seccomp_filter() installs it (requires no_new_privs or CAP_SYS_ADMIN).
void load_seccomp_filter(const policy::Policy& policy);

// The effective allow-list (one rule per line) followed by libseccomp's PFC export of the
// same filter, for --print-policy.
std::string describe_seccomp_filter(const policy::Policy& policy);

}  // namespace ccinit::helper
