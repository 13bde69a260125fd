#pragma once

#include <string>
#include <string_view>

namespace ccinit::test_agent {

// The value of `test.agent.action=` in a kernel command line, or "exit:0".
std::string action_from_cmdline(std::string_view cmdline);

// Performs an action (exit:N, signal:SIG, orphans:N[:PATIENCE_MS[:HOLD_S]], sleep:N,
// modprobe:MODULE, kexec, cat:PATH), optionally after cat, pause and pressure steps
// (cat:PATH+cat:PATH+sleep:2, pause:2+orphans:10000:20000:30,
// fill:/run/full+syslog:3000:1000+size:/run/syslog.log+exit:0),
// reporting its outcome as key=value lines. Returns the agent's exit status; for signal:SIG
// it does not return when the signal kills the agent. The report is ended before the agent
// leaves.
int run_action(std::string_view action);

}  // namespace ccinit::test_agent
