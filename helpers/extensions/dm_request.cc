#include "helpers/extensions/dm_request.h"

#include <linux/dm-ioctl.h>
#include <sys/ioctl.h>
#include <sys/sysmacros.h>

#include <cstring>

#include "common/cmdline_config.h"
#include "common/log_escape.h"
#include "helpers/extensions/extension_error.h"

namespace ccinit::extensions {

namespace {

constexpr std::size_t kAlign = 8;

constexpr std::size_t aligned(std::size_t n) {
  return (n + kAlign - 1) / kAlign * kAlign;
}

static_assert(sizeof(dm_ioctl) % kAlign == 0, "the data after dm_ioctl starts 8-byte aligned");
static_assert(sizeof(dm_target_spec) % kAlign == 0, "the parameters follow the spec aligned");

// A dm_ioctl for `name` with `extra` bytes of data after it (already padded to 8).
DmRequest request(unsigned long command, std::string_view extension_name, std::uint32_t flags,
                  std::size_t extra) {
  const std::string name = dm_device_name(extension_name);
  dm_ioctl header{};
  header.version[0] = kDmVersionMajor;
  header.version[1] = 0;
  header.version[2] = 0;
  header.data_start = sizeof(dm_ioctl);
  header.data_size = static_cast<std::uint32_t>(sizeof(dm_ioctl) + extra);
  header.flags = flags;
  std::memcpy(header.name, name.data(), name.size());  // zeroed above: NUL-terminated
  DmRequest out;
  out.command = command;
  out.bytes.resize(header.data_size);
  std::memcpy(out.bytes.data(), &header, sizeof header);
  return out;
}

}  // namespace

std::string dm_device_name(std::string_view extension_name) {
  if (!valid_extension_name(extension_name))
    throw ExtensionError("extension " + escape_for_log(extension_name) +
                         ": not a valid extension name for a device-mapper device");
  std::string name = "extension-" + std::string(extension_name);
  static_assert(sizeof "extension-" - 1 + kMaxExtensionNameLength < DM_NAME_LEN);
  return name;
}

DmRequest dm_create_request(std::string_view extension_name) {
  return request(DM_DEV_CREATE, extension_name, 0, 0);
}

DmRequest dm_table_load_request(std::string_view extension_name, const VerityTarget& target) {
  constexpr std::string_view kTargetType = "verity";
  dm_device_name(extension_name);  // refuses a bad name before it reaches a message
  const std::size_t spec_size = aligned(sizeof(dm_target_spec) + target.parameters.size() + 1);
  if (target.parameters.find('\0') != std::string::npos || spec_size > UINT32_MAX / 2)
    throw ExtensionError("extension " + std::string(extension_name) +
                         ": the verity table parameters are not one string");
  DmRequest out = request(DM_TABLE_LOAD, extension_name, DM_READONLY_FLAG, spec_size);
  // The target count lives in the header, which request() already wrote.
  dm_ioctl header;
  std::memcpy(&header, out.bytes.data(), sizeof header);
  header.target_count = 1;
  std::memcpy(out.bytes.data(), &header, sizeof header);

  dm_target_spec spec{};
  spec.sector_start = 0;
  spec.length = target.sectors;
  spec.next = static_cast<std::uint32_t>(spec_size);
  std::memcpy(spec.target_type, kTargetType.data(), kTargetType.size());
  std::byte* at = out.bytes.data() + sizeof(dm_ioctl);
  std::memcpy(at, &spec, sizeof spec);
  // The rest of the buffer is zero: the string's NUL and the padding.
  std::memcpy(at + sizeof spec, target.parameters.data(), target.parameters.size());
  return out;
}

DmRequest dm_resume_request(std::string_view extension_name) {
  return request(DM_DEV_SUSPEND, extension_name, 0, 0);
}

DmRequest dm_remove_request(std::string_view extension_name) {
  return request(DM_DEV_REMOVE, extension_name, 0, 0);
}

DeviceNumber dm_reply_device(std::span<const std::byte> reply) {
  if (reply.size() < sizeof(dm_ioctl))
    throw ExtensionError("device-mapper reply of " + std::to_string(reply.size()) +
                         " bytes, shorter than struct dm_ioctl (" +
                         std::to_string(sizeof(dm_ioctl)) + ")");
  dm_ioctl header;
  std::memcpy(&header, reply.data(), sizeof header);
  // The kernel encodes dev with huge_encode_dev(), which glibc's major()/minor() decode.
  return {static_cast<std::uint32_t>(gnu_dev_major(header.dev)),
          static_cast<std::uint32_t>(gnu_dev_minor(header.dev))};
}

}  // namespace ccinit::extensions
