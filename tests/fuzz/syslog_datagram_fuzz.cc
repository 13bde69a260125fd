// One datagram on /dev/log, which any process in the guest may send, turned into its line of
// /run/syslog.log the way the sink does it (pid1/syslog_line.h). The line must be one printable
// line within kMaxLineBytes (the newline added by the sink aside), start with the sender's pid, and
// mark a datagram that filled the receive buffer as cut.
#include <string_view>
#include <vector>

#include "pid1/syslog_line.h"
#include "tests/fuzz/fuzz_support.h"

using namespace ccinit;
using namespace ccinit::pid1;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // A datagram of kMaxMessageBytes filled the receive buffer: the real one was longer.
  const bool cut = size >= kSyslogMaxMessageBytes;
  const std::string_view datagram = fuzz::as_text(data, cut ? kSyslogMaxMessageBytes : size);
  std::vector<char> buffer(kSyslogMaxLineBytes);
  const char* end = format_syslog_line(buffer.data(), 4711, datagram, cut);
  const std::string_view line(buffer.data(), static_cast<std::size_t>(end - buffer.data()));
  fuzz::require(line.size() < kSyslogMaxLineBytes, "a syslog line fits its buffer");
  fuzz::require(fuzz::printable_ascii(line), "a syslog line is printable: no forged records");
  fuzz::require(line.starts_with("4711 "), "a syslog line starts with the sender's pid");
  fuzz::require(!cut || line.ends_with("..."), "a cut datagram is marked as cut");
  return 0;
}
