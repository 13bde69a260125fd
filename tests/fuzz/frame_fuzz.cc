// The frame layer both sides read from a pipe the other side controls. The input (after its
// first byte, which picks how it is cut into reads) is decoded in chunks by FrameDecoder and
// compared with a plain model of the format: the same frames in the same order, FrameError
// exactly when a header announces more than kMaxFramePayload, and a frame cut off at the end
// reported as mid_frame().
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proto/frame.h"
#include "tests/fuzz/fuzz_support.h"

using namespace ccinit;

namespace {

struct Model {
  std::vector<std::string_view> frames;
  bool oversized = false;  // a complete header announces too much
  bool leftover = false;   // bytes of an incomplete frame at the end
};

Model model_of(std::string_view stream) {
  Model m;
  while (stream.size() >= wire::kFrameHeaderSize) {
    const auto* u = reinterpret_cast<const unsigned char*>(stream.data());
    std::size_t length = u[0] | u[1] << 8 | u[2] << 16 | static_cast<std::size_t>(u[3]) << 24;
    if (length > wire::kMaxFramePayload) {
      m.oversized = true;
      return m;
    }
    if (stream.size() - wire::kFrameHeaderSize < length) break;
    m.frames.push_back(stream.substr(wire::kFrameHeaderSize, length));
    stream.remove_prefix(wire::kFrameHeaderSize + length);
  }
  m.leftover = !stream.empty();
  return m;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const fuzz::Chunked input = fuzz::split_into_chunks(fuzz::as_text(data, size));
  const Model model = model_of(input.stream);
  wire::FrameDecoder decoder;
  std::vector<std::string> frames;
  bool refused = false;
  try {
    for (std::string_view chunk : input.chunks) {
      decoder.feed(chunk);
      while (auto frame = decoder.next()) frames.push_back(std::move(*frame));
    }
  } catch (const wire::FrameError& e) {
    refused = true;
    fuzz::require(fuzz::one_line(e.what()), "a FrameError is one line");
  }
  fuzz::require(refused == model.oversized, "refused exactly when a length is over the limit");
  fuzz::require(frames.size() <= model.frames.size(), "no frame the stream does not hold");
  for (std::size_t i = 0; i < frames.size(); ++i)
    fuzz::require(frames[i] == model.frames[i], "frames decode to their payloads, in order");
  if (!refused) {
    fuzz::require(frames.size() == model.frames.size(), "every complete frame is delivered");
    fuzz::require(decoder.mid_frame() == model.leftover, "a cut-off frame is seen at EOF");
  }
  return 0;
}
