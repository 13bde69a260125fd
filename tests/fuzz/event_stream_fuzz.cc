// PID 1's side of the helper protocol: the event pipe, whose bytes a hostile helper chooses.
// Fed in chunks (the first byte picks the cuts) and then ended, EventStream may only accept
// events or throw ProtocolError; once a result is taken, nothing may follow it.
#include <string_view>

#include <google/protobuf/stubs/logging.h>

#include "proto/channel.h"
#include "tests/fuzz/fuzz_support.h"

using namespace ccinit;

namespace {

// libprotobuf logs each string field of invalid UTF-8 to stderr; thousands a second would
// drown the fuzzer's own output. What reaches the caller is what this target checks.
[[maybe_unused]] const bool kQuietProtobuf = (google::protobuf::SetLogHandler(nullptr), true);

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const fuzz::Chunked input = fuzz::split_into_chunks(fuzz::as_text(data, size));
  wire::EventStream stream;
  try {
    for (std::string_view chunk : input.chunks) {
      const bool had_result = stream.result().has_value();
      for (const wire::Event& event : stream.feed(chunk)) {
        fuzz::require(!had_result, "no event is accepted after the result");
        fuzz::require(event.kind_case() != wire::Event::KIND_NOT_SET, "every event has a kind");
      }
    }
    stream.end_of_stream();
  } catch (const wire::ProtocolError& e) {
    fuzz::require(fuzz::one_line(e.what()), "a ProtocolError is one line");
  }
  return 0;
}
