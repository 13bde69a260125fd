#include "pid1/syslog_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/sys_error.h"

namespace ccinit::pid1 {

namespace {

UniqueFd open_log_file(const std::string& path) {
  return UniqueFd(::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600));
}

// Logging must not fail the drain (no memory left to format is no reason to end PID 1).
template <typename... Args>
void log_noexcept(Log& log, spdlog::level::level_enum level, spdlog::format_string_t<Args...> fmt,
                  Args&&... args) noexcept {
  try {
    log.logger().log(level, fmt, std::forward<Args>(args)...);
  } catch (...) {
  }
}

}  // namespace

SyslogFile::SyslogFile(std::string path, Log& log, std::size_t max_line_bytes,
                       std::size_t max_file_bytes)
    : path_(std::move(path)),
      rotated_path_(path_ + ".1"),
      log_(log),
      max_line_bytes_(max_line_bytes),
      max_file_bytes_(max_file_bytes),
      file_(open_log_file(path_)) {
  if (!file_) throw SysError("open " + path_);
  struct stat st {};
  file_bytes_ = ::fstat(file_.get(), &st) == 0 ? static_cast<std::size_t>(st.st_size) : 0;
}

char* SyslogFile::line_buffer() {
  if (!batch_) batch_ = std::make_unique_for_overwrite<char[]>(1 + kBatchBytes + max_line_bytes_);
  return batch_.get() + 1 + batch_used_;
}

void SyslogFile::commit_line(std::size_t size) noexcept {
  if (file_bytes_ + batch_used_ + size > max_file_bytes_) {
    // What the batch holds still fits the current file: it goes there before any rotation.
    if (batch_used_ > 0) {
      char* line = batch_.get() + 1 + batch_used_;
      write_batch();
      std::memmove(batch_.get() + 1, line, size);
    }
    if (file_bytes_ + size > max_file_bytes_ && !make_room()) {
      ++dropped_lines_;
      return;
    }
  }
  batch_used_ += size;
  if (batch_used_ >= kBatchBytes) write_batch();
}

void SyslogFile::flush() noexcept {
  if (batch_used_ > 0) write_batch();
}

void SyslogFile::write_batch() noexcept {
  const char* data = batch_.get() + 1;
  std::size_t size = batch_used_;
  batch_used_ = 0;
  if (line_open_) {
    batch_[0] = '\n';
    --data;
    ++size;
  }
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::write(file_.get(), data + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      write_failed(n < 0 ? errno : EIO);
      break;
    }
    done += static_cast<std::size_t>(n);
  }
  file_bytes_ += done;
  if (done > 0) line_open_ = data[done - 1] != '\n';
}

void SyslogFile::write_failed(int error) noexcept {
  ++failed_writes_;
  const auto now = std::chrono::steady_clock::now();
  if (now < next_write_warning_) return;
  next_write_warning_ = now + kWarnInterval;
  log_noexcept(log_, spdlog::level::warn,
               "syslog: cannot write {}: {}; its lines are lost ({} failed writes so far)", path_,
               std::strerror(error), failed_writes_);
}

bool SyslogFile::try_rotate(int* error) noexcept {
  if (::rename(path_.c_str(), rotated_path_.c_str()) != 0) {
    *error = errno;
    return false;
  }
  UniqueFd fresh = open_log_file(path_);
  if (!fresh) {
    *error = errno;
    // No new file (no inode or fd left): the old one takes its name back, so readers that
    // follow the name still find it.
    ::rename(rotated_path_.c_str(), path_.c_str());
    return false;
  }
  file_ = std::move(fresh);
  file_bytes_ = 0;
  line_open_ = false;
  return true;
}

bool SyslogFile::make_room() noexcept {
  const auto now = std::chrono::steady_clock::now();
  if (state_ == State::kStopped && now < retry_at_) return false;
  int error = 0;
  if (try_rotate(&error)) {
    enter(State::kRotating, 0);
    return true;
  }
  // Growing past the cap is never the answer: the file starts afresh (older lines lost).
  if (::ftruncate(file_.get(), 0) == 0) {
    file_bytes_ = 0;
    line_open_ = false;
    enter(State::kTruncating, error);
    return true;
  }
  retry_at_ = now + kRetryInterval;
  enter(State::kStopped, error);
  return false;
}

void SyslogFile::enter(State state, int error) noexcept {
  if (state == state_) return;
  state_ = state;
  switch (state) {
    case State::kRotating:
      log_noexcept(log_, spdlog::level::warn,
                   "syslog: {} rotates again ({} lines were dropped meanwhile)", path_,
                   dropped_lines_);
      break;
    case State::kTruncating:
      log_noexcept(log_, spdlog::level::warn,
                   "syslog: cannot rotate {}: {}; it starts afresh at its cap instead (older "
                   "lines lost)",
                   path_, std::strerror(error));
      break;
    case State::kStopped:
      log_noexcept(log_, spdlog::level::warn,
                   "syslog: cannot rotate {} ({}) nor start it afresh: dropping messages until "
                   "it can",
                   path_, std::strerror(error));
      break;
  }
}

}  // namespace ccinit::pid1
