#include "pid1/kmsg_record.h"

#include "common/log_escape.h"

namespace ccinit::pid1 {

namespace {

constexpr std::size_t kEscapeBytes = 4;  // \xNN

// Decimal digits of n into out (at least 20 bytes); returns how many.
std::size_t format_decimal(std::size_t n, char* out) {
  char reversed[20];
  std::size_t count = 0;
  do {
    reversed[count++] = static_cast<char>('0' + n % 10);
    n /= 10;
  } while (n != 0);
  for (std::size_t i = 0; i < count; ++i) out[i] = reversed[count - 1 - i];
  return count;
}

std::size_t copy(const char* text, char* out) {
  std::size_t n = 0;
  while (text[n] != '\0') {
    out[n] = text[n];
    ++n;
  }
  return n;
}

bool is_utf8_continuation(char c) {
  return (static_cast<unsigned char>(c) & 0xc0) == 0x80;
}

}  // namespace

KmsgRecord::KmsgRecord(int priority, std::string_view tag) {
  if (priority != kNoPriority) {
    char head[24];
    std::size_t n = 0;
    head[n++] = '<';
    n += format_decimal(static_cast<std::size_t>(priority), head + n);
    head[n++] = '>';
    put(head, n);
  }
  put(tag.data(), tag.size());
  text_bytes_ = 0;
  head_ = len_;
}

void KmsgRecord::put(const char* bytes, std::size_t n) {
  text_bytes_ += n;
  // Once something did not fit, nothing after it may be kept: the cut is one gap at the end.
  if (cut_) return;
  const std::size_t room = kKmsgMaxRecord - 1 - len_;  // the newline always has its byte
  const std::size_t take = n < room ? n : room;
  for (std::size_t i = 0; i < take; ++i) buf_[len_ + i] = bytes[i];
  len_ += take;
  cut_ = take < n;
}

KmsgRecord& KmsgRecord::append(std::string_view text) {
  std::size_t plain = 0;  // start of the run of bytes that need no escape
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != 0x7f) continue;
    put(text.data() + plain, i - plain);
    char escape[kEscapeBytes];
    write_hex_escape(escape, c);
    put(escape, kEscapeBytes);
    plain = i + 1;
  }
  put(text.data() + plain, text.size() - plain);
  return *this;
}

std::string_view KmsgRecord::finish() {
  if (cut_) {
    char mark[48];
    std::size_t mark_len = copy("... [cut, ", mark);
    mark_len += format_decimal(text_bytes_, mark + mark_len);
    mark_len += copy(" bytes]", mark + mark_len);
    // The buffer is full when cut, so the mark always takes room from the text.
    std::size_t keep = kKmsgMaxRecord - 1 - mark_len;
    if (keep < head_) keep = head_;
    if (keep < len_) {
      while (keep > head_ && is_utf8_continuation(buf_[keep])) --keep;
      // A backslash up to 3 bytes before the cut starts an escape the cut would split.
      for (std::size_t back = 1; back < kEscapeBytes && back <= keep - head_; ++back) {
        if (buf_[keep - back] == '\\') {
          keep -= back;
          break;
        }
      }
      len_ = keep;
    }
    for (std::size_t i = 0; i < mark_len && len_ < kKmsgMaxRecord - 1; ++i) buf_[len_++] = mark[i];
  }
  buf_[len_++] = '\n';
  return {buf_, len_};
}

}  // namespace ccinit::pid1
