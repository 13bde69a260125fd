#include "helpers/extensions/extension_match.h"

#include <algorithm>
#include <cstdint>

#include "common/log_escape.h"
#include "helpers/extensions/extension_error.h"

namespace ccinit::extensions {

namespace {

constexpr std::uint64_t kSectorBytes = 512;

void check_data_fits(const wire::ExtensionVerity& params, const ExtensionDisk& disk) {
  // sysfs may show any 64-bit sector count; such a partition holds whatever fits in 2^64.
  const std::uint64_t partition_bytes =
      disk.data.sectors > UINT64_MAX / kSectorBytes ? UINT64_MAX : disk.data.sectors * kSectorBytes;
  std::uint64_t data_bytes = 0;
  // A product past 2^64 certainly does not fit: say so instead of wrapping.
  const bool overflow = __builtin_mul_overflow(
      params.data_blocks(), std::uint64_t{params.data_block_size()}, &data_bytes);
  if (overflow || data_bytes > partition_bytes)
    throw ExtensionError(
        "extension " + params.name() + ": data_blocks=" + std::to_string(params.data_blocks()) +
        " of data_block_size=" + std::to_string(params.data_block_size()) + " is " +
        (overflow ? std::string("more than 2^64") : std::to_string(data_bytes)) +
        " bytes, more than the " + std::to_string(partition_bytes) + " bytes of data partition " +
        escape_for_log(disk.data.kernel_name));
}

}  // namespace

ExtensionMatch match_extension_disks(const std::vector<wire::ExtensionVerity>& params,
                                     const std::vector<ExtensionDisk>& disks) {
  auto has_params = [&](const std::string& name) {
    return std::any_of(params.begin(), params.end(),
                       [&](const wire::ExtensionVerity& p) { return p.name() == name; });
  };
  for (const ExtensionDisk& disk : disks)
    if (!has_params(disk.name))
      throw ExtensionError("extension " + disk.name + ": disk " + escape_for_log(disk.disk) +
                           " has the serial extension-" + disk.name +
                           " but the kernel command line has no kata.extension." + disk.name +
                           ".verity_params (an extension is never mounted unverified)");
  ExtensionMatch match;
  for (const wire::ExtensionVerity& p : params) {
    auto disk = std::find_if(disks.begin(), disks.end(),
                             [&](const ExtensionDisk& d) { return d.name == p.name(); });
    if (disk == disks.end()) {
      match.missing.push_back(p.name());
      continue;
    }
    check_data_fits(p, *disk);
    match.ready.push_back({p, *disk});
  }
  return match;
}

}  // namespace ccinit::extensions
