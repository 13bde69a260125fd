#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

// What the stand-in kata-agent (tests/support/agent) printed on the guest console: the
// `key=value` lines between AGENT-REPORT-BEGIN and AGENT-REPORT-END, and inside them the
// files its cat:PATH action printed between `FILE-BEGIN PATH` and `FILE-END PATH`.
namespace ccinit::testing {

class AgentReport {
 public:
  // Console lines without their newlines. Kernel lines that interleave with the report on a
  // real console (they start with '[') are not fields.
  explicit AgentReport(const std::vector<std::string>& console);

  // Whether the agent started its report at all.
  bool began() const { return began_; }
  // Whether it finished it (an agent that dies mid-way leaves the fields it wrote).
  bool ended() const { return ended_; }
  const std::map<std::string, std::string>& fields() const { return fields_; }
  // A file's text, each line with its newline, or nullopt when the agent did not print it.
  std::optional<std::string> file(const std::string& path) const;

 private:
  bool began_ = false;
  bool ended_ = false;
  std::map<std::string, std::string> fields_;
  std::map<std::string, std::string> files_;
};

}  // namespace ccinit::testing
