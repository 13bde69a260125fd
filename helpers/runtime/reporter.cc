#include <string>

#include "common/file_io.h"
#include "helpers/runtime/reporter_sinks.h"

namespace ccinit::helper {

namespace {

std::string_view level_word(wire::LogLevel level) {
  switch (level) {
    case wire::LOG_ERROR:
      return "error";
    case wire::LOG_WARN:
      return "warn";
    case wire::LOG_INFO:
      return "info";
    case wire::LOG_DEBUG:
      return "debug";
    case wire::LOG_TRACE:
      return "trace";
    default:
      return "log";
  }
}

}  // namespace

std::string clip_event_text(std::string_view text) {
  if (text.size() <= kMaxEventText) return std::string(text);
  static constexpr std::string_view kMark = " [... cut]";
  std::size_t keep = kMaxEventText - kMark.size();
  // Back off to the start of a UTF-8 character (at most 3 continuation bytes), so valid text
  // stays valid and PID 1 shows a whole character, not its first bytes escaped.
  for (int i = 0; i < 3 && keep > 0 && (static_cast<unsigned char>(text[keep]) & 0xc0) == 0x80; ++i)
    --keep;
  std::string clipped(text.substr(0, keep));
  clipped += kMark;
  return clipped;
}

void ChannelReporter::log(wire::LogLevel level, std::string_view text) {
  wire::Event event;
  event.mutable_log()->set_level(level);
  event.mutable_log()->set_text(clip_event_text(text));
  channel_.send(event);
}

void ChannelReporter::progress(std::string_view step, bool done) {
  wire::Event event;
  event.mutable_progress()->set_step(clip_event_text(step));
  event.mutable_progress()->set_done(done);
  channel_.send(event);
}

void ChannelReporter::daemon_started(std::string_view name, pid_t pid) {
  wire::Event event;
  event.mutable_daemon()->set_name(clip_event_text(name));
  event.mutable_daemon()->set_pid(pid);
  channel_.send(event);
}

void ConsoleReporter::line(std::string_view text) {
  std::string out = helper_ + ": ";
  out += text;
  out += '\n';
  write_all(fd_, out);
}

void ConsoleReporter::log(wire::LogLevel level, std::string_view text) {
  std::string out(level_word(level));
  out += ": ";
  out += text;
  line(out);
}

void ConsoleReporter::progress(std::string_view step, bool done) {
  std::string out = "step ";
  out += step;
  out += done ? " ... done" : " ...";
  line(out);
}

void ConsoleReporter::daemon_started(std::string_view name, pid_t pid) {
  line("daemon " + std::string(name) + " started (pid " + std::to_string(pid) + ")");
}

void ConsoleReporter::result(bool ok, std::string_view error) {
  line(ok ? std::string("ok") : "failed: " + std::string(error));
}

}  // namespace ccinit::helper
