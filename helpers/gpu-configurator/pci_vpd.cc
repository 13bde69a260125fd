#include "helpers/gpu-configurator/pci_vpd.h"

#include <cstdint>
#include <stdexcept>

#include "common/log_escape.h"

namespace ccinit::gpu {

namespace {

// Large resource item names (byte 0 is 0x80 | name).
constexpr std::uint8_t kIdentifierString = 0x02;
constexpr std::uint8_t kVpdReadOnly = 0x10;
constexpr std::uint8_t kVpdReadWrite = 0x11;
// Small resource item name of the End tag (byte 0 is 0x78: name 0xf, length 0).
constexpr std::uint8_t kEndTag = 0x0f;

std::uint8_t byte_at(std::string_view data, std::size_t offset) {
  return static_cast<std::uint8_t>(data[offset]);
}

[[noreturn]] void malformed(const std::string& path, std::size_t offset, const std::string& why) {
  throw std::runtime_error(path + ": malformed PCI VPD at byte " + std::to_string(offset) + ": " +
                           why);
}

// A VPD-R or VPD-W resource body: fields of keyword (2 bytes), length (1 byte), value. The
// trailing "RV" (checksum) or "RW" (unused space) field is walked like any other, so every
// field must lie inside its resource.
bool has_field(std::string_view body, std::size_t body_offset, std::string_view wanted_keyword,
               std::string_view wanted_value, const std::string& path) {
  std::size_t pos = 0;
  bool found = false;
  while (pos < body.size()) {
    if (body.size() - pos < 3) malformed(path, body_offset + pos, "truncated field header");
    const std::size_t length = byte_at(body, pos + 2);
    if (length > body.size() - pos - 3)
      // The keyword is the device's bytes: escaped, so it can neither break the line nor
      // (as invalid UTF-8 in the result's string field) hide this error behind a bad frame.
      malformed(path, body_offset + pos,
                "field " + escape_for_log(body.substr(pos, 2)) + " of " + std::to_string(length) +
                    " bytes runs past its resource");
    const std::string_view keyword = body.substr(pos, 2);
    const std::string_view value = body.substr(pos + 3, length);
    if (keyword == wanted_keyword && value == wanted_value) found = true;
    pos += 3 + length;
  }
  return found;
}

}  // namespace

bool vpd_has_field(std::string_view vpd, std::string_view keyword, std::string_view value,
                   const std::string& path) {
  if (vpd.size() > kMaxVpdBytes)
    throw std::runtime_error(path + ": PCI VPD of " + std::to_string(vpd.size()) +
                             " bytes is larger than the " + std::to_string(kMaxVpdBytes) +
                             " a device can have");
  if (vpd.empty()) return false;
  bool found = false;
  std::size_t pos = 0;
  while (pos < vpd.size()) {
    const std::uint8_t tag = byte_at(vpd, pos);
    if ((tag & 0x80) == 0) {
      const std::uint8_t name = (tag >> 3) & 0x0f;
      const std::size_t length = tag & 0x07;
      if (name == kEndTag) return found;
      if (length > vpd.size() - pos - 1)
        malformed(path, pos, "small resource runs past the end of the data");
      pos += 1 + length;
      continue;
    }
    if (vpd.size() - pos < 3) malformed(path, pos, "truncated large resource header");
    const std::uint8_t name = tag & 0x7f;
    const std::size_t length = byte_at(vpd, pos + 1) | (std::size_t{byte_at(vpd, pos + 2)} << 8);
    if (length > vpd.size() - pos - 3)
      malformed(path, pos,
                "resource of " + std::to_string(length) + " bytes runs past the end of the data");
    const std::string_view body = vpd.substr(pos + 3, length);
    if (name == kVpdReadOnly || name == kVpdReadWrite) {
      found = has_field(body, pos + 3, keyword, value, path) || found;
    } else if (name != kIdentifierString) {
      malformed(
          path, pos, "unknown large resource 0x" + [&] {
            static constexpr char kHex[] = "0123456789abcdef";
            return std::string{kHex[tag >> 4], kHex[tag & 0xf]};
          }());
    }
    pos += 3 + length;
  }
  malformed(path, pos, "no End tag");
}

}  // namespace ccinit::gpu
