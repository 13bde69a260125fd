#include "common/log_escape.h"

#include <algorithm>

namespace ccinit {

std::string escape_for_log(std::string_view text, std::size_t max_bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  std::size_t take = std::min(text.size(), max_bytes);
  out.reserve(take + 3);
  for (std::size_t i = 0; i < take; ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
  if (text.size() > take) out += "...";
  return out;
}

}  // namespace ccinit
