#include "helpers/extensions/disk_wait.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/unit/extensions/fake_block_events.h"
#include "tests/unit/extensions/fake_block_sysfs.h"

namespace ccinit::extensions {
namespace {

using Names = std::vector<std::string>;

class DiskWait : public testing::FakeBlockSysfs {
 protected:
  std::vector<ExtensionDisk> wait(const Names& names) {
    return wait_for_disks(root(), names, std::chrono::steady_clock::now(), events_);
  }
  std::string error(const Names& names) {
    try {
      wait(names);
      ADD_FAILURE() << "accepted";
    } catch (const ExtensionError& e) {
      return e.what();
    }
    return "";
  }
  static Names names_of(const std::vector<ExtensionDisk>& disks) {
    Names out;
    for (const ExtensionDisk& d : disks) out.push_back(d.name);
    return out;
  }

  testing::FakeBlockEvents events_;
};

TEST_F(DiskWait, DisksAlreadyThereNeedNoWait) {
  add_extension_disk("vdb", "gpu");
  add_extension_disk("vdc", "coco");
  EXPECT_EQ(names_of(wait({"coco", "gpu"})), (Names{"coco", "gpu"}));
  EXPECT_EQ(events_.waits(), 0);
}

TEST_F(DiskWait, NothingToWaitFor) {
  EXPECT_TRUE(wait({}).empty());
  EXPECT_EQ(events_.waits(), 0);
}

// Each event makes it look again; unrelated events (another disk) do not end the wait.
TEST_F(DiskWait, LooksAgainAfterEachEventUntilAllArePresent) {
  add_extension_disk("vdb", "gpu");
  events_.then([&] { add_disk("vdc", "rootfs"); });
  events_.then([&] { add_extension_disk("vdd", "coco"); });
  events_.then([] { ADD_FAILURE() << "waited after every disk was there"; });
  EXPECT_EQ(names_of(wait({"gpu", "coco"})), (Names{"coco", "gpu"}));
  EXPECT_EQ(events_.waits(), 2);
}

// The kernel creates the disk's directory before its partitions: not yet an error.
TEST_F(DiskWait, DiskWhosePartitionsAreStillComingIsWaitedFor) {
  add_disk("vdb", "extension-gpu");
  events_.then([&] { add_partition("vdb", 1, 8192, "254:1"); });
  events_.then([&] { add_partition("vdb", 2, 64, "254:2"); });
  const std::vector<ExtensionDisk> disks = wait({"gpu"});
  ASSERT_EQ(disks.size(), 1u);
  EXPECT_EQ(disks[0].hash.kernel_name, "vdb2");
  EXPECT_EQ(events_.waits(), 2);
}

TEST_F(DiskWait, TimeoutNamesEachMissingExtension) {
  add_extension_disk("vdb", "gpu");
  events_.then([&] { add_disk("vdc", "other"); });
  EXPECT_EQ(error({"coco", "gpu", "nv_2"}),
            "extension disks did not appear before the deadline: extension coco (no disk with "
            "serial extension-coco), extension nv_2 (no disk with serial extension-nv_2)");
  EXPECT_TRUE(events_.script_done());
}

TEST_F(DiskWait, DiskStillIncompleteAtTheDeadlineFailsNamingIt) {
  add_disk("vdb", "extension-gpu");
  add_partition("vdb", 1, 8192, "254:1");
  EXPECT_EQ(error({"gpu"}), "extension gpu: disk vdb has no partition 2 (hash tree)");
}

// Anything but "not yet" is fatal at once: no point waiting for a bad serial to change.
TEST_F(DiskWait, BadDiskIsFatalAtOnce) {
  add_disk("vdb", "extension-gpu.1");
  events_.then([] { ADD_FAILURE() << "waited"; });
  EXPECT_NE(error({"gpu"}).find("extension disk serial 'extension-gpu.1'"), std::string::npos);
  EXPECT_EQ(events_.waits(), 0);
}

// One last look after the deadline catches a disk that arrived just before it.
TEST_F(DiskWait, LastLookAfterTheDeadline) {
  events_.then_deadline([&] { add_extension_disk("vdb", "gpu"); });
  events_.then([] { ADD_FAILURE() << "waited past the deadline"; });
  EXPECT_EQ(names_of(wait({"gpu"})), (Names{"gpu"}));
  EXPECT_EQ(events_.waits(), 1);
}

}  // namespace
}  // namespace ccinit::extensions
