#include "pid1/log.h"

namespace ccinit::pid1 {

spdlog::level::level_enum to_spdlog(wire::LogLevel level) {
  switch (level) {
    case wire::LOG_ERROR:
      return spdlog::level::err;
    case wire::LOG_WARN:
      return spdlog::level::warn;
    case wire::LOG_INFO:
      return spdlog::level::info;
    case wire::LOG_DEBUG:
      return spdlog::level::debug;
    case wire::LOG_TRACE:
      return spdlog::level::trace;
    default:
      return spdlog::level::off;
  }
}

Log::Log(std::string kmsg_path)
    : sink_(std::make_shared<KmsgSink>(std::move(kmsg_path))),
      logger_(std::make_shared<spdlog::logger>("ccinit", sink_)) {
  logger_->set_level(spdlog::level::trace);
  sink_->set_pattern("%v");
}

void Log::set_level(wire::LogLevel level) {
  auto spd = to_spdlog(level);
  sink_->release_held(spd);
  logger_->set_level(spd);
  released_ = true;
}

void Log::release_for_failure() {
  if (!released_) set_level(wire::LOG_ERROR);
}

void Log::power_off_reason(const std::string& reason, PowerOffKind kind) {
  release_for_failure();
  int priority = kind == PowerOffKind::kFailure ? 3 : kind == PowerOffKind::kRequested ? 5 : 7;
  sink_->write_always(priority, "power off: " + reason);
}

}  // namespace ccinit::pid1
