#pragma once

#include <string>
#include <vector>

#include "helpers/extensions/extension_disks.h"
#include "proto/ccinit.pb.h"

namespace ccinit::extensions {

// An extension whose verity_params and disk were both found.
struct MatchedExtension {
  wire::ExtensionVerity params;
  ExtensionDisk disk;
};

struct ExtensionMatch {
  std::vector<MatchedExtension> ready;  // in the order of `params`
  std::vector<std::string> missing;     // names with params but no disk yet: the caller waits
};

// Pairs the command line's extensions with the disks found. Fails closed (ExtensionError
// naming the extension): a disk without verity_params (it would be mounted unverified), and
// params whose data_blocks * data_block_size is more than the data partition holds (naming
// both numbers of bytes).
ExtensionMatch match_extension_disks(const std::vector<wire::ExtensionVerity>& params,
                                     const std::vector<ExtensionDisk>& disks);

}  // namespace ccinit::extensions
