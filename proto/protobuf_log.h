#pragma once

#include <string>

namespace ccinit::wire {

// libprotobuf reports some parse problems itself (GOOGLE_LOG, by default raw to stderr, which
// for PID 1 is the console). Its text quotes message contents a helper controls, and the
// problem it reports already ends as a ProtocolError; so it must not reach the console as is.
// Installed once where every process starts (entry/main.cc): each message becomes one
// escaped, bounded line on stderr, which PID 1 captures and escapes again for a helper.
void install_protobuf_log_handler();

// The line the handler writes for one message, with its newline:
//   "libprotobuf ERROR: <escaped message>\n"
std::string protobuf_log_line(int level, const std::string& message);

}  // namespace ccinit::wire
