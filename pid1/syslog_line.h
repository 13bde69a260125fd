#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string_view>

#include "common/log_escape.h"

namespace ccinit::pid1 {

// One /dev/log datagram as a line of /run/syslog.log. Kept apart from the sink (sockets,
// files, logging) because it is what untrusted bytes reach, and what the fuzzer runs.

// A longer datagram is cut to this and marked.
inline constexpr std::size_t kSyslogMaxMessageBytes = 8192;
// "<pid> " + the escaped message + its mark + "\n".
inline constexpr std::size_t kSyslogMaxLineBytes =
    12 + escaped_size_bound(kSyslogMaxMessageBytes) + 1;

// "<30>nvidia-persistenced[7]: ready\n" -> "nvidia-persistenced[7]: ready". A cut message
// keeps its end (it is not the sender's end).
std::string_view strip_syslog_priority(std::string_view message, bool cut = false);

// Writes the line for one datagram (cut: it filled the receive buffer) at `line`, which has
// room for kSyslogMaxLineBytes: "<sender> <escaped message>", no newline. Returns its end.
char* format_syslog_line(char* line, pid_t sender, std::string_view datagram, bool cut) noexcept;

}  // namespace ccinit::pid1
