#pragma once

#include <cstddef>
#include <string_view>

namespace ccinit::pid1 {

// Linux (6.1 devkmsg_write, LOG_LINE_MAX = 1024 - 32) refuses with EINVAL a /dev/kmsg write
// longer than this, "<N>" prefix and trailing newline included, and the record is lost.
inline constexpr std::size_t kKmsgMaxRecord = 992;

// One log record, "<N>ccinit: " + text + "\n", built in a fixed buffer and never longer than
// kKmsgMaxRecord. Text that does not fit is cut and ends in a visible mark,
// "... [cut, 4123 bytes]" (the length the whole text would have had), never inside an escape
// sequence \xNN (escape_for_log's) or a UTF-8 character. Control bytes in the text become
// \xNN: the kernel prints each line of a multi-line record with its own timestamp, so a
// newline in helper text would otherwise forge a record of its own on the console.
// No allocation and no library call: the crash guard builds its record in a signal handler.
class KmsgRecord {
 public:
  static constexpr int kNoPriority = -1;  // no "<N>": for the console, which shows it raw

  explicit KmsgRecord(int priority, std::string_view tag = "ccinit: ");
  KmsgRecord(const KmsgRecord&) = delete;
  KmsgRecord& operator=(const KmsgRecord&) = delete;

  KmsgRecord& append(std::string_view text);
  // The record, newline included; call once, after the last append. Valid while this lives.
  std::string_view finish();

 private:
  void put(const char* bytes, std::size_t n);
  char buf_[kKmsgMaxRecord];
  std::size_t len_ = 0;
  std::size_t head_ = 0;        // bytes of "<N>ccinit: "
  std::size_t text_bytes_ = 0;  // of the whole text, escaped, whether it fitted or not
  bool cut_ = false;
};

}  // namespace ccinit::pid1
