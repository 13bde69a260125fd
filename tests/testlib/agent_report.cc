#include "tests/testlib/agent_report.h"

#include <string_view>

namespace ccinit::testing {

namespace {

constexpr std::string_view kFileBegin = "FILE-BEGIN ";
constexpr std::string_view kFileEnd = "FILE-END ";

}  // namespace

AgentReport::AgentReport(const std::vector<std::string>& console) {
  std::optional<std::string> open_file;  // the path whose lines are being collected
  std::string text;
  for (const std::string& line : console) {
    if (!began_) {
      began_ = line == "AGENT-REPORT-BEGIN";
    } else if (open_file) {
      if (line == std::string(kFileEnd) + *open_file) {
        files_[*open_file] = std::move(text);
        text.clear();
        open_file.reset();
      } else {
        text += line + "\n";
      }
    } else if (line == "AGENT-REPORT-END") {
      ended_ = true;
      return;
    } else if (line.starts_with(kFileBegin)) {
      open_file = line.substr(kFileBegin.size());
    } else if (!line.starts_with("[")) {
      auto eq = line.find('=');
      if (eq != std::string::npos) fields_[line.substr(0, eq)] = line.substr(eq + 1);
    }
  }
}

std::optional<std::string> AgentReport::file(const std::string& path) const {
  auto it = files_.find(path);
  if (it == files_.end()) return std::nullopt;
  return it->second;
}

}  // namespace ccinit::testing
