#include "helpers/extensions/dm_request.h"

#include <linux/dm-ioctl.h>
#include <sys/ioctl.h>
#include <sys/sysmacros.h>

#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "helpers/extensions/extension_error.h"

namespace ccinit::extensions {
namespace {

dm_ioctl header_of(const DmRequest& request) {
  dm_ioctl header;
  EXPECT_GE(request.bytes.size(), sizeof header);
  std::memcpy(&header, request.bytes.data(), sizeof header);
  return header;
}

// What every request shares: version 4.0.0, the name, data_size the whole buffer, data
// starting right after the header, nothing else set.
void expect_header(const DmRequest& request, unsigned long command, std::uint32_t flags,
                   std::uint32_t target_count) {
  EXPECT_EQ(request.command, command);
  const dm_ioctl h = header_of(request);
  EXPECT_EQ(h.version[0], 4u);
  EXPECT_EQ(h.version[1], 0u);
  EXPECT_EQ(h.version[2], 0u);
  EXPECT_EQ(h.data_size, request.bytes.size());
  EXPECT_EQ(h.data_start, sizeof(dm_ioctl));
  EXPECT_EQ(h.data_start % 8, 0u);
  EXPECT_EQ(h.target_count, target_count);
  EXPECT_EQ(h.flags, flags);
  EXPECT_EQ(h.open_count, 0);
  EXPECT_EQ(h.event_nr, 0u);
  EXPECT_EQ(h.dev, 0u);
  EXPECT_EQ(std::string(h.name, strnlen(h.name, sizeof h.name)), "extension-gpu");
  EXPECT_EQ(std::string(h.uuid, strnlen(h.uuid, sizeof h.uuid)), "");
}

TEST(DmRequest, DeviceName) {
  EXPECT_EQ(dm_device_name("gpu"), "extension-gpu");
  EXPECT_EQ(dm_device_name("0123456789"), "extension-0123456789");
  for (std::string_view bad : {"", "..", "a/b", "01234567890", "gpu x"}) {
    SCOPED_TRACE(bad);
    EXPECT_THROW(dm_device_name(bad), ExtensionError);
    EXPECT_THROW(dm_create_request(bad), ExtensionError);
    EXPECT_THROW(dm_table_load_request(bad, {8, "1"}), ExtensionError);
  }
}

TEST(DmRequest, CreateResumeRemoveAreJustTheHeader) {
  const DmRequest create = dm_create_request("gpu");
  EXPECT_EQ(create.bytes.size(), sizeof(dm_ioctl));
  expect_header(create, DM_DEV_CREATE, 0, 0);
  const DmRequest resume = dm_resume_request("gpu");
  EXPECT_EQ(resume.bytes.size(), sizeof(dm_ioctl));
  // DM_DEV_SUSPEND without DM_SUSPEND_FLAG is a resume.
  expect_header(resume, DM_DEV_SUSPEND, 0, 0);
  const DmRequest remove = dm_remove_request("gpu");
  EXPECT_EQ(remove.bytes.size(), sizeof(dm_ioctl));
  expect_header(remove, DM_DEV_REMOVE, 0, 0);
}

TEST(DmRequest, TableLoadIsOneReadOnlyVerityTarget) {
  // 111 characters: with its NUL, 112 bytes, already a multiple of 8, and one more.
  for (std::size_t length : {111u, 112u, 1u, 300u}) {
    SCOPED_TRACE(length);
    std::string parameters = "1 254:17 254:18 4096 4096 262144 0 sha256 ";
    parameters.resize(length, 'a');
    const DmRequest load = dm_table_load_request("gpu", {2097152, parameters});
    expect_header(load, DM_TABLE_LOAD, DM_READONLY_FLAG, 1);

    const std::size_t spec_at = header_of(load).data_start;
    dm_target_spec spec;
    ASSERT_GE(load.bytes.size(), spec_at + sizeof spec);
    std::memcpy(&spec, load.bytes.data() + spec_at, sizeof spec);
    EXPECT_EQ(spec.sector_start, 0u);
    EXPECT_EQ(spec.length, 2097152u);
    EXPECT_EQ(spec.status, 0);
    EXPECT_EQ(std::string(spec.target_type, strnlen(spec.target_type, sizeof spec.target_type)),
              "verity");
    // The parameter string follows the spec, NUL-terminated and padded to 8 bytes; `next`
    // is the padded size of spec and string, which ends the buffer.
    const std::size_t padded = (sizeof spec + length + 1 + 7) / 8 * 8;
    EXPECT_EQ(spec.next, padded);
    EXPECT_EQ(spec.next % 8, 0u);
    EXPECT_EQ(load.bytes.size(), spec_at + padded);
    const char* text = reinterpret_cast<const char*>(load.bytes.data()) + spec_at + sizeof spec;
    EXPECT_EQ(std::string(text, strnlen(text, length + 1)), parameters);
    for (std::size_t i = spec_at + sizeof spec + length; i < load.bytes.size(); ++i)
      EXPECT_EQ(load.bytes[i], std::byte{0}) << i;
  }
}

TEST(DmRequest, TableLoadCarriesTheVerityTable) {
  const ExtensionDisk disk{"gpu", "vdb", {"vdb1", {254, 17}, 2097152}, {"vdb2", {254, 18}, 16512}};
  wire::ExtensionVerity params;
  params.set_name("gpu");
  params.set_root_hash(std::string(64, 'b'));
  params.set_salt("");
  params.set_data_blocks(262144);
  params.set_data_block_size(4096);
  params.set_hash_block_size(4096);
  const DmRequest load = dm_table_load_request("gpu", verity_target(params, disk));
  const char* text =
      reinterpret_cast<const char*>(load.bytes.data()) + sizeof(dm_ioctl) + sizeof(dm_target_spec);
  EXPECT_EQ(std::string(text),
            "1 254:17 254:18 4096 4096 262144 0 sha256 " + std::string(64, 'b') + " -");
}

TEST(DmRequest, ParametersWithANulAreRefused) {
  EXPECT_THROW(dm_table_load_request("gpu", {8, std::string("1 2\0 3", 6)}), ExtensionError);
}

TEST(DmRequest, ReplyDevice) {
  std::vector<std::byte> reply(sizeof(dm_ioctl));
  dm_ioctl header{};
  header.dev = makedev(253, 300);  // the kernel's huge_encode_dev layout
  std::memcpy(reply.data(), &header, sizeof header);
  EXPECT_EQ(dm_reply_device(reply), (DeviceNumber{253, 300}));
  reply.resize(sizeof(dm_ioctl) - 1);
  EXPECT_THROW(dm_reply_device(reply), ExtensionError);
}

}  // namespace
}  // namespace ccinit::extensions
