#pragma once

#include <cstdint>
#include <string>

#include "helpers/extensions/extension_disks.h"
#include "proto/ccinit.pb.h"

namespace ccinit::extensions {

// The device-mapper target of one extension: its length and the verity target's
// parameters, as a DM_TABLE_LOAD target spec carries them.
struct VerityTarget {
  std::uint64_t sectors = 0;  // 512-byte sectors: data_blocks * data_block_size / 512
  std::string parameters;     // after "verity": "1 <data> <hash> ... <root_hash> <salt>"
};

// The dm-verity target over `disk`'s partitions (Documentation/admin-guide/device-mapper/
// verity.rst): format version 1, the data and hash partitions by device number, the block
// sizes and data_blocks of `params`, hash_start 0 (no superblock: the hash partition holds
// only the tree, as `veritysetup format --no-superblock` writes it), sha256, the root hash
// and the salt ("-" when empty). Throws ExtensionError naming the extension for params the
// command line parser would have refused (so no field can add a word to the table) and when
// the data size does not fit 64 bits.
VerityTarget verity_target(const wire::ExtensionVerity& params, const ExtensionDisk& disk);

// The whole table line, "0 <sectors> verity <parameters>", as `dmsetup table` shows it.
std::string verity_table_line(const VerityTarget& target);

}  // namespace ccinit::extensions
