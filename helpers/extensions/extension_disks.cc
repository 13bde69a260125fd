#include "helpers/extensions/extension_disks.h"

#include <cerrno>
#include <map>
#include <optional>

#include "common/file_io.h"
#include "common/log_escape.h"
#include "common/sys_error.h"
#include "helpers/extensions/extension_error.h"

namespace ccinit::extensions {

namespace {

// sysfs attributes are at most a page; anything larger is not what the kernel printed.
constexpr std::size_t kMaxSysfsValueBytes = 4096;

// A sysfs value, or nullopt when the attribute does not exist. Other failures are fatal:
// a disk whose serial cannot be read might be an extension that must not go unverified.
std::optional<std::string> read_value_if_exists(const std::string& path) {
  try {
    return read_regular_file(path, kMaxSysfsValueBytes);
  } catch (const SysError& e) {
    if (e.code() == ENOENT || e.code() == ENOTDIR) return std::nullopt;
    throw ExtensionError(e.what());
  }
}

// A partition's value; its absence means the kernel is still adding the partition.
std::string read_partition_value(const std::string& path) {
  std::optional<std::string> value = read_value_if_exists(path);
  if (!value) throw IncompleteDiskError(path + " does not exist (yet)");
  return std::move(*value);
}

BlockPartition read_partition(const std::string& dir, const std::string& kernel_name) {
  BlockPartition partition;
  partition.kernel_name = kernel_name;
  partition.device = parse_device_number(read_partition_value(dir + "/dev"), dir + "/dev");
  partition.sectors = parse_sector_count(read_partition_value(dir + "/size"), dir + "/size");
  return partition;
}

ExtensionDisk read_disk(const std::string& disk_dir, const std::string& disk,
                        const std::string& name) {
  std::map<std::uint32_t, BlockPartition> partitions;
  const auto children = list_directory(disk_dir);
  for (const std::string& child : children.value_or(std::vector<std::string>{})) {
    const std::string child_dir = disk_dir + "/" + child;
    const std::string number_path = child_dir + "/partition";
    const std::optional<std::string> number_text = read_value_if_exists(number_path);
    if (!number_text) continue;
    const std::uint32_t number = parse_partition_number(*number_text, number_path);
    if (number != 1 && number != 2) continue;
    if (partitions.contains(number))
      throw ExtensionError("disk " + escape_for_log(disk) + " has two partitions numbered " +
                           std::to_string(number) + " (" +
                           escape_for_log(partitions[number].kernel_name) + ", " +
                           escape_for_log(child) + ")");
    partitions[number] = read_partition(child_dir, child);
  }
  for (std::uint32_t number : {1u, 2u})
    if (!partitions.contains(number))
      throw IncompleteDiskError("disk " + escape_for_log(disk) + " has no partition " +
                                std::to_string(number) + " (" +
                                (number == 1 ? "data" : "hash tree") + ")");
  return {name, disk, partitions[1], partitions[2]};
}

}  // namespace

std::vector<ExtensionDisk> find_extension_disks(const std::string& sysfs_root) {
  const std::string block_dir = sysfs_root + "/block";
  std::optional<std::vector<std::string>> disks;
  try {
    disks = list_directory(block_dir);
  } catch (const SysError& e) {
    throw ExtensionError(e.what());
  }
  std::map<std::string, ExtensionDisk> found;
  for (const std::string& disk : disks.value_or(std::vector<std::string>{})) {
    const std::string disk_dir = block_dir + "/" + disk;
    const std::string serial_path = disk_dir + "/serial";
    const std::optional<std::string> serial = read_value_if_exists(serial_path);
    if (!serial) continue;
    const std::optional<std::string> name = parse_extension_serial(*serial, serial_path);
    if (!name) continue;
    if (auto it = found.find(*name); it != found.end())
      throw ExtensionError("extension " + *name + ": two disks have the serial extension-" + *name +
                           " (" + escape_for_log(it->second.disk) + ", " + escape_for_log(disk) +
                           ")");
    try {
      found.emplace(*name, read_disk(disk_dir, disk, *name));
    } catch (const IncompleteDiskError& e) {
      throw IncompleteDiskError("extension " + *name + ": " + e.what());
    } catch (const std::runtime_error& e) {  // ExtensionError or SysError
      throw ExtensionError("extension " + *name + ": " + e.what());
    }
  }
  std::vector<ExtensionDisk> out;
  for (auto& [name, disk] : found) out.push_back(std::move(disk));
  return out;
}

}  // namespace ccinit::extensions
