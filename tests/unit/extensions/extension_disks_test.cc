#include "helpers/extensions/extension_disks.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "helpers/extensions/extension_error.h"
#include "tests/unit/extensions/fake_block_sysfs.h"

namespace ccinit::extensions {
namespace {

class ExtensionDisks : public testing::FakeBlockSysfs {
 protected:
  // The error of a scan that must fail; `incomplete`: whether it must say "not yet" (a disk
  // the kernel may still be adding) rather than "never".
  std::string error(bool incomplete = false) {
    try {
      find_extension_disks(root());
      ADD_FAILURE() << "accepted";
    } catch (const IncompleteDiskError& e) {
      EXPECT_TRUE(incomplete) << e.what();
      return e.what();
    } catch (const ExtensionError& e) {
      EXPECT_FALSE(incomplete) << e.what();
      return e.what();
    }
    return "";
  }
};

TEST_F(ExtensionDisks, NoBlockDevicesNoExtensions) {
  EXPECT_TRUE(find_extension_disks(root()).empty());
  // A root without block/ at all (no disk driver yet) is the same.
  EXPECT_TRUE(find_extension_disks(root() + "/nonexistent").empty());
}

TEST_F(ExtensionDisks, FindsExtensionDisksAndTheirPartitionsSortedByName) {
  add_disk("vda", "rootfs-disk");  // the guest image: not an extension
  add_partition("vda", 1, 409600, "254:1");
  add_disk("sda", nullptr);  // no serial: not virtio
  add_extension_disk("vdb", "gpu", 16384, 256);
  add_extension_disk("vdc", "coco", 8192, 128);
  const std::vector<ExtensionDisk> disks = find_extension_disks(root());
  ASSERT_EQ(disks.size(), 2u);
  EXPECT_EQ(disks[0].name, "coco");
  EXPECT_EQ(disks[0].disk, "vdc");
  EXPECT_EQ(disks[0].data.kernel_name, "vdc1");
  EXPECT_EQ(disks[0].data.sectors, 8192u);
  EXPECT_EQ(disks[0].hash.kernel_name, "vdc2");
  EXPECT_EQ(disks[0].hash.sectors, 128u);
  EXPECT_EQ(disks[1].name, "gpu");
  EXPECT_EQ(disks[1].disk, "vdb");
  EXPECT_EQ(disks[1].data.kernel_name, "vdb1");
  EXPECT_EQ(disks[1].data.device, (DeviceNumber{254, 1}));
  EXPECT_EQ(disks[1].data.sectors, 16384u);
  EXPECT_EQ(disks[1].hash.kernel_name, "vdb2");
  EXPECT_EQ(disks[1].hash.device, (DeviceNumber{254, 2}));
  EXPECT_EQ(disks[1].hash.sectors, 256u);
}

// Partitions are what sysfs says they are, whatever they are called (nvme0n1p1, a renamed
// device) and however many there are: the number comes from the `partition` file.
TEST_F(ExtensionDisks, PartitionsComeFromTheirPartitionFileNotTheirName) {
  add_disk("vdb", "extension-gpu");
  add_partition("vdb", 2, 64, "259:7", "vdbp1");
  add_partition("vdb", 1, 2048, "259:9", "vdbp2");
  add_partition("vdb", 3, 1, "259:10");
  const auto disks = find_extension_disks(root());
  ASSERT_EQ(disks.size(), 1u);
  EXPECT_EQ(disks[0].data.kernel_name, "vdbp2");
  EXPECT_EQ(disks[0].data.device, (DeviceNumber{259, 9}));
  EXPECT_EQ(disks[0].hash.kernel_name, "vdbp1");
  EXPECT_EQ(disks[0].hash.device, (DeviceNumber{259, 7}));
}

TEST_F(ExtensionDisks, MissingPartitionsAreFatalAndNamed) {
  add_disk("vdb", "extension-gpu");
  add_partition("vdb", 2, 64, "254:2");
  EXPECT_EQ(error(true), "extension gpu: disk vdb has no partition 1 (data)");
}

TEST_F(ExtensionDisks, MissingHashPartitionIsFatal) {
  add_disk("vdb", "extension-gpu");
  add_partition("vdb", 1, 64, "254:1");
  EXPECT_EQ(error(true), "extension gpu: disk vdb has no partition 2 (hash tree)");
}

TEST_F(ExtensionDisks, UnpartitionedDiskIsFatal) {
  add_disk("vdb", "extension-gpu");
  EXPECT_EQ(error(true), "extension gpu: disk vdb has no partition 1 (data)");
}

TEST_F(ExtensionDisks, TwoPartitionsWithOneNumberAreFatal) {
  add_extension_disk("vdb", "gpu");
  add_partition("vdb", 1, 64, "254:9", "vdb9");
  EXPECT_EQ(error(), "extension gpu: disk vdb has two partitions numbered 1 (vdb1, vdb9)");
}

TEST_F(ExtensionDisks, DuplicateSerialIsFatal) {
  add_extension_disk("vdb", "gpu");
  add_extension_disk("vdc", "gpu");
  EXPECT_EQ(error(), "extension gpu: two disks have the serial extension-gpu (vdb, vdc)");
}

TEST_F(ExtensionDisks, BadSerialIsFatalAndNamed) {
  add_disk("vdb", "extension-gpu.1");
  EXPECT_EQ(error(), root() +
                         "/block/vdb/serial: extension disk serial 'extension-gpu.1': expected "
                         "extension-<name> with a name of 1 to 10 characters from A-Z a-z 0-9 _ -");
}

TEST_F(ExtensionDisks, MalformedPartitionValuesAreFatalAndNamed) {
  struct Case {
    std::string file;
    std::string text;
    std::string expected;
  };
  for (const Case& c : {
           Case{"vdb1/dev", "254-1\n", "expected MAJOR:MINOR"},
           Case{"vdb2/dev", "\n", "expected MAJOR:MINOR"},
           Case{"vdb1/size", "-8\n", "expected a number of 512-byte sectors, found '-8\\x0a'"},
           Case{"vdb2/size", "", "expected a number of 512-byte sectors, found ''"},
           Case{"vdb1/partition", "one\n", "expected a partition number from 1, found 'one\\x0a'"},
       }) {
    SCOPED_TRACE(c.file);
    add_extension_disk("vdb", "gpu");
    write(disk_dir("vdb") / c.file, c.text);
    const std::string msg = error();
    EXPECT_EQ(
        msg.rfind("extension gpu: " + (disk_dir("vdb") / c.file).string() + ": " + c.expected, 0),
        0u)
        << msg;
    std::filesystem::remove(disk_dir("vdb"));
  }
}

// The kernel creates a partition's `dev` after its `partition` file.
TEST_F(ExtensionDisks, PartitionWithoutDevOrSizeIsIncomplete) {
  for (std::string file : {"vdb2/dev", "vdb1/size"}) {
    SCOPED_TRACE(file);
    add_extension_disk("vdb", "gpu");
    std::filesystem::remove(disk_dir("vdb") / file);
    EXPECT_EQ(error(true),
              "extension gpu: " + (disk_dir("vdb") / file).string() + " does not exist (yet)");
    std::filesystem::remove(disk_dir("vdb"));
  }
}

TEST_F(ExtensionDisks, UnreadablePartitionValueIsFatalAndNamed) {
  add_extension_disk("vdb", "gpu");
  std::filesystem::remove(disk_dir("vdb") / "vdb2/dev");
  std::filesystem::create_directory(disk_dir("vdb") / "vdb2/dev");
  EXPECT_EQ(error(), "extension gpu: open " + (disk_dir("vdb") / "vdb2/dev").string() +
                         " (not a regular file): Invalid argument");
}

// A serial that is not a regular file (or larger than a page) is not what the kernel shows.
TEST_F(ExtensionDisks, OversizedSerialIsFatal) {
  add_disk("vdb", "extension-gpu" + std::string(5000, '\0'));
  const std::string msg = error();
  EXPECT_NE(msg.find(root() + "/block/vdb/serial (more than 4096 bytes)"), std::string::npos)
      << msg;
}

}  // namespace
}  // namespace ccinit::extensions
