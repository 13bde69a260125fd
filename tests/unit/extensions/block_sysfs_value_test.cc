#include "helpers/extensions/block_sysfs_value.h"

#include <gtest/gtest.h>

#include <string>

#include "common/log_escape.h"
#include "helpers/extensions/extension_error.h"

namespace ccinit::extensions {
namespace {

const std::string kSerialPath = "/sys/block/vdb/serial";

std::string error_of(const auto& parse) {
  try {
    parse();
    ADD_FAILURE() << "accepted";
  } catch (const ExtensionError& e) {
    return e.what();
  }
  return "";
}

TEST(ExtensionSerial, ExtensionNameAsVirtioPrintsIt) {
  using namespace std::literals;
  EXPECT_EQ(parse_extension_serial("extension-gpu", kSerialPath), "gpu");
  EXPECT_EQ(parse_extension_serial("extension-coco", kSerialPath), "coco");
  // 20 bytes: the whole virtio ID field, no NUL the kernel could stop at.
  EXPECT_EQ(parse_extension_serial("extension-0123456789", kSerialPath), "0123456789");
  EXPECT_EQ(parse_extension_serial("extension-A_b-C", kSerialPath), "A_b-C");
  // NUL padding of the ID field and one newline are tolerated.
  EXPECT_EQ(parse_extension_serial("extension-gpu\0\0\0\0\0\0\0"sv, kSerialPath), "gpu");
  EXPECT_EQ(parse_extension_serial("extension-gpu\n", kSerialPath), "gpu");
  EXPECT_EQ(parse_extension_serial("extension-gpu\0\0\n"sv, kSerialPath), "gpu");
}

TEST(ExtensionSerial, OtherDisksAreNotOurs) {
  using namespace std::literals;
  for (std::string_view serial :
       {""sv, "\n"sv, "QM00001"sv, "rootfs"sv, "extension"sv, "Extension-gpu"sv, "EXTENSION-gpu"sv,
        "extensions-gpu"sv, "xextension-gpu"sv, " extension-gpu"sv, "\0extension-gpu"sv,
        "\xff\xfe"sv})
    EXPECT_EQ(parse_extension_serial(serial, kSerialPath), std::nullopt);
}

TEST(ExtensionSerial, BadExtensionNamesAreFatalAndNamed) {
  using namespace std::literals;
  const std::string rule =
      "expected extension-<name> with a name of 1 to 10 characters from "
      "A-Z a-z 0-9 _ -";
  struct Case {
    std::string_view serial;
    std::string shown;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"extension-", "extension-"},
           {"extension-\n", "extension-"},
           {"extension-gpu.x", "extension-gpu.x"},
           {"extension-..", "extension-.."},
           {"extension-gpu ", "extension-gpu "},
           {"extension-gpu\t", "extension-gpu\\x09"},
           {"extension-gpu\n\n", "extension-gpu\\x0a"},
           {"extension-gpu\0x"sv, "extension-gpu\\x00x"},
           {"extension-gpu\0\n\0"sv, "extension-gpu\\x00\\x0a"},
           {"extension-a/b", "extension-a/b"},
           {"extension-\xc3\xa9", "extension-\\xc3\\xa9"},
           {"extension-01234567890", "extension-01234567890"},
       }) {
    SCOPED_TRACE(c.shown);
    EXPECT_EQ(error_of([&] { parse_extension_serial(c.serial, kSerialPath); }),
              kSerialPath + ": extension disk serial '" + c.shown + "': " + rule);
  }
}

TEST(BlockSysfsValue, PartitionNumber) {
  EXPECT_EQ(parse_partition_number("1\n", "p"), 1u);
  EXPECT_EQ(parse_partition_number("2\n", "p"), 2u);
  EXPECT_EQ(parse_partition_number("128", "p"), 128u);
  for (std::string_view text : {"", "\n", "0\n", "01\n", "+1\n", "-1\n", " 1\n", "1 \n", "1\n\n",
                                "0x1\n", "1a\n", "4294967296\n"})
    EXPECT_EQ(error_of([&] { parse_partition_number(text, "/sys/block/vdb/vdb1/partition"); }),
              "/sys/block/vdb/vdb1/partition: expected a partition number from 1, found '" +
                  escape_for_log(text) + "'")
        << text;
}

TEST(BlockSysfsValue, DeviceNumber) {
  EXPECT_EQ(parse_device_number("254:1\n", "d"), (DeviceNumber{254, 1}));
  EXPECT_EQ(parse_device_number("0:0\n", "d"), (DeviceNumber{0, 0}));
  EXPECT_EQ(parse_device_number("4095:1048575\n", "d"), (DeviceNumber{4095, 1048575}));
  EXPECT_EQ(parse_device_number("259:0", "d"), (DeviceNumber{259, 0}));
  EXPECT_EQ(to_string(DeviceNumber{254, 17}), "254:17");
  for (std::string_view text :
       {"", "\n", "254\n", "254:\n", ":1\n", "254:1:2\n", "254 :1\n", "254: 1\n", "0254:1\n",
        "254:01\n", "+254:1\n", "254:-1\n", "4096:0\n", "0:1048576\n", "254:1\n\n", "fe:1\n",
        "99999999999:1\n"})
    EXPECT_NE(error_of([&] { parse_device_number(text, "/sys/block/vdb/vdb1/dev"); })
                  .find("/sys/block/vdb/vdb1/dev: expected MAJOR:MINOR (major below 4096, minor "
                        "below 1048576), found '"),
              std::string::npos)
        << text;
}

TEST(BlockSysfsValue, SectorCount) {
  EXPECT_EQ(parse_sector_count("16384\n", "s"), 16384u);
  EXPECT_EQ(parse_sector_count("0\n", "s"), 0u);
  EXPECT_EQ(parse_sector_count("18446744073709551615\n", "s"), 18446744073709551615u);
  for (std::string_view text :
       {"", "\n", "00\n", "-1\n", "1e3\n", "18446744073709551616\n", " 8\n", "8 \n", "0x10\n"})
    EXPECT_EQ(
        error_of([&] {
          parse_sector_count(text, "/sys/block/vdb/vdb1/size");
        }).rfind("/sys/block/vdb/vdb1/size: expected a number of 512-byte sectors, found '", 0),
        0u)
        << text;
}

}  // namespace
}  // namespace ccinit::extensions
