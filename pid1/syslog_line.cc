#include "pid1/syslog_line.h"

#include <charconv>

namespace ccinit::pid1 {

std::string_view strip_syslog_priority(std::string_view message, bool cut) {
  if (message.size() >= 3 && message[0] == '<') {
    std::size_t end = message.find('>');
    if (end != std::string_view::npos && end >= 2 && end <= 4 &&
        message.substr(1, end - 1).find_first_not_of("0123456789") == std::string_view::npos)
      message.remove_prefix(end + 1);
  }
  while (!cut && !message.empty() && (message.back() == '\n' || message.back() == '\0'))
    message.remove_suffix(1);
  return message;
}

char* format_syslog_line(char* line, pid_t sender, std::string_view datagram, bool cut) noexcept {
  char* out = std::to_chars(line, line + 12, sender).ptr;
  *out++ = ' ';
  // One line per message: control bytes (embedded newlines) escaped, length bounded.
  return escape_for_log_to(out, strip_syslog_priority(datagram, cut), kSyslogMaxMessageBytes, cut);
}

}  // namespace ccinit::pid1
