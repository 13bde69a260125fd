#pragma once

#include "helpers/extensions/device_mapper.h"
#include "helpers/extensions/device_nodes.h"
#include "helpers/extensions/erofs_mount.h"
#include "helpers/extensions/extension_match.h"
#include "helpers/extensions/extension_paths.h"
#include "helpers/runtime/reporter.h"

namespace ccinit::extensions {

// One extension from its matched disk to its mount, in this order: the verity table (bad
// params refused before the kernel is touched); DM_DEV_CREATE extension-<name>; the table
// loaded read-only; resume; /dev/mapper (if missing) and the node
// /dev/mapper/extension-<name> (block device, 0600, the create's number);
// /run/kata-extensions and /run/kata-extensions/<name> (if missing); the EROFS mount of the
// node there, ro,nosuid,nodev. On a failure after the create, the node (if it made it) and
// the device are removed again before the error goes on: nothing half-made stays, and
// nothing but the verified device is mounted. Errors are as the operations throw them.
void mount_extension(const MatchedExtension& extension, const ExtensionPaths& paths,
                     DeviceMapper& device_mapper, DeviceNodes& nodes, ErofsMounter& mounter,
                     helper::Reporter& reporter);

}  // namespace ccinit::extensions
