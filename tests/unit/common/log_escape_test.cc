#include "common/log_escape.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace ccinit {
namespace {

// The contract, one byte at a time: what the bulk escape must equal.
std::string reference(std::string_view text, std::size_t max_bytes, bool cut = false) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < text.size() && i < max_bytes; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  if (cut || text.size() > max_bytes) out += "...";
  return out;
}

TEST(EscapeForLog, BulkEscapeEqualsTheByteByByteContract) {
  std::mt19937 random(8);
  // Mostly plain text with rare bytes to escape, at every alignment and length.
  for (int round = 0; round < 2000; ++round) {
    std::string text(random() % 200, '\0');
    for (char& c : text) {
      const unsigned r = random() % 100;
      c = static_cast<char>(r < 90 ? 0x20 + random() % 0x5f : random() % 256);
    }
    const std::size_t max = random() % 250;
    EXPECT_EQ(escape_for_log(text, max), reference(text, max)) << round;
  }
  for (int c = 0; c < 256; ++c) {
    const std::string text = std::string(13, 'a') + static_cast<char>(c) + std::string(9, 'b');
    EXPECT_EQ(escape_for_log(text, 100), reference(text, 100)) << c;
  }
}

TEST(EscapeForLog, IntoABufferMarksTextThatWasCutBefore) {
  char out[escaped_size_bound(16)];
  const std::string_view text = "abc\ndef";
  char* end = escape_for_log_to(out, text, 16, true);
  EXPECT_EQ(std::string(out, end), "abc\\x0adef...");
  end = escape_for_log_to(out, text, 16);
  EXPECT_EQ(std::string(out, end), "abc\\x0adef");
}

}  // namespace
}  // namespace ccinit
