#include "helpers/extensions/disk_wait.h"

#include <algorithm>

namespace ccinit::extensions {

namespace {

std::vector<std::string> missing_names(const std::vector<std::string>& names,
                                       const std::vector<ExtensionDisk>& disks) {
  std::vector<std::string> missing;
  for (const std::string& name : names)
    if (std::none_of(disks.begin(), disks.end(),
                     [&](const ExtensionDisk& disk) { return disk.name == name; }))
      missing.push_back(name);
  return missing;
}

[[noreturn]] void timed_out(const std::vector<std::string>& missing) {
  std::string list;
  for (const std::string& name : missing) {
    if (!list.empty()) list += ", ";
    list += "extension " + name + " (no disk with serial extension-" + name + ")";
  }
  throw ExtensionError("extension disks did not appear before the deadline: " + list);
}

}  // namespace

std::vector<ExtensionDisk> wait_for_disks(const std::string& sysfs_root,
                                          const std::vector<std::string>& names,
                                          std::chrono::steady_clock::time_point deadline,
                                          BlockEvents& events) {
  for (bool last_look = false;; last_look = !events.wait_for_block_add(deadline)) {
    std::vector<ExtensionDisk> disks;
    try {
      disks = find_extension_disks(sysfs_root);
    } catch (const IncompleteDiskError&) {
      if (last_look) throw;
      continue;
    }
    std::vector<std::string> missing = missing_names(names, disks);
    if (missing.empty()) return disks;
    if (last_look) timed_out(missing);
  }
}

}  // namespace ccinit::extensions
