#pragma once

#include "tests/support/ns_boot/options.h"

namespace ccinit::ns_boot {

// Exit statuses of the guest's PID 1 process when ns-boot itself failed before the exec.
inline constexpr int kSetupFailed = 125;
inline constexpr int kExecFailed = 126;

// Runs in the process that is PID 1 of the new PID namespace, inside the new (private)
// mount namespace: gives the guest root its /dev and /proc as a kernel would (with the
// stand-ins bound in), then chroots into it and execs /sbin/init. Never returns; on any
// failure prints one line to stderr and exits with kSetupFailed or kExecFailed. With
// --observe, `observer_fd` is the write end of the pipe to the recorder (observer_filter.h);
// else -1.
[[noreturn]] void boot_guest(const Options& options, int observer_fd);

}  // namespace ccinit::ns_boot
