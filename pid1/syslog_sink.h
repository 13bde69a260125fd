#pragma once

#include <sys/types.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "common/log_escape.h"
#include "common/unique_fd.h"
#include "pid1/log.h"
#include "pid1/syslog_file.h"
#include "pid1/syslog_line.h"

namespace ccinit::pid1 {

// PID 1 owns /dev/log: daemons such as nvidia-persistenced announce readiness there, and
// nothing else in the guest may pose as the system logger. Every datagram is drained at once,
// its "<N>" priority stripped, and appended as one escaped line to /run/syslog.log (a
// SyslogFile: capped, rotated, never fatal), where a helper waiting for a readiness line
// watches for it (inotify). Each line starts with the sender's pid as the kernel vouches for
// it (SO_PASSCRED), so a watcher believes a readiness line only from the daemon it started:
//   "<pid> <message>"      e.g. "4711 nvidia-persistenced[4711]: Local RPC services initialized"
// The pid is 0 when the sender is not visible in PID 1's pid namespace. A datagram longer
// than kMaxMessageBytes is cut and marked "...".
//
// A flood costs little: datagrams are received several per system call (recvmmsg), each
// line is escaped straight into the file's batch buffer, and one drain ends in one write.
class SyslogSink {
 public:
  static constexpr std::size_t kMaxFileBytes = SyslogFile::kMaxFileBytes;
  static constexpr std::size_t kMaxMessageBytes = kSyslogMaxMessageBytes;
  // Per drain() call, so a flood cannot starve PID 1's other events.
  static constexpr int kMaxMessagesPerDrain = 1024;
  static constexpr std::size_t kMaxLineBytes = kSyslogMaxLineBytes;

  // Binds the socket (replacing a stale one) and opens the log file. Throws SysError.
  SyslogSink(std::string socket_path, std::string file_path, Log& log,
             std::size_t max_file_bytes = kMaxFileBytes);
  ~SyslogSink();

  int fd() const { return socket_.get(); }
  // Reads every pending message (up to kMaxMessagesPerDrain) and writes their lines. Never
  // throws: a full /run or a failing socket must not end PID 1.
  void drain() noexcept;

 private:
  struct Batch;
  void add_line(pid_t sender, std::string_view message, bool cut) noexcept;

  std::string socket_path_;
  Log& log_;
  UniqueFd socket_;
  SyslogFile file_;
  // The receive buffers, allocated on the first drain and never zeroed.
  std::unique_ptr<Batch> batch_;
};

}  // namespace ccinit::pid1
