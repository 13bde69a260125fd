#include "proto/protobuf_log.h"

#include <google/protobuf/stubs/logging.h>
#include <unistd.h>

#include "common/log_escape.h"

namespace ccinit::wire {

namespace {

// Enough for libprotobuf's own sentences; what a helper put into a message is cut.
constexpr std::size_t kMaxMessageBytes = 200;

const char* level_name(int level) {
  switch (level) {
    case google::protobuf::LOGLEVEL_INFO:
      return "INFO";
    case google::protobuf::LOGLEVEL_WARNING:
      return "WARNING";
    case google::protobuf::LOGLEVEL_ERROR:
      return "ERROR";
    default:
      return "FATAL";
  }
}

void handle(google::protobuf::LogLevel level, const char* /*file*/, int /*line*/,
            const std::string& message) {
  const std::string text = protobuf_log_line(level, message);
  // One write, errors ignored: there is nowhere else to say it, and a log line must never
  // fail what libprotobuf was doing.
  [[maybe_unused]] ssize_t n = ::write(STDERR_FILENO, text.data(), text.size());
}

}  // namespace

std::string protobuf_log_line(int level, const std::string& message) {
  std::string text = "libprotobuf ";
  text += level_name(level);
  text += ": ";
  text += escape_for_log(message, kMaxMessageBytes);
  text += '\n';
  return text;
}

void install_protobuf_log_handler() {
  google::protobuf::SetLogHandler(handle);
}

}  // namespace ccinit::wire
