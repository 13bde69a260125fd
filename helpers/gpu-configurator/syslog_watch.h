#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <string_view>

#include "common/unique_fd.h"

namespace ccinit::gpu {

// Follows the syslog file PID 1 writes (<dir>/syslog.log, renamed to syslog.log.1 when it
// reaches its cap) through inotify on the directory, so a readiness line is seen as soon as
// it is written, without polling. Only text appended after construction counts.
class SyslogWatch {
 public:
  explicit SyslogWatch(std::string dir, std::string file = "syslog.log");

  // The inotify descriptor: readable when there is something for consume().
  int fd() const { return inotify_.get(); }
  // Reads the pending events and the new text; true when a complete new line contains
  // `text`.
  bool consume(std::string_view text);
  // The last complete lines seen (at most kKeptLines), joined with " | ", or "(none)".
  std::string last_lines() const;

  static constexpr std::size_t kKeptLines = 5;

 private:
  bool drain(std::string_view text);
  void open_file(bool from_end);

  std::string dir_;
  std::string file_;
  UniqueFd inotify_;
  UniqueFd log_;
  std::string partial_;
  std::deque<std::string> recent_;
};

}  // namespace ccinit::gpu
