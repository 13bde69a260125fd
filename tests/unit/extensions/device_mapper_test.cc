#include "helpers/extensions/device_mapper.h"

#include <linux/dm-ioctl.h>
#include <sys/sysmacros.h>

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <vector>

#include "common/sys_error.h"
#include "helpers/extensions/extension_error.h"
#include "tests/testlib/temp_dir.h"

namespace ccinit::extensions {
namespace {

// A reply as the kernel writes it back: its own version, the given flags and device.
std::vector<std::byte> reply(std::uint32_t flags, std::uint32_t major_version = 4,
                             dev_t dev = makedev(253, 0)) {
  dm_ioctl header{};
  header.version[0] = major_version;
  header.version[1] = 47;
  header.data_size = sizeof header;
  header.data_start = sizeof header;
  header.flags = flags;
  header.dev = dev;
  std::vector<std::byte> out(sizeof header);
  std::memcpy(out.data(), &header, sizeof header);
  return out;
}

std::string refusal(DmCall call, const std::vector<std::byte>& bytes) {
  try {
    check_dm_reply(call, "extension-gpu", bytes);
    ADD_FAILURE() << "accepted";
  } catch (const ExtensionError& e) {
    return e.what();
  }
  return "";
}

TEST(DmReply, WhatEachCallMustLeaveIsAccepted) {
  EXPECT_NO_THROW(check_dm_reply(DmCall::kCreate, "extension-gpu", reply(0)));
  EXPECT_NO_THROW(
      check_dm_reply(DmCall::kTableLoad, "extension-gpu", reply(DM_INACTIVE_PRESENT_FLAG)));
  EXPECT_NO_THROW(check_dm_reply(DmCall::kResume, "extension-gpu",
                                 reply(DM_ACTIVE_PRESENT_FLAG | DM_READONLY_FLAG)));
  EXPECT_NO_THROW(check_dm_reply(DmCall::kRemove, "extension-gpu", reply(0)));
}

TEST(DmReply, OtherInterfaceVersionIsRefused) {
  EXPECT_EQ(refusal(DmCall::kCreate, reply(0, 5)),
            "DM_DEV_CREATE of extension-gpu: the kernel answered with device-mapper interface "
            "5.47, not 4.x");
}

TEST(DmReply, ShortOrFullReplyIsRefused) {
  std::vector<std::byte> short_reply = reply(0);
  short_reply.resize(16);
  EXPECT_EQ(refusal(DmCall::kCreate, short_reply),
            "DM_DEV_CREATE of extension-gpu: reply of 16 bytes, shorter than struct dm_ioctl");
  EXPECT_EQ(refusal(DmCall::kTableLoad, reply(DM_INACTIVE_PRESENT_FLAG | DM_BUFFER_FULL_FLAG)),
            "DM_TABLE_LOAD of extension-gpu: the kernel's reply did not fit (DM_BUFFER_FULL_FLAG)");
}

TEST(DmReply, CreateWithoutDeviceNumberIsRefused) {
  EXPECT_EQ(refusal(DmCall::kCreate, reply(0, 4, 0)),
            "DM_DEV_CREATE of extension-gpu: the reply names no device number");
}

TEST(DmReply, LoadWithoutInactiveTableIsRefused) {
  EXPECT_EQ(refusal(DmCall::kTableLoad, reply(0)),
            "DM_TABLE_LOAD of extension-gpu: reply flags 0x0: no inactive table after the load");
}

// The live device must be resumed and read-only: a writable or still suspended one is not
// what was asked for.
TEST(DmReply, ResumeMustLeaveALiveReadOnlyDevice) {
  EXPECT_NE(refusal(DmCall::kResume, reply(DM_ACTIVE_PRESENT_FLAG)).find("read-only"),
            std::string::npos);
  EXPECT_NE(refusal(DmCall::kResume, reply(DM_READONLY_FLAG)).find("live"), std::string::npos);
  EXPECT_EQ(
      refusal(DmCall::kResume, reply(DM_ACTIVE_PRESENT_FLAG | DM_READONLY_FLAG | DM_SUSPEND_FLAG)),
      "DM_DEV_SUSPEND (resume) of extension-gpu: reply flags 0x23: not a live, resumed, "
      "read-only device");
}

// No device-mapper on this host (or a path without it): the error names the call, the
// device and the control node.
TEST(LinuxDeviceMapper, MissingControlNodeIsNamed) {
  ccinit::testing::TempDir dir("dm-control");
  LinuxDeviceMapper dm(dir.path() + "/mapper/control");
  try {
    dm.create("gpu");
    ADD_FAILURE() << "created";
  } catch (const SysError& e) {
    EXPECT_EQ(std::string(e.what()), "DM_DEV_CREATE of extension-gpu: open " + dir.path() +
                                         "/mapper/control (the device-mapper control node): No "
                                         "such file or directory");
    EXPECT_EQ(e.code(), ENOENT);
  }
}

TEST(LinuxDeviceMapper, ThisHostsDefaultControlNodeIsNamedWhenMissing) {
  if (std::filesystem::exists("/dev/mapper/control"))
    GTEST_SKIP() << "this host has device-mapper: not creating devices on it";
  LinuxDeviceMapper dm("/dev/mapper/control");
  try {
    dm.remove("gpu");
    ADD_FAILURE() << "removed";
  } catch (const SysError& e) {
    EXPECT_NE(
        std::string(e.what()).find("DM_DEV_REMOVE of extension-gpu: open /dev/mapper/control"),
        std::string::npos)
        << e.what();
  }
}

// A control node that is not device-mapper's (here a regular file): the ioctl fails and the
// error names it with errno.
TEST(LinuxDeviceMapper, FailedIoctlNamesCallDeviceAndErrno) {
  ccinit::testing::TempDir dir("dm-control");
  dir.write("control", "");
  LinuxDeviceMapper dm(dir.path() + "/control");
  try {
    dm.resume("gpu");
    ADD_FAILURE() << "resumed";
  } catch (const SysError& e) {
    EXPECT_EQ(std::string(e.what()), "DM_DEV_SUSPEND (resume) of extension-gpu on " + dir.path() +
                                         "/control: Inappropriate ioctl for device");
  }
}

}  // namespace
}  // namespace ccinit::extensions
