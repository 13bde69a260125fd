#pragma once

#include <signal.h>

#include "common/unique_fd.h"

namespace ccinit::pid1 {

// Blocks every asynchronous signal and returns a signalfd for the ones PID 1 acts on
// (SIGCHLD, SIGTERM, SIGINT, SIGPWR). Synchronous fault signals stay unblocked: the kernel
// would otherwise reset them to the default action and kill init, which panics the kernel.
UniqueFd block_signals_and_open_signalfd();

// Reads one pending signal from the signalfd; 0 when none is pending.
int read_signal(int signal_fd);

}  // namespace ccinit::pid1
