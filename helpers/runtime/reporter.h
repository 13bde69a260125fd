#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "proto/ccinit.pb.h"

namespace ccinit::helper {

// Where a helper's events go: framed to PID 1, or as readable lines when run by hand.
class Reporter {
 public:
  virtual ~Reporter() = default;
  virtual void log(wire::LogLevel level, std::string_view text) = 0;
  virtual void progress(std::string_view step, bool done) = 0;
  virtual void daemon_started(std::string_view name, pid_t pid) = 0;

  void error(std::string_view text) { log(wire::LOG_ERROR, text); }
  void warn(std::string_view text) { log(wire::LOG_WARN, text); }
  void info(std::string_view text) { log(wire::LOG_INFO, text); }
  void debug(std::string_view text) { log(wire::LOG_DEBUG, text); }

  // daemon_started as a callable, for the helpers' tools::StartedDaemons.
  std::function<void(std::string_view, pid_t)> daemon_reports() {
    return [this](std::string_view name, pid_t pid) { daemon_started(name, pid); };
  }

  // What gpu-configurator's mode detection decided: sent with a successful result, for PID
  // 1 to relay to the helpers after it.
  void set_detected(wire::Detected detected) { detected_ = std::move(detected); }
  const std::optional<wire::Detected>& detected() const { return detected_; }

  // What the extensions helper set up: sent with a successful result, for PID 1 to check,
  // relay and act on.
  void set_extensions(wire::Extensions extensions) { extensions_ = std::move(extensions); }
  const std::optional<wire::Extensions>& extensions() const { return extensions_; }

 private:
  std::optional<wire::Detected> detected_;
  std::optional<wire::Extensions> extensions_;
};

// Marks a step's start and end in the event stream (the end only when the step returns
// normally; a failure ends the helper with its result instead).
class StepScope {
 public:
  StepScope(Reporter& reporter, std::string step) : reporter_(reporter), step_(std::move(step)) {
    reporter_.progress(step_, false);
  }
  StepScope(const StepScope&) = delete;
  StepScope& operator=(const StepScope&) = delete;
  void done() { reporter_.progress(step_, true); }

 private:
  Reporter& reporter_;
  std::string step_;
};

}  // namespace ccinit::helper
