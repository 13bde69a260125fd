#pragma once

#include <linux/filter.h>

#include <cstddef>
#include <span>
#include <vector>

// The seccomp program of --learn (README, "Reviewing the seccomp policies"): the shipped one,
// refusing nothing it allows and allowing nothing more, except that a call it would kill the
// process for is handed to a supervisor (SECCOMP_RET_USER_NOTIF) instead.
namespace ccinit::helper {

// `shipped` behind a guard that kills foreign architectures and x32 syscall numbers exactly
// as the shipped prologue does, with every kill return (SECCOMP_RET_KILL_PROCESS or
// KILL_THREAD) of `shipped` turned into SECCOMP_RET_USER_NOTIF; every other instruction is
// kept as it is. The guard is why this is safe to do blindly: libseccomp sends the
// wrong-architecture checks and the default action to one shared `ret KILL_PROCESS`, and
// behind the guard no foreign call reaches it any more. Jumps are relative and forward only,
// so prepending the guard leaves them all valid. Throws std::runtime_error on a program with
// a return this cannot judge (`ret A`) or one that would grow past BPF_MAXINSNS.
std::vector<sock_filter> learn_program(std::span<const sock_filter> shipped);

// How many instructions learn_program puts before the shipped program.
std::size_t learn_guard_size();

}  // namespace ccinit::helper
