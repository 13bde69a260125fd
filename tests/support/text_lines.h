#pragma once

#include <sstream>
#include <string>
#include <vector>

namespace ccinit::testing {

// The lines of `text` without their newlines (console output, kmsg files, reports).
inline std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

}  // namespace ccinit::testing
