#pragma once

#include <string>

#include "helpers/extensions/block_sysfs_value.h"

namespace ccinit::extensions {

// The guest has no udev: the helper makes the directories and the /dev/mapper node an
// extension needs itself. An interface so the sequence is tested with a fake;
// LinuxDeviceNodes is the real one, DryRunDeviceNodes (dry_run_kernel.h) says what it would do.
class DeviceNodes {
 public:
  virtual ~DeviceNodes() = default;
  // One directory (0755) whose parent exists; an existing directory is fine, anything else
  // there (a file, a symlink that could redirect the mount) is refused.
  virtual void make_directory(const std::string& path) = 0;
  // A block device node for `device`, 0600. A node already there is kept only when it is a
  // block device of the same number; any other (a stale node of another kind or number) is
  // refused. Returns whether it made the node (false: it was there already).
  virtual bool make_block_node(const std::string& path, DeviceNumber device) = 0;
  // Removes a node it made, when a later step failed.
  virtual void remove_node(const std::string& path) = 0;
};

class LinuxDeviceNodes : public DeviceNodes {
 public:
  void make_directory(const std::string& path) override;
  bool make_block_node(const std::string& path, DeviceNumber device) override;
  void remove_node(const std::string& path) override;
};

}  // namespace ccinit::extensions
