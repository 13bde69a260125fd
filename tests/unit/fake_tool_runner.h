#pragma once

#include <deque>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/tool_runner.h"

namespace ccinit::testing {

using tools::Command;
using tools::DaemonReadiness;
using tools::Readiness;
using tools::ToolResult;
using tools::ToolRunner;

// Records every command instead of running it. Results are looked up by command text;
// daemons get pids 100, 101, ...; nvidia-persistenced's readiness is whatever `persistenced`
// does (default: ready, daemon pid 100). A command with queued `result_sequence` entries gets
// them one per run (the last one repeats); foreground daemons are ready unless
// `daemon_ready` says otherwise (it may throw), and their readiness is kept by name.
class FakeRunner : public ToolRunner {
 public:
  ToolResult run(const Command& command, bool capture) override {
    calls.push_back(command.text());
    captured.push_back(capture);
    if (auto queued = result_sequence.find(command.text()); queued != result_sequence.end()) {
      std::deque<ToolResult>& left = queued->second;
      ToolResult result = left.front();
      if (left.size() > 1) left.pop_front();
      return result;
    }
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
  pid_t start_until_ready(const Command& command, const DaemonReadiness& how) override {
    calls.push_back(command.text());
    daemon_readiness[how.name] = how;
    if (daemon_ready) daemon_ready(command, how);
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
  std::map<std::string, std::deque<ToolResult>> result_sequence;
  std::function<void(const Command&, const DaemonReadiness&)> daemon_ready;
  std::map<std::string, DaemonReadiness> daemon_readiness;
  std::function<pid_t()> persistenced;
  std::set<pid_t> dead;
  std::set<pid_t> checked;
  Readiness readiness;
  pid_t next_pid = 100;
};

}  // namespace ccinit::testing
