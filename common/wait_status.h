#pragma once

#include <signal.h>

#include <string>

// One wording for how a process ended, used by every log line and error in ccinit.
namespace ccinit {

// "SIGSEGV" for SIGSEGV, "signal 42" for a number without a name.
std::string signal_name(int sig);

// How a process ended, from a waitpid status: "exited with status 3", "killed by signal
// SIGSEGV", "stopped by signal SIGSTOP". Whether a core was dumped is left out: it depends
// on the machine's RLIMIT_CORE, not on the process, and would make the same crash read two
// ways.
std::string describe_wait_status(int wait_status);

// The waitpid-style status of an exit reported by waitid (siginfo_t from WEXITED).
int wait_status_from_siginfo(const siginfo_t& info);

}  // namespace ccinit
