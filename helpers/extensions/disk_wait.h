#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "helpers/extensions/block_events.h"
#include "helpers/extensions/extension_disks.h"

namespace ccinit::extensions {

// Looks for the extension disks under <sysfs_root>/block until every one of `names` is
// there: once at the start, then again after each event that may have added a block device
// (`events` must have been opened before the call, so nothing is missed between the first
// look and the wait). Returns every extension disk found by the last look. Errors of
// find_extension_disks are fatal at once, except IncompleteDiskError (a disk the kernel is
// still adding), which is thrown only if it still holds at the deadline. At the deadline,
// after one last look, throws ExtensionError naming each extension still without a disk.
std::vector<ExtensionDisk> wait_for_disks(const std::string& sysfs_root,
                                          const std::vector<std::string>& names,
                                          std::chrono::steady_clock::time_point deadline,
                                          BlockEvents& events);

}  // namespace ccinit::extensions
