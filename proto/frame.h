#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace ccinit::wire {

// A frame is a 4-byte little-endian payload length followed by the payload. Both sides
// refuse a length over kMaxFramePayload before allocating anything for it.
inline constexpr std::size_t kFrameHeaderSize = 4;
inline constexpr std::size_t kMaxFramePayload = 64 * 1024;

class FrameError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Encodes one frame; throws FrameError when the payload is over the limit.
std::string encode_frame(std::string_view payload);

// Writes one frame to fd, handling EINTR and short writes; throws on error.
void write_frame(int fd, std::string_view payload);

// Blocking read of one frame from fd. Returns nullopt on EOF at a frame boundary; throws
// FrameError on EOF in mid-frame or an oversized length.
std::optional<std::string> read_frame(int fd);

// Incremental decoder for a non-blocking reader: feed bytes as they arrive, then take
// complete frames with next().
class FrameDecoder {
 public:
  // Throws FrameError as soon as a header announces an oversized payload.
  void feed(std::string_view bytes);
  std::optional<std::string> next();
  // True when bytes of an incomplete frame are buffered (EOF now would truncate a frame).
  bool mid_frame() const { return !buffer_.empty(); }

 private:
  void check_header() const;
  std::string buffer_;
};

}  // namespace ccinit::wire
