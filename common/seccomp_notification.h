#pragma once

#include <linux/seccomp.h>

#include <array>
#include <cstdint>
#include <optional>

// The supervisor's side of a SECCOMP_RET_USER_NOTIF filter: the calls it holds are received
// from its listener and answered one by one. Shared by --learn (helpers/runtime) and the
// tests' observation recorder, which differ only in what they record and answer.
namespace ccinit {

// The next held call, or nullopt when none was received: a signal (EINTR), or the caller was
// interrupted or died before it could be (ENOENT). Throws SysError on any other failure.
std::optional<seccomp_notif> receive_held_call(int listener);

// Whether `call`'s caller still waits for its answer. Asked after reading /proc/<call.pid>:
// only when it still waits did what was read describe the caller, and not a process that
// reused its pid.
bool still_held(int listener, const seccomp_notif& call);

// The call's six arguments.
std::array<std::uint64_t, 6> held_call_args(const seccomp_notif& call);

// Lets the call go on as if no filter had held it (error 0), or fails it with -error. A
// caller that died or was interrupted meanwhile is no error. Throws SysError otherwise.
void answer_held_call(int listener, const seccomp_notif& call, int error = 0);

}  // namespace ccinit
