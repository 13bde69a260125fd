#pragma once

#include <linux/filter.h>

#include <span>
#include <string>

#include "common/unique_fd.h"
#include "policy/policy.h"

namespace ccinit::helper {

// Installs a helper's seccomp program, built by policyc when the helper was (the fixed
// prologue, the allow-list, kill-process for everything else), with seccomp(2) on every
// thread of the process (SECCOMP_FILTER_FLAG_TSYNC). Nothing is built, checked or probed
// here: the kernel verifies the program as it takes it. Requires no_new_privs (or
// CAP_SYS_ADMIN). Throws SysError; an empty program is refused rather than leaving the
// process unconfined.
void install_seccomp_program(std::span<const sock_filter> program);

// For --learn only (never the shipped path): installs `program` (learn_program's, which
// returns SECCOMP_RET_USER_NOTIF where the shipped one kills) on every thread like
// install_seccomp_program, and returns the filter's notification listener
// (SECCOMP_FILTER_FLAG_NEW_LISTENER; close-on-exec). Throws SysError.
UniqueFd install_seccomp_program_with_listener(std::span<const sock_filter> program);

// For --print-policy: the allow-list, one rule a line with the policy line it comes from,
// then a listing of the program.
std::string describe_seccomp_filter(const policy::Policy& policy);

}  // namespace ccinit::helper
