#include "helpers/runtime/proc_status.h"

#include "common/file_io.h"

namespace ccinit::helper {

std::optional<std::string_view> proc_status_field(std::string_view text, std::string_view key) {
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (line.size() <= key.size() || !line.starts_with(key) || line[key.size()] != ':') continue;
    std::string_view value = line.substr(key.size() + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.remove_prefix(1);
    return trim_right(value);
  }
  return std::nullopt;
}

}  // namespace ccinit::helper
