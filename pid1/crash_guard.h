#pragma once

namespace ccinit::pid1 {

// If PID 1 itself crashes (a fault signal, std::terminate), the kernel would panic and,
// with panic=N, reboot the guest: a confidential VM must power off instead. Installs
// handlers that write the reason to log_fd, sync and power off.
void install_crash_guard(int log_fd);

// Updates the fd the crash handlers write to (after /dev/kmsg becomes available).
void set_crash_log_fd(int log_fd);

}  // namespace ccinit::pid1
