#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "common/unique_fd.h"
#include "pid1/log.h"

namespace ccinit::pid1 {

// PID 1 owns /dev/log: daemons such as nvidia-persistenced announce readiness there, and
// nothing else in the guest may pose as the system logger. Every datagram is drained at once,
// its "<N>" priority stripped, and appended as one line to /run/syslog.log, where a helper
// waiting for a readiness line watches for it (inotify). The file is capped so a flood cannot
// fill the guest's RAM-backed /run: past the cap it is rotated to /run/syslog.log.1.
class SyslogSink {
 public:
  static constexpr std::size_t kMaxFileBytes = 1 << 20;
  static constexpr std::size_t kMaxMessageBytes = 8192;
  // Per drain() call, so a flood cannot starve PID 1's other events.
  static constexpr int kMaxMessagesPerDrain = 1024;

  // Binds the socket (replacing a stale one) and opens the log file. Throws SysError.
  SyslogSink(std::string socket_path, std::string file_path, Log& log);

  int fd() const { return socket_.get(); }
  // Reads every pending message (up to kMaxMessagesPerDrain).
  void drain();

  // "<30>nvidia-persistenced[7]: ready" -> "nvidia-persistenced[7]: ready".
  static std::string_view strip_priority(std::string_view message);

 private:
  void append(std::string_view line);
  void open_file();

  std::string socket_path_;
  std::string file_path_;
  Log& log_;
  UniqueFd socket_;
  UniqueFd file_;
  std::size_t file_bytes_ = 0;
};

}  // namespace ccinit::pid1
