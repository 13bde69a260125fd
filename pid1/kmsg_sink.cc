#include "pid1/kmsg_sink.h"

#include <fcntl.h>
#include <unistd.h>

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

}  // namespace

int KmsgSink::current_fd() {
  if (!kmsg_) {
    // O_APPEND: the agent and tests may share the same target.
    kmsg_.reset(::open(kmsg_path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC | O_NOCTTY));
  }
  return kmsg_ ? kmsg_.get() : STDERR_FILENO;
}

void KmsgSink::emit(int priority, const std::string& text) {
  int fd = current_fd();
  std::string record = fd == STDERR_FILENO
                           ? "ccinit: " + text + "\n"
                           : "<" + std::to_string(priority) + ">ccinit: " + text + "\n";
  // kmsg takes one record per write; a failed log write has nowhere better to go.
  [[maybe_unused]] ssize_t n = ::write(fd, record.data(), record.size());
}

void KmsgSink::sink_it_(const spdlog::details::log_msg& msg) {
  std::string text(msg.payload.data(), msg.payload.size());
  if (holding_) {
    if (held_.size() == kMaxHeld) held_.erase(held_.begin());
    held_.push_back({msg.level, std::move(text)});
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

void KmsgSink::write_always(int priority, const std::string& text) {
  emit(priority, text);
}

}  // namespace ccinit::pid1
