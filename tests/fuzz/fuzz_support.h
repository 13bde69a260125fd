#pragma once

// What the fuzz targets share. Each target is one LLVMFuzzerTestOneInput that feeds its bytes
// to one parser of untrusted input and checks what must hold for any input: the parser's own
// error type is the only exception, and what it reports keeps its documented shape. A breach
// aborts, which libFuzzer (and the replay driver of the unit tests) reports as a crash.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

namespace ccinit::fuzz {

[[noreturn]] inline void fail(const char* what) {
  std::fprintf(stderr, "fuzz check failed: %s\n", what);
  std::abort();
}

inline void require(bool ok, const char* what) {
  if (!ok) fail(what);
}

// Printable ASCII only: text a hostile input shaped that could otherwise forge a record of
// its own or garble the console.
inline bool printable_ascii(std::string_view text) {
  for (char c : text)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) return false;
  return true;
}

// One line: no record separator inside, so it stays one record on the console.
inline bool one_line(std::string_view text) {
  return text.find('\n') == std::string_view::npos;
}

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Splits `bytes` into the chunks a non-blocking reader might get: the first byte seeds the
// chunk sizes (1 to 64 bytes, varying), the rest is the stream. Seed 0 delivers the stream
// in one chunk, so the fuzzer also sees whole-input decoding.
struct Chunked {
  std::string_view stream;
  std::vector<std::string_view> chunks;
};

inline Chunked split_into_chunks(std::string_view bytes) {
  Chunked out;
  if (bytes.empty()) return out;
  unsigned state = static_cast<unsigned char>(bytes[0]);
  out.stream = bytes.substr(1);
  if (state == 0) {
    out.chunks.push_back(out.stream);
    return out;
  }
  std::string_view rest = out.stream;
  while (!rest.empty()) {
    state = state * 1103515245u + 12345u;  // an LCG: varied, deterministic sizes
    std::size_t size = 1 + (state >> 16) % 64;
    if (size > rest.size()) size = rest.size();
    out.chunks.push_back(rest.substr(0, size));
    rest.remove_prefix(size);
  }
  return out;
}

}  // namespace ccinit::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
