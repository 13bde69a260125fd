#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "common/unique_fd.h"
#include "pid1/log.h"

namespace ccinit::pid1 {

// /run/syslog.log as PID 1 appends to it: lines are built in place in one batch buffer and
// written together (one write per drain, not one per message), and the file never grows past
// its cap. Past the cap it is rotated to <file>.1. When rotation fails (no inode or space
// left in /run, no fd left, the .1 path blocked), the file is started afresh (truncated)
// instead; when even that fails, lines are dropped until a retry succeeds. Nothing here
// throws after construction: a full /run must not end PID 1. What goes wrong is logged once
// per change of state, and failed writes at most once per kWarnInterval.
class SyslogFile {
 public:
  static constexpr std::size_t kMaxFileBytes = 1 << 20;
  // The batch is written once it holds this much (and at every flush()).
  static constexpr std::size_t kBatchBytes = 32 * 1024;
  static constexpr std::chrono::seconds kWarnInterval{10};
  static constexpr std::chrono::seconds kRetryInterval{1};

  // Opens (creates, 0600) the file; throws SysError when it cannot. `max_line_bytes` bounds
  // every line, `max_file_bytes` is the cap (tests use small ones).
  SyslogFile(std::string path, Log& log, std::size_t max_line_bytes,
             std::size_t max_file_bytes = kMaxFileBytes);

  // Room for the next line (max_line_bytes); valid until commit_line().
  char* line_buffer();
  // The next `size` bytes at line_buffer(), newline included, are a complete line.
  void commit_line(std::size_t size) noexcept;
  // Writes what the batch holds, so readers (a readiness watcher) see it now.
  void flush() noexcept;

 private:
  enum class State { kRotating, kTruncating, kStopped };

  void write_batch() noexcept;
  bool make_room() noexcept;
  bool try_rotate(int* error) noexcept;
  void enter(State state, int error) noexcept;
  void write_failed(int error) noexcept;

  std::string path_;
  std::string rotated_path_;
  Log& log_;
  std::size_t max_line_bytes_;
  std::size_t max_file_bytes_;
  UniqueFd file_;
  std::size_t file_bytes_ = 0;
  // Lines waiting to be written, from batch_[1]; batch_[0] is kept for the newline that ends
  // a line a failed write cut. Allocated on first use and never zeroed: untouched pages cost
  // PID 1 no memory.
  std::unique_ptr<char[]> batch_;
  std::size_t batch_used_ = 0;
  // A failed write may have left half a line: the next write starts a new one.
  bool line_open_ = false;
  State state_ = State::kRotating;
  std::chrono::steady_clock::time_point retry_at_{};
  std::size_t dropped_lines_ = 0;
  std::size_t failed_writes_ = 0;
  std::chrono::steady_clock::time_point next_write_warning_{};
};

}  // namespace ccinit::pid1
