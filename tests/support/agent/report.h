#pragma once

#include <string>
#include <string_view>

// The stand-in kata-agent's report: `key=value` lines on stdout between AGENT-REPORT-BEGIN
// and AGENT-REPORT-END, which the integration tests parse.
namespace ccinit::test_agent {

// Writes one `key=value` line at once (no buffering: a line written before the agent dies
// of a signal must still reach the test).
void report(std::string_view key, std::string_view value);
void report_begin();
void report_end();

// Everything the agent can observe about how PID 1 started it.
void report_environment();

// "EPERM"-style name of an errno value.
std::string errno_name(int err);

}  // namespace ccinit::test_agent
