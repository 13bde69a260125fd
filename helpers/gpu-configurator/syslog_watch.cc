#include "helpers/gpu-configurator/syslog_watch.h"

#include <fcntl.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/sys_error.h"

namespace ccinit::gpu {

namespace {
// A line longer than this is kept only in part: a flood must not grow the helper's memory.
constexpr std::size_t kMaxLine = 4096;
}  // namespace

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
  if (!log_) {
    if (errno == ENOENT) return;  // PID 1 creates it with the first message
    throw SysError("open " + path);
  }
  if (from_end && ::lseek(log_.get(), 0, SEEK_END) < 0) throw SysError("seek " + path);
  partial_.clear();
}

bool SyslogWatch::drain(std::string_view text) {
  if (!log_) return false;
  bool found = false;
  char buffer[4096];
  for (;;) {
    ssize_t n = ::read(log_.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw SysError("read " + dir_ + "/" + file_);
    if (n == 0) break;
    for (ssize_t i = 0; i < n; ++i) {
      if (buffer[i] != '\n') {
        if (partial_.size() < kMaxLine) partial_ += buffer[i];
        continue;
      }
      if (partial_.find(text) != std::string::npos) found = true;
      recent_.push_back(std::move(partial_));
      partial_.clear();
      if (recent_.size() > kKeptLines) recent_.pop_front();
    }
  }
  return found;
}

bool SyslogWatch::consume(std::string_view text) {
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
      if (event->mask & IN_Q_OVERFLOW) found = drain(text) || found;
      if (event->len == 0 || file_ != event->name) continue;
      // Whatever the old file still holds was written before the new one appeared.
      found = drain(text) || found;
      if (event->mask & (IN_CREATE | IN_MOVED_TO))
        open_file(false);
      else if (!log_)
        open_file(false);
      found = drain(text) || found;
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

}  // namespace ccinit::gpu
