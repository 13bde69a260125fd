#include "common/syslog_watch.h"

#include <fcntl.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "common/decimal.h"
#include "common/file_io.h"
#include "common/sys_error.h"

namespace ccinit::tools {

namespace {
// A line longer than this is kept only in part: a flood must not grow the helper's memory.
constexpr std::size_t kMaxLine = 4096;
}  // namespace

std::optional<pid_t> SyslogWatch::sender_of(std::string_view line) {
  const auto space = line.find(' ');
  if (space == std::string_view::npos || space == 0 || space > 10) return std::nullopt;
  const std::optional<pid_t> pid = parse_decimal<pid_t>(line.substr(0, space));
  if (!pid || *pid <= 0) return std::nullopt;
  return pid;
}

SyslogWatch::SyslogWatch(std::string dir, std::string file)
    : dir_(std::move(dir)), file_(std::move(file)) {
  inotify_.reset(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
  if (!inotify_) throw SysError("inotify_init1");
  if (::inotify_add_watch(inotify_.get(), dir_.c_str(), IN_MODIFY | IN_CREATE | IN_MOVED_TO) < 0)
    throw SysError("watch " + dir_ + " with inotify");
  open_file(true);
}

void SyslogWatch::open_file(bool from_end) {
  const std::string path = dir_ + "/" + file_;
  log_.reset(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  offset_ = 0;
  if (!log_) {
    if (errno == ENOENT) return;  // PID 1 creates it with the first message
    throw SysError("open " + path);
  }
  if (from_end && (offset_ = ::lseek(log_.get(), 0, SEEK_END)) < 0) throw SysError("seek " + path);
  partial_.clear();
}

bool SyslogWatch::drain(std::string_view text, const SenderCheck& from) {
  if (!log_) return false;
  // PID 1 starts the file afresh (truncates it) when it cannot rotate it: read it from the
  // start again, or what follows would never be seen.
  struct stat st {};
  if (::fstat(log_.get(), &st) == 0 && st.st_size < offset_) {
    if ((offset_ = ::lseek(log_.get(), 0, SEEK_SET)) < 0)
      throw SysError("seek " + dir_ + "/" + file_);
    partial_.clear();
  }
  bool found = false;
  char buffer[4096];
  for (;;) {
    ssize_t n = ::read(log_.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw SysError("read " + dir_ + "/" + file_);
    if (n == 0) break;
    offset_ += n;
    for (ssize_t i = 0; i < n; ++i) {
      if (buffer[i] != '\n') {
        if (partial_.size() < kMaxLine) partial_ += buffer[i];
        continue;
      }
      const std::optional<pid_t> sender = sender_of(partial_);
      if (partial_.find(text) != std::string::npos && sender && from(*sender)) found = true;
      if (!keep_from_ || (sender && keep_from_(*sender))) {
        recent_.push_back(std::move(partial_));
        if (recent_.size() > kKeptLines) recent_.pop_front();
      }
      partial_.clear();
    }
  }
  return found;
}

bool SyslogWatch::consume(std::string_view text, const SenderCheck& from) {
  bool found = false;
  alignas(inotify_event) char buffer[4096];
  for (;;) {
    ssize_t n = ::read(inotify_.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) break;
    if (n < 0) throw SysError("read inotify events for " + dir_);
    for (ssize_t offset = 0; offset < n;) {
      const auto* event = reinterpret_cast<const inotify_event*>(buffer + offset);
      offset += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
      if (event->mask & IN_Q_OVERFLOW) found = drain(text, from) || found;
      if (event->len == 0 || file_ != event->name) continue;
      // Whatever the old file still holds was written before the new one appeared.
      found = drain(text, from) || found;
      if (event->mask & (IN_CREATE | IN_MOVED_TO))
        open_file(false);
      else if (!log_)
        open_file(false);
      found = drain(text, from) || found;
    }
  }
  return found;
}

std::string SyslogWatch::last_lines() const {
  if (recent_.empty()) return "(none)";
  std::string out;
  for (const std::string& line : recent_) out += (out.empty() ? "" : " | ") + line;
  return out;
}

}  // namespace ccinit::tools
