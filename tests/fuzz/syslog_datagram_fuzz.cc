// One datagram on /dev/log, which any process in the guest may send. Until the sink has a
// per-datagram entry point of its own, this goes through what drain() does with each one:
// strip the "<N>" priority, then escape. The result must be one printable line no longer
// than the escaping bound, and stripping only ever removes a prefix and a suffix.
#include <string>
#include <string_view>

#include "common/log_escape.h"
#include "pid1/syslog_sink.h"
#include "tests/fuzz/fuzz_support.h"

using namespace ccinit;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view datagram = fuzz::as_text(data, size);
  const std::string_view message = pid1::SyslogSink::strip_priority(datagram);
  fuzz::require(message.empty() || (message.data() >= datagram.data() &&
                                    message.data() + message.size() <= datagram.data() + size),
                "strip_priority returns a part of the datagram");
  const std::string line = escape_for_log(message, pid1::SyslogSink::kMaxMessageBytes);
  fuzz::require(fuzz::printable_ascii(line), "a syslog line is printable: no forged records");
  fuzz::require(line.size() <= 4 * pid1::SyslogSink::kMaxMessageBytes + 3,
                "escaping stays within its bound");
  return 0;
}
