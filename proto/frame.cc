#include "proto/frame.h"

#include <unistd.h>

#include <cerrno>

#include "common/file_io.h"
#include "common/sys_error.h"

namespace ccinit::wire {

namespace {

std::uint32_t decode_length(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return static_cast<std::uint32_t>(u[0]) | static_cast<std::uint32_t>(u[1]) << 8 |
         static_cast<std::uint32_t>(u[2]) << 16 | static_cast<std::uint32_t>(u[3]) << 24;
}

void check_length(std::uint64_t length) {
  if (length > kMaxFramePayload)
    throw FrameError("frame of " + std::to_string(length) + " bytes is over the " +
                     std::to_string(kMaxFramePayload) + "-byte limit");
}

// Reads exactly n bytes; returns the count read before EOF (less than n only at EOF).
std::size_t read_exact(int fd, char* out, std::size_t n) {
  std::size_t got = 0;
  while (got < n) {
    ssize_t r = ::read(fd, out + got, n - got);
    if (r < 0) {
      if (errno == EINTR) continue;
      throw SysError("read frame");
    }
    if (r == 0) break;
    got += static_cast<std::size_t>(r);
  }
  return got;
}

}  // namespace

std::string encode_frame(std::string_view payload) {
  check_length(payload.size());
  std::string out;
  out.reserve(kFrameHeaderSize + payload.size());
  auto n = static_cast<std::uint32_t>(payload.size());
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
  out.append(payload);
  return out;
}

void write_frame(int fd, std::string_view payload) {
  write_all(fd, encode_frame(payload));
}

std::optional<std::string> read_frame(int fd) {
  char header[kFrameHeaderSize];
  std::size_t got = read_exact(fd, header, sizeof header);
  if (got == 0) return std::nullopt;
  if (got < sizeof header) throw FrameError("end of stream inside a frame header");
  std::uint32_t length = decode_length(header);
  check_length(length);
  std::string payload(length, '\0');
  if (read_exact(fd, payload.data(), length) < length)
    throw FrameError("end of stream inside a frame payload");
  return payload;
}

void FrameDecoder::check_header() const {
  // Every complete header in the buffer, not only the first: one read can carry a good
  // frame followed by the header of an oversized one, and that must fail in this feed.
  std::size_t offset = 0;
  while (offset + kFrameHeaderSize <= buffer_.size()) {
    std::uint32_t length = decode_length(buffer_.data() + offset);
    check_length(length);
    offset += kFrameHeaderSize + length;
  }
}

void FrameDecoder::feed(std::string_view bytes) {
  // The reader calls next() after every feed and reads at most one pipe buffer at a time,
  // so the buffer stays within about one frame; a bad length is refused at once.
  buffer_.append(bytes);
  check_header();
}

std::optional<std::string> FrameDecoder::next() {
  if (buffer_.size() < kFrameHeaderSize) return std::nullopt;
  std::uint32_t length = decode_length(buffer_.data());
  check_length(length);
  if (buffer_.size() < kFrameHeaderSize + length) return std::nullopt;
  std::string payload = buffer_.substr(kFrameHeaderSize, length);
  buffer_.erase(0, kFrameHeaderSize + length);
  return payload;
}

}  // namespace ccinit::wire
