#pragma once

#include <string_view>

namespace ccinit {

// Calls fn(line) for every line of text, without its '\n'. A last line without a newline
// still counts; an empty text has no lines. The one line splitter for /proc files, tool
// output and multi-line descriptions, so each does not get its own off-by-one.
template <typename Fn>
void for_each_line(std::string_view text, Fn&& fn) {
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    fn(text.substr(0, end));
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
  }
}

}  // namespace ccinit
