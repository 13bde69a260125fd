#pragma once

#include <signal.h>

#include <string>

#include "common/unique_fd.h"

namespace ccinit::pid1 {

// Blocks every asynchronous signal and returns a signalfd for the ones PID 1 acts on
// (SIGCHLD, SIGTERM, SIGINT, SIGPWR). Synchronous fault signals stay unblocked: the kernel
// would otherwise reset them to the default action and kill init, which panics the kernel.
UniqueFd block_signals_and_open_signalfd();

// Reads one pending signal from the signalfd; 0 when none is pending.
int read_signal(int signal_fd);

// In a freshly forked child, before exec: default handlers and an empty signal mask.
void reset_signals_for_child();

// "SIGSEGV" for SIGSEGV, "signal 42" for anything without a name.
std::string signal_name(int sig);

}  // namespace ccinit::pid1
