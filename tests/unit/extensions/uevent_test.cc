#include "helpers/extensions/uevent.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "helpers/extensions/block_events.h"

namespace ccinit::extensions {
namespace {

using namespace std::literals;

const std::string kDevpath = "/devices/pci0000:00/0000:00:05.0/virtio2/block/vdb";

// A datagram as kobject_uevent_env() sends it for a virtio disk.
std::string disk_add(const std::string& extra = "") {
  return "add@" + kDevpath + "\0ACTION=add\0DEVPATH="s + kDevpath +
         "\0SUBSYSTEM=block\0MAJOR=254\0MINOR=16\0DEVNAME=vdb\0DEVTYPE=disk\0DISKSEQ=3\0"
         "SEQNUM=1234\0"s +
         extra;
}

TEST(Uevent, ParsesAKernelBlockAdd) {
  const auto event = parse_uevent(disk_add());
  ASSERT_TRUE(event);
  EXPECT_EQ(event->action, "add");
  EXPECT_EQ(event->devpath, kDevpath);
  EXPECT_EQ(event->subsystem, "block");
  EXPECT_EQ(event->devname, "vdb");
  EXPECT_EQ(event->devtype, "disk");
  EXPECT_EQ(event->seqnum, 1234u);
}

TEST(Uevent, ParsesAPartitionAndOtherSubsystems) {
  const std::string part = kDevpath + "/vdb1";
  auto event = parse_uevent("add@" + part + "\0ACTION=add\0DEVPATH="s + part +
                            "\0SUBSYSTEM=block\0DEVNAME=vdb1\0DEVTYPE=partition\0PARTN=1\0"
                            "SEQNUM=1235\0"s);
  ASSERT_TRUE(event);
  EXPECT_EQ(event->devtype, "partition");
  event = parse_uevent(
      "bind@/devices/virtio2\0ACTION=bind\0DEVPATH=/devices/virtio2\0SUBSYSTEM=virtio\0"
      "DRIVER=virtio_blk\0MODALIAS=virtio:d00000002v00001AF4\0SEQNUM=7\0"s);
  ASSERT_TRUE(event);
  EXPECT_EQ(event->subsystem, "virtio");
  EXPECT_EQ(event->devname, "");
}

TEST(Uevent, RefusesAnythingElse) {
  const std::string good = disk_add();
  for (const std::string& bad : {
           ""s,
           "\0"s,
           "libudev\0\xfe\xed\xca\xfe"s,                     // udev's format (group 2)
           good.substr(0, good.size() - 1),                  // last field not terminated
           good + "\0"s,                                     // empty field
           disk_add("ACTION=add\0"s),                        // a key twice
           disk_add("action=x\0"s),                          // key not [A-Z0-9_]
           disk_add("=x\0"s),                                // empty key
           disk_add("NOEQUALS\0"s),                          // no '='
           "add" + good.substr(good.find('\0')),             // no '@'
           "ADD@" + good.substr(4),                          // action not lower-case
           "@" + good.substr(4),                             // empty action
           "add@devices" + good.substr(good.find('\0')),     // devpath not from '/'
           "remove@" + good.substr(4),                       // header and ACTION differ
           "add@/devices/x" + good.substr(good.find('\0')),  // header and DEVPATH differ
           "add@" + kDevpath + "\0ACTION=add\0DEVPATH="s + kDevpath + "\0SEQNUM=1\0"s,
           "add@" + kDevpath + "\0ACTION=add\0DEVPATH="s + kDevpath + "\0SUBSYSTEM=\0SEQNUM=1\0"s,
           "add@" + kDevpath + "\0ACTION=add\0DEVPATH="s + kDevpath + "\0SUBSYSTEM=block\0"s,
           "add@" + kDevpath + "\0ACTION=add\0DEVPATH="s + kDevpath +
               "\0SUBSYSTEM=block\0SEQNUM=12a\0"s,
           "add@" + kDevpath + "\0ACTION=add\0DEVPATH="s + kDevpath +
               "\0SUBSYSTEM=block\0SEQNUM=18446744073709551616\0"s,
           disk_add(std::string(kMaxUeventBytes, 'X')),  // too large
       }) {
    EXPECT_FALSE(parse_uevent(bad)) << testing::PrintToString(bad);
  }
  // Exactly at the limit is accepted.
  std::string big = disk_add("PAD=");
  big += std::string(kMaxUeventBytes - big.size() - 1, 'x') + '\0';
  ASSERT_EQ(big.size(), kMaxUeventBytes);
  EXPECT_TRUE(parse_uevent(big));
}

TEST(Uevent, WhatMayAddABlockDevice) {
  EXPECT_TRUE(may_add_block_device(disk_add()));
  std::string change = disk_add();
  change.replace(0, 3, "change");
  change.replace(change.find("ACTION=add"), 10, "ACTION=change");
  EXPECT_TRUE(may_add_block_device(change));
  std::string remove = disk_add();
  remove.replace(0, 3, "remove");
  remove.replace(remove.find("ACTION=add"), 10, "ACTION=remove");
  EXPECT_FALSE(may_add_block_device(remove));
  EXPECT_FALSE(may_add_block_device(
      "add@/devices/virtual/net/lo\0ACTION=add\0DEVPATH=/devices/virtual/net/lo\0"
      "SUBSYSTEM=net\0SEQNUM=9\0"s));
  // Bytes we cannot read: look at sysfs again rather than miss a disk.
  EXPECT_TRUE(may_add_block_device("garbage"));
}

// The real socket opens without privileges (receiving uevents needs none) and, with no
// block event coming, returns false at its deadline instead of blocking.
TEST(UeventBlockEvents, ReturnsAtTheDeadline) {
  UeventBlockEvents events;
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(events.wait_for_block_add(start - std::chrono::seconds(1)));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(50);
  // A block add could truly happen on this host; only the timing is checked then.
  const bool added = events.wait_for_block_add(deadline);
  if (!added) {
    EXPECT_GE(std::chrono::steady_clock::now(), deadline);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

}  // namespace
}  // namespace ccinit::extensions
