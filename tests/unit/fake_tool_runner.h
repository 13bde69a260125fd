#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/tool_runner.h"

namespace ccinit::testing {

using tools::Command;
using tools::Readiness;
using tools::ToolResult;
using tools::ToolRunner;

// Records every command instead of running it. Results are looked up by command text;
// daemons get pids 100, 101, ...; nvidia-persistenced's readiness is whatever `persistenced`
// does (default: ready, daemon pid 100).
class FakeRunner : public ToolRunner {
 public:
  ToolResult run(const Command& command, bool capture) override {
    calls.push_back(command.text());
    captured.push_back(capture);
    auto it = results.find(command.text());
    return it == results.end() ? ToolResult{} : it->second;
  }
  pid_t start(const Command& command) override {
    calls.push_back(command.text());
    return next_pid++;
  }
  pid_t start_and_wait(const Command& command, const Readiness& how) override {
    calls.push_back(command.text());
    readiness = how;
    if (persistenced) return persistenced();
    return next_pid++;
  }
  std::optional<std::string> check_running(pid_t pid) override {
    checked.insert(pid);
    if (dead.contains(pid)) return std::string("exited with status 1");
    return std::nullopt;
  }

  static ToolResult exit_status(int status, std::string output = "") {
    return ToolResult{status << 8, std::move(output)};
  }

  std::vector<std::string> calls;
  std::vector<bool> captured;
  std::map<std::string, ToolResult> results;
  std::function<pid_t()> persistenced;
  std::set<pid_t> dead;
  std::set<pid_t> checked;
  Readiness readiness;
  pid_t next_pid = 100;
};

}  // namespace ccinit::testing
