#pragma once

#include <spdlog/spdlog.h>

#include <memory>
#include <string>

#include "pid1/kmsg_sink.h"
#include "proto/ccinit.pb.h"

namespace ccinit::pid1 {

// Why the VM powers off decides how loud the reason is: a clean agent exit stays off the
// console (debug), a requested shutdown is a notice, anything else an error.
enum class PowerOffKind { kAgentExitedCleanly, kRequested, kFailure };

// PID 1's logger: spdlog over a KmsgSink. Everything is logged at trace level into the
// sink, which holds records back until set_level() says what nvrc.log asked for.
class Log {
 public:
  explicit Log(std::string kmsg_path = "/dev/kmsg");
  spdlog::logger& logger() { return *logger_; }
  // Applies nvrc.log: filter level from now on, and the held records are released.
  void set_level(wire::LogLevel level);
  // Before the command line is known, only errors of what was held are worth showing.
  void release_for_failure();
  // The reason for a power-off; written whatever nvrc.log says.
  void power_off_reason(const std::string& reason, PowerOffKind kind);
  int fd_for_crash() { return sink_->current_fd(); }

 private:
  std::shared_ptr<KmsgSink> sink_;
  std::shared_ptr<spdlog::logger> logger_;
  bool released_ = false;
};

spdlog::level::level_enum to_spdlog(wire::LogLevel level);

}  // namespace ccinit::pid1
