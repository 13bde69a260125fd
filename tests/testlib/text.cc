#include "tests/testlib/text.h"

#include "common/file_io.h"
#include "common/text_lines.h"

namespace ccinit::testing {

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  for_each_line(text, [&](std::string_view line) { lines.emplace_back(line); });
  return lines;
}

std::string hex_encode(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    hex += kHex[c >> 4];
    hex += kHex[c & 0xf];
  }
  return hex;
}

std::string read_text(const std::string& path) {
  return read_file(path);
}

}  // namespace ccinit::testing
