// `--detected TEXT` on a hand-run helper: any text is either refused with one printable line
// or read as a decision that prints back as exactly that text (nothing is silently dropped
// or normalized), with no more management functions than PID 1 would relay.
#include <string>

#include "common/detected_mode.h"
#include "tests/fuzz/fuzz_support.h"

using namespace ccinit;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::as_text(data, size);
  wire::Detected detected;
  try {
    detected = parse_detected(text);
  } catch (const DetectedError& e) {
    fuzz::require(fuzz::printable_ascii(e.what()), "a refusal is one printable line");
    return 0;
  }
  fuzz::require(detected.management_functions_size() <= kMaxManagementFunctions,
                "at most kMaxManagementFunctions");
  fuzz::require(describe_detected(detected) == text, "what was read prints back as the text");
  return 0;
}
