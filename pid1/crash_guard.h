#pragma once

namespace ccinit::pid1 {

// If PID 1 itself crashes (a fault signal, std::terminate), the kernel would panic and,
// with panic=N, reboot the guest: a confidential VM must power off instead. Installs
// handlers that write the cause as ONE record, "<2>ccinit: power off: PID 1 ...", cut to
// what /dev/kmsg accepts, then sync and power off. The record goes through a fresh open of
// log_fd's file (/proc/self/fd/N), so the kernel's per-file rate limit on the shared kmsg fd
// cannot drop it; without /proc it goes to log_fd itself, and to stderr if that write fails.
// If reboot(2) is refused (not really PID 1), the handler waits for ever: PID 1 must never
// return into a broken state.
void install_crash_guard(int log_fd);

// Updates the fd the crash handlers write to (after /dev/kmsg becomes available).
void set_crash_log_fd(int log_fd);

}  // namespace ccinit::pid1
