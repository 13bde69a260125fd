#include "pid1/kmsg_sink.h"

#include <fcntl.h>
#include <unistd.h>

#include "pid1/kmsg_record.h"

namespace ccinit::pid1 {

namespace {

int syslog_priority(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::critical:
      return 2;
    case spdlog::level::err:
      return 3;
    case spdlog::level::warn:
      return 4;
    case spdlog::level::info:
      return 6;
    default:
      return 7;
  }
}

constexpr int kKmsgFlags = O_WRONLY | O_APPEND | O_CLOEXEC | O_NOCTTY;

// One write: kmsg takes one record per write, and a short write is a lost record.
bool write_record(int fd, std::string_view record) {
  return ::write(fd, record.data(), record.size()) == static_cast<ssize_t>(record.size());
}

void write_to_console(std::string_view text) {
  KmsgRecord record(KmsgRecord::kNoPriority);
  // Nowhere better to report a failed console write.
  [[maybe_unused]] bool ignored = write_record(STDERR_FILENO, record.append(text).finish());
}

}  // namespace

int KmsgSink::current_fd() {
  if (!kmsg_) {
    // O_APPEND: the agent and tests may share the same target.
    kmsg_.reset(::open(kmsg_path_.c_str(), kKmsgFlags));
  }
  return kmsg_ ? kmsg_.get() : STDERR_FILENO;
}

void KmsgSink::emit(int priority, std::string_view text) {
  int fd = current_fd();
  if (fd == STDERR_FILENO) return write_to_console(text);
  KmsgRecord record(priority);
  // A failed log write has nowhere better to go.
  [[maybe_unused]] bool ignored = write_record(fd, record.append(text).finish());
}

void KmsgSink::sink_it_(const spdlog::details::log_msg& msg) {
  std::string_view text(msg.payload.data(), msg.payload.size());
  if (holding_) {
    if (held_.size() == kMaxHeld) held_.erase(held_.begin());
    held_.push_back({msg.level, std::string(text)});
    return;
  }
  emit(syslog_priority(msg.level), text);
}

void KmsgSink::release_held(spdlog::level::level_enum level) {
  holding_ = false;
  for (const Held& h : held_)
    if (h.level >= level) emit(syslog_priority(h.level), h.text);
  held_.clear();
}

void KmsgSink::write_always(int priority, std::string_view text) {
  UniqueFd own(::open(kmsg_path_.c_str(), kKmsgFlags));
  if (own) {
    KmsgRecord record(priority);
    if (write_record(own.get(), record.append(text).finish())) return;
  }
  // No /dev yet, or the kernel refused the record: the console is the last way out.
  write_to_console(text);
}

}  // namespace ccinit::pid1
