#pragma once

namespace ccinit::pid1 {

// Everything ccinit does as the real PID 1: mounter, command line, the mode's helpers,
// lockdown, kata-agent, power-off. Never returns: PID 1 exiting would panic the kernel.
[[noreturn]] void boot_as_pid1();

}  // namespace ccinit::pid1
