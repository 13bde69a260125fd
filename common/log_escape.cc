#include "common/log_escape.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace ccinit {

namespace {

constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
constexpr std::uint64_t kHighBits = 0x8080808080808080ULL;

// Non-zero when any byte of the word is zero.
constexpr std::uint64_t has_zero_byte(std::uint64_t w) {
  return (w - kOnes) & ~w & kHighBits;
}

// Whether any of 8 bytes needs escaping, tested at once (SWAR): a flood of plain text is
// copied in runs instead of byte by byte. Each test is exact about "any byte"; only which
// byte it flags may be wrong, and the byte loop finds that.
constexpr bool word_needs_escape(std::uint64_t w) {
  const std::uint64_t non_ascii = w & kHighBits;
  const std::uint64_t below_space = (w - kOnes * 0x20) & ~w & kHighBits;
  const std::uint64_t del = has_zero_byte(w ^ (kOnes * 0x7f));
  const std::uint64_t backslash = has_zero_byte(w ^ (kOnes * '\\'));
  return (non_ascii | below_space | del | backslash) != 0;
}

constexpr bool safe(unsigned char c) {
  return c >= 0x20 && c < 0x7f && c != '\\';
}

}  // namespace

char* escape_for_log_to(char* out, std::string_view text, std::size_t max_bytes, bool cut) {
  const std::size_t take = std::min(text.size(), max_bytes);
  const char* p = text.data();
  const char* const end = p + take;
  while (p < end) {
    const char* run = p;
    for (std::uint64_t w; end - p >= 8; p += 8) {
      std::memcpy(&w, p, 8);
      if (word_needs_escape(w)) break;
    }
    while (p < end && safe(static_cast<unsigned char>(*p))) ++p;
    std::memcpy(out, run, static_cast<std::size_t>(p - run));
    out += p - run;
    if (p == end) break;
    out = write_hex_escape(out, static_cast<unsigned char>(*p++));
  }
  if (cut || text.size() > take) {
    std::memcpy(out, "...", 3);
    out += 3;
  }
  return out;
}

std::string escape_for_log(std::string_view text, std::size_t max_bytes) {
  std::string out(escaped_size_bound(std::min(text.size(), max_bytes)), '\0');
  out.resize(static_cast<std::size_t>(escape_for_log_to(out.data(), text, max_bytes) - out.data()));
  return out;
}

}  // namespace ccinit
