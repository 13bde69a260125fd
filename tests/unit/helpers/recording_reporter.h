#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "helpers/runtime/reporter.h"

namespace ccinit::testing {

// Keeps every event a helper reports, as readable lines:
//   "info: mounted proc on /proc (...)", "step mount-proc started", "step mount-proc done",
//   "daemon name 42".
class RecordingReporter : public helper::Reporter {
 public:
  void log(wire::LogLevel level, std::string_view text) override {
    static constexpr const char* kNames[] = {"off", "error", "warn", "info", "debug", "trace"};
    lines.push_back(std::string(kNames[level]) + ": " + std::string(text));
  }
  void progress(std::string_view step, bool done) override {
    lines.push_back("step " + std::string(step) + (done ? " done" : " started"));
  }
  void daemon_started(std::string_view name, pid_t pid) override {
    lines.push_back("daemon " + std::string(name) + " " + std::to_string(pid));
  }

  bool has(std::string_view line) const {
    for (const auto& l : lines)
      if (l == line) return true;
    return false;
  }
  bool has_containing(std::string_view part) const {
    for (const auto& l : lines)
      if (l.find(part) != std::string::npos) return true;
    return false;
  }

  std::vector<std::string> lines;
};

}  // namespace ccinit::testing
