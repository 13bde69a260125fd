#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "helpers/extensions/block_sysfs_value.h"
#include "helpers/extensions/extension_error.h"

namespace ccinit::extensions {

// One partition of an extension disk, as sysfs describes it.
struct BlockPartition {
  std::string kernel_name;  // "vda1": the name the kernel gave it (its directory in sysfs)
  DeviceNumber device;
  std::uint64_t sectors = 0;  // 512-byte sectors
};

// A disk whose serial is extension-<name>: partition 1 holds the EROFS data, partition 2
// the dm-verity hash tree.
struct ExtensionDisk {
  std::string name;  // <name> of the serial
  std::string disk;  // "vda"
  BlockPartition data;
  BlockPartition hash;
};

// An extension disk whose partitions are not (all) in sysfs: no partition 1 or 2, or a
// partition without its `dev` or `size` yet. The kernel creates a disk's directory before it
// scans the partitions and a partition's `partition` file before its `dev`, so a scan racing
// with a disk being added sees this; a caller waiting for disks treats it as "not yet" and
// fails with it only at its deadline.
class IncompleteDiskError : public ExtensionError {
 public:
  using ExtensionError::ExtensionError;
};

// Every extension disk under <sysfs_root>/block, sorted by name. A disk is one when its
// `serial` reads extension-<name>; disks without a serial file are not virtio disks and are
// skipped. Partitions are the disk's sysfs children with a `partition` file (never guessed
// from device names). Throws ExtensionError naming the disk or file and the value for a bad
// serial or name, an unreadable or malformed value, a missing partition 1 or 2, or two disks
// with the same name; IncompleteDiskError for a disk whose partitions are not all there.
std::vector<ExtensionDisk> find_extension_disks(const std::string& sysfs_root);

}  // namespace ccinit::extensions
