#pragma once

#include <linux/filter.h>

#include <span>
#include <string>

#include "policy/policy.h"

namespace ccinit::helper {

// Installs a helper's seccomp program, built by policyc when the helper was (the fixed
// prologue, the allow-list, kill-process for everything else), with seccomp(2) on every
// thread of the process (SECCOMP_FILTER_FLAG_TSYNC). Nothing is built, checked or probed
// here: the kernel verifies the program as it takes it. Requires no_new_privs (or
// CAP_SYS_ADMIN). Throws SysError; an empty program is refused rather than leaving the
// process unconfined.
void install_seccomp_program(std::span<const sock_filter> program);

// For --print-policy: the allow-list, one rule a line with the policy line it comes from,
// then a listing of the program.
std::string describe_seccomp_filter(const policy::Policy& policy);

}  // namespace ccinit::helper
