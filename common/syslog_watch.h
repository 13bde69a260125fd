#pragma once

#include <sys/types.h>

#include <cstddef>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/unique_fd.h"

namespace ccinit::tools {

// Follows the syslog file PID 1 writes (<dir>/syslog.log, renamed to syslog.log.1 when it
// reaches its cap) through inotify on the directory, so a readiness line is seen as soon as
// it is written, without polling. Only text appended after construction counts.
class SyslogWatch {
 public:
  explicit SyslogWatch(std::string dir, std::string file = "syslog.log");

  // The inotify descriptor: readable when there is something for consume().
  int fd() const { return inotify_.get(); }
  // Who may announce readiness: a sender pid -> believed.
  using SenderCheck = std::function<bool(pid_t)>;

  // Reads the pending events and the new text; true when a complete new line contains
  // `text` and its sender pid passes `from`.
  bool consume(std::string_view text, const SenderCheck& from);
  // The last complete lines seen (at most kKeptLines), joined with " | ", or "(none)".
  std::string last_lines() const;
  // From now on last_lines() keeps only lines whose sender pid passes `from`, so an error
  // shows the daemon's own last words, not whatever else was logged meanwhile.
  void keep_lines_from(SenderCheck from) { keep_from_ = std::move(from); }

  static constexpr std::size_t kKeptLines = 5;

  // The sender pid PID 1 wrote at the start of a line; nullopt when the line has none.
  static std::optional<pid_t> sender_of(std::string_view line);

 private:
  bool drain(std::string_view text, const SenderCheck& from);
  void open_file(bool from_end);

  std::string dir_;
  std::string file_;
  UniqueFd inotify_;
  UniqueFd log_;
  std::string partial_;
  // Where reading is: a file that shrank was started afresh, and is read from its start.
  off_t offset_ = 0;
  std::deque<std::string> recent_;
  SenderCheck keep_from_;
};

}  // namespace ccinit::tools
