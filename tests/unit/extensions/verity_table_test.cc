#include "helpers/extensions/verity_table.h"

#include <gtest/gtest.h>

#include <string>

#include "helpers/extensions/extension_error.h"

namespace ccinit::extensions {
namespace {

constexpr std::string_view kRootHash =
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
constexpr std::string_view kSalt =
    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

wire::ExtensionVerity params(std::uint64_t data_blocks, std::uint32_t data_block_size,
                             std::uint32_t hash_block_size, std::string_view salt = kSalt) {
  wire::ExtensionVerity p;
  p.set_name("gpu");
  p.set_root_hash(std::string(kRootHash));
  p.set_salt(std::string(salt));
  p.set_data_blocks(data_blocks);
  p.set_data_block_size(data_block_size);
  p.set_hash_block_size(hash_block_size);
  return p;
}

ExtensionDisk disk() {
  return {"gpu", "vdb", {"vdb1", {254, 17}, 2097152}, {"vdb2", {254, 18}, 16512}};
}

std::string error_of(const wire::ExtensionVerity& p) {
  try {
    verity_target(p, disk());
    ADD_FAILURE() << "accepted";
  } catch (const ExtensionError& e) {
    return e.what();
  }
  return "";
}

// What `veritysetup open --no-superblock --hash sha256 --data-block-size 4096
// --hash-block-size 4096 --data-blocks 262144 --salt <salt> /dev/vdb1 extension-gpu /dev/vdb2
// <root_hash>` loads, as `dmsetup table extension-gpu` prints it.
TEST(VerityTable, VeritysetupNoSuperblockTable) {
  const VerityTarget target = verity_target(params(262144, 4096, 4096), disk());
  EXPECT_EQ(target.sectors, 2097152u);
  EXPECT_EQ(target.parameters, "1 254:17 254:18 4096 4096 262144 0 sha256 " +
                                   std::string(kRootHash) + " " + std::string(kSalt));
  EXPECT_EQ(verity_table_line(target),
            "0 2097152 verity 1 254:17 254:18 4096 4096 262144 0 sha256 "
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad "
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
}

TEST(VerityTable, SmallBlocksAndShortSalt) {
  const VerityTarget target = verity_target(params(3, 512, 1024, "00ff"), disk());
  EXPECT_EQ(verity_table_line(target),
            "0 3 verity 1 254:17 254:18 512 1024 3 0 sha256 " + std::string(kRootHash) + " 00ff");
}

// dm-verity reads "-" as no salt (veritysetup --salt -).
TEST(VerityTable, EmptySaltIsADash) {
  EXPECT_EQ(verity_target(params(1, 4096, 4096, ""), disk()).parameters,
            "1 254:17 254:18 4096 4096 1 0 sha256 " + std::string(kRootHash) + " -");
}

TEST(VerityTable, ParamsThatWouldChangeTheTableAreRefused) {
  wire::ExtensionVerity p = params(8, 4096, 4096);
  p.set_salt("00 1 restart_on_corruption");
  EXPECT_EQ(error_of(p),
            "extension gpu: salt 00 1 restart_on_corruption is not an even number of lower-case "
            "hex digits");
  p = params(8, 4096, 4096);
  p.set_root_hash(std::string(kRootHash.substr(0, 63)) + " ");
  EXPECT_NE(error_of(p).find("extension gpu: root_hash "), std::string::npos);
  p = params(8, 4096, 4096);
  p.set_root_hash(std::string(64, 'A'));
  EXPECT_NE(error_of(p).find("is not 64 lower-case hex digits"), std::string::npos);
  EXPECT_EQ(error_of(params(8, 8192, 4096)),
            "extension gpu: block sizes 8192/4096 are not powers of two from 512 to 4096");
  EXPECT_EQ(error_of(params(8, 4096, 3000)),
            "extension gpu: block sizes 4096/3000 are not powers of two from 512 to 4096");
  EXPECT_EQ(error_of(params(0, 4096, 4096)), "extension gpu: data_blocks is 0");
  p = params(8, 4096, 4096);
  p.set_name("gpu x");
  EXPECT_EQ(error_of(p), "extension gpu x: not a valid extension name");
}

TEST(VerityTable, DataSizePast64BitsIsRefused) {
  EXPECT_EQ(error_of(params(4503599627370496u, 4096, 4096)),
            "extension gpu: data_blocks=4503599627370496 of data_block_size=4096 is more than "
            "2^64 bytes");
  // Just below: 2^52 - 1 blocks of 4096 bytes.
  EXPECT_EQ(verity_target(params(4503599627370495u, 4096, 4096), disk()).sectors,
            36028797018963960u);
}

}  // namespace
}  // namespace ccinit::extensions
