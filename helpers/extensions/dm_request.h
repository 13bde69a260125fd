#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "helpers/extensions/block_sysfs_value.h"
#include "helpers/extensions/verity_table.h"

// The device-mapper ioctl requests that set up an extension's verity device, built as bytes
// (struct dm_ioctl from <linux/dm-ioctl.h> and what follows it), as kata-agent issues them:
// no libdevmapper, no dmsetup, no udev. Pure: the caller opens /dev/mapper/control and runs
// ioctl(fd, request.command, request.bytes.data()).
namespace ccinit::extensions {

// The interface version asked for: 4.0.0 is the oldest with every call used here; the
// kernel accepts any request of major 4 whose minor is not above its own.
inline constexpr unsigned kDmVersionMajor = 4;

struct DmRequest {
  unsigned long command = 0;     // DM_DEV_CREATE, DM_TABLE_LOAD, DM_DEV_SUSPEND, DM_DEV_REMOVE
  std::vector<std::byte> bytes;  // dm_ioctl, then the data; its data_size is bytes.size()
};

// "extension-<name>": the device-mapper name, and the node /dev/mapper/<it>. Throws
// ExtensionError for a name valid_extension_name refuses.
std::string dm_device_name(std::string_view extension_name);

// DM_DEV_CREATE of the device named dm_device_name(extension_name), without a table.
DmRequest dm_create_request(std::string_view extension_name);
// DM_TABLE_LOAD, read-only (DM_READONLY_FLAG), of one "verity" target from sector 0 over
// target.sectors with target.parameters: dm_target_spec at data_start (8-byte aligned), its
// NUL-terminated parameter string right after it, padded to 8 bytes, `next` the spec's
// padded size.
DmRequest dm_table_load_request(std::string_view extension_name, const VerityTarget& target);
// DM_DEV_SUSPEND without DM_SUSPEND_FLAG: resume, which makes the loaded table live.
DmRequest dm_resume_request(std::string_view extension_name);
// DM_DEV_REMOVE, to undo a create whose later steps failed.
DmRequest dm_remove_request(std::string_view extension_name);

// The device number the kernel wrote into a DM_DEV_CREATE reply (dm_ioctl.dev), for the
// /dev/mapper node. Throws ExtensionError when the reply is shorter than a dm_ioctl.
DeviceNumber dm_reply_device(std::span<const std::byte> reply);

}  // namespace ccinit::extensions
