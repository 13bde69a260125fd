// `nvidia-smi -q` output is a tool's text, from the GPU extension image: bytes from outside
// ccinit. For any of it the fabric-state parser returns (never throws), keeps at most
// kMaxSmiGpus GPUs with bounded, printable fields, says why in one printable line of bounded
// length (it may become the power-off line), and calls nothing ready unless the GPU count is
// the detected one and every GPU shows exactly State Completed and Status Success.
#include <string>
#include <string_view>

#include "helpers/fabric-launcher/smi_fabric.h"
#include "tests/fuzz/fuzz_support.h"

using namespace ccinit;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // The first byte picks the detected GPU count (0 to 15), the rest is the output.
  const unsigned expected = size ? data[0] & 0x0fu : 0;
  const std::string_view text = size ? fuzz::as_text(data + 1, size - 1) : std::string_view();
  const fabric::FabricStates states = fabric::parse_fabric_states(text, expected);

  fuzz::require(fuzz::printable_ascii(states.summary), "the summary is printable");
  fuzz::require(!states.summary.empty() && states.summary.size() <= 900,
                "the summary fits in one power-off line");
  fuzz::require(states.gpus.size() <= fabric::kMaxSmiGpus, "the GPU list is bounded");
  for (const fabric::GpuFabricState& gpu : states.gpus) {
    for (const std::string* field : {&gpu.bus_id, &gpu.state, &gpu.status}) {
      fuzz::require(fuzz::printable_ascii(*field), "device text is escaped");
      fuzz::require(field->size() <= 4 * 64 + 3, "device text is cut");
    }
  }
  if (states.verdict == fabric::FabricVerdict::kReady) {
    fuzz::require(states.gpus.size() == expected, "ready only with the detected GPU count");
    for (const fabric::GpuFabricState& gpu : states.gpus)
      fuzz::require(gpu.state == "Completed" && gpu.status == "Success",
                    "ready only when every GPU is Completed with Success");
  }
  if (states.verdict != fabric::FabricVerdict::kFailed)
    fuzz::require(states.gpus.size() == expected, "a wrong GPU count always fails");
  return 0;
}
