#pragma once

#include <string>
#include <vector>

#include "tests/support/fake_nvidia_tool/record.h"

// What every fake tool does: print, misbehave on demand, log to syslog.
namespace ccinit::fake_nvidia {

// One write(2) per line: nothing is left in a buffer when a tool hangs or crashes.
void say(const std::string& line);
void complain(const std::string& line);

void sleep_ms(unsigned long ms);
[[noreturn]] void hang();
// Dies of a real SIGSEGV, as a crashing daemon would.
[[noreturn]] void crash();

// The config's `key` as a decimal number, or `fallback` when unset or not a number.
unsigned long number(const Config& config, const std::string& key, unsigned long fallback);
bool has(const std::vector<std::string>& args, const std::string& arg);
// The value after `flag` (e.g. "-c"), or "" when absent or last.
std::string value_of(const std::vector<std::string>& args, const std::string& flag);

// Applies a tool's `fail|hang|crash` knob; returns normally for `ok` (or anything else).
void misbehave_if_told(const std::string& mode, int fail_status, const std::string& error);

// syslog(3) as the real daemons use it: one datagram on /dev/log, `<priority>ident[pid]: ..`
// with this process's pid. Priority 29 is daemon.notice, 30 daemon.info, 27 daemon.err.
void log_to_syslog(const std::string& ident, const std::string& message, int priority = 29);

}  // namespace ccinit::fake_nvidia
