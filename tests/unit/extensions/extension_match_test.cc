#include "helpers/extensions/extension_match.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "helpers/extensions/extension_error.h"

namespace ccinit::extensions {
namespace {

wire::ExtensionVerity params(const std::string& name, std::uint64_t data_blocks = 1024,
                             std::uint32_t data_block_size = 4096) {
  wire::ExtensionVerity p;
  p.set_name(name);
  p.set_root_hash(std::string(64, 'a'));
  p.set_salt("00");
  p.set_data_blocks(data_blocks);
  p.set_data_block_size(data_block_size);
  p.set_hash_block_size(4096);
  return p;
}

ExtensionDisk disk(const std::string& name, const std::string& kernel_name,
                   std::uint64_t data_sectors = 8192) {
  return {name,
          kernel_name,
          {kernel_name + "1", {254, 1}, data_sectors},
          {kernel_name + "2", {254, 2}, 128}};
}

std::string error_of(const std::vector<wire::ExtensionVerity>& p,
                     const std::vector<ExtensionDisk>& d) {
  try {
    match_extension_disks(p, d);
    ADD_FAILURE() << "accepted";
  } catch (const ExtensionError& e) {
    return e.what();
  }
  return "";
}

TEST(ExtensionMatch, NothingConfiguredNothingAttached) {
  const ExtensionMatch m = match_extension_disks({}, {});
  EXPECT_TRUE(m.ready.empty());
  EXPECT_TRUE(m.missing.empty());
}

TEST(ExtensionMatch, PairsParamsWithDisksAndReportsMissingOnes) {
  const ExtensionMatch m = match_extension_disks({params("coco"), params("gpu"), params("late")},
                                                 {disk("gpu", "vdb"), disk("coco", "vdc")});
  ASSERT_EQ(m.ready.size(), 2u);
  EXPECT_EQ(m.ready[0].params.name(), "coco");
  EXPECT_EQ(m.ready[0].disk.disk, "vdc");
  EXPECT_EQ(m.ready[1].params.name(), "gpu");
  EXPECT_EQ(m.ready[1].disk.disk, "vdb");
  EXPECT_EQ(m.missing, (std::vector<std::string>{"late"}));
}

TEST(ExtensionMatch, DiskWithoutParamsIsFatal) {
  EXPECT_EQ(error_of({params("gpu")}, {disk("gpu", "vdb"), disk("coco", "vdc")}),
            "extension coco: disk vdc has the serial extension-coco but the kernel command line "
            "has no kata.extension.coco.verity_params (an extension is never mounted unverified)");
  // Even when nothing at all was configured.
  EXPECT_NE(error_of({}, {disk("gpu", "vdb")}).find("extension gpu: disk vdb"), std::string::npos);
}

// Names are compared exactly: Kata writes both, and a case mismatch is a different extension.
TEST(ExtensionMatch, NamesAreCaseSensitive) {
  EXPECT_NE(error_of({params("GPU")}, {disk("gpu", "vdb")}).find("extension gpu:"),
            std::string::npos);
}

TEST(ExtensionMatch, DataMustFitTheDataPartition) {
  // 8192 sectors = 4 MiB = exactly 1024 blocks of 4096 bytes, or 8192 of 512.
  EXPECT_EQ(
      match_extension_disks({params("gpu", 1024, 4096)}, {disk("gpu", "vdb", 8192)}).ready.size(),
      1u);
  EXPECT_EQ(
      match_extension_disks({params("gpu", 8192, 512)}, {disk("gpu", "vdb", 8192)}).ready.size(),
      1u);
  EXPECT_EQ(error_of({params("gpu", 1025, 4096)}, {disk("gpu", "vdb", 8192)}),
            "extension gpu: data_blocks=1025 of data_block_size=4096 is 4198400 bytes, more than "
            "the 4194304 bytes of data partition vdb1");
  EXPECT_EQ(error_of({params("gpu", 8193, 512)}, {disk("gpu", "vdb", 8192)}),
            "extension gpu: data_blocks=8193 of data_block_size=512 is 4194816 bytes, more than "
            "the 4194304 bytes of data partition vdb1");
  // A product that would wrap around 2^64 must not pass as small.
  EXPECT_EQ(error_of({params("gpu", 4503599627370497u, 4096)}, {disk("gpu", "vdb", 8192)}),
            "extension gpu: data_blocks=4503599627370497 of data_block_size=4096 is more than "
            "2^64 bytes, more than the 4194304 bytes of data partition vdb1");
}

}  // namespace
}  // namespace ccinit::extensions
