#pragma once

#include <string>
#include <string_view>

#include "helpers/runtime/reporter.h"
#include "proto/channel.h"

namespace ccinit::helper {

// Longest text carried in one log record or result: far below the 64 KiB frame limit, so a
// runaway message (e.g. a tool's output in an exception) cannot break the protocol.
inline constexpr std::size_t kMaxEventText = 16 * 1024;

// Cuts text to at most kMaxEventText bytes, marking the cut. The cut falls before a UTF-8
// character, never inside one. (Event text is `bytes` on the wire, so any bytes arrive as
// sent; this only keeps a valid message valid.)
std::string clip_event_text(std::string_view text);

// Protocol mode: every event becomes one frame on the event pipe to PID 1. Errors writing
// the pipe propagate (PID 1 gone or misbehaving: the helper cannot usefully go on).
class ChannelReporter : public Reporter {
 public:
  explicit ChannelReporter(wire::HelperChannel& channel) : channel_(channel) {}
  void log(wire::LogLevel level, std::string_view text) override;
  void progress(std::string_view step, bool done) override;
  void daemon_started(std::string_view name, pid_t pid) override;

 private:
  wire::HelperChannel& channel_;
};

// Manual mode: readable lines on an fd (stdout), one write per line, e.g.
//   mounter: info: mounted proc on /proc (nosuid,noexec,nodev,relatime)
//   mounter: step mount-proc ... done
class ConsoleReporter : public Reporter {
 public:
  ConsoleReporter(std::string_view helper, int fd) : helper_(helper), fd_(fd) {}
  void log(wire::LogLevel level, std::string_view text) override;
  void progress(std::string_view step, bool done) override;
  void daemon_started(std::string_view name, pid_t pid) override;
  // The final line: "<helper>: ok" or "<helper>: failed: <error>".
  void result(bool ok, std::string_view error);

 private:
  void line(std::string_view text);
  std::string helper_;
  int fd_;
};

}  // namespace ccinit::helper
