#include "tests/testlib/text.h"

#include "common/file_io.h"
#include "common/text_lines.h"

namespace ccinit::testing {

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  for_each_line(text, [&](std::string_view line) { lines.emplace_back(line); });
  return lines;
}

std::string read_text(const std::string& path) {
  return read_file(path);
}

}  // namespace ccinit::testing
