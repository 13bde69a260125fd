#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace ccinit {

// Makes untrusted text (command-line values, helper and daemon output) safe inside one log
// line: bytes outside printable ASCII and the backslash become \xNN, so nothing can forge a
// record of its own; text longer than max_bytes is cut and ends in "...".
std::string escape_for_log(std::string_view text, std::size_t max_bytes = 80);

// Writes "\xNN" for one byte; returns the end. No library call: the crash guard's record
// uses it inside a signal handler.
constexpr char* write_hex_escape(char* out, unsigned char c) {
  constexpr char kHex[] = "0123456789abcdef";
  out[0] = '\\';
  out[1] = 'x';
  out[2] = kHex[c >> 4];
  out[3] = kHex[c & 0xf];
  return out + 4;
}

// The most bytes escape_for_log_to writes for text of max_bytes (every byte \xNN, and "...").
constexpr std::size_t escaped_size_bound(std::size_t max_bytes) {
  return 4 * max_bytes + 3;
}

// escape_for_log into a caller's buffer, for callers that build a whole line in place (the
// syslog drain). `out` must have room for escaped_size_bound(min(text.size(), max_bytes)).
// `cut` marks text that was cut already (a datagram the socket truncated) with "..." as
// well. Returns the end of what was written.
char* escape_for_log_to(char* out, std::string_view text, std::size_t max_bytes, bool cut = false);

}  // namespace ccinit
