// Extension images end to end on the real kernel (issue 10): a real boot runs the extensions
// helper under its seccomp policy, which loads the modules with the real modprobe, sets up
// dm-verity with the device-mapper ioctls and mounts the EROFS; the stand-in agent then reads
// the extension's file. Every way an extension can be wrong powers off before the agent, with
// a reason naming the extension. One boot per case (~15 s each under TCG).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/testlib/temp_dir.h"
#include "tests/vm/vm_guest.h"

namespace ccinit::vmtest {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kAgentStarted = "kata-agent: started";

class VmExtensionBootTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CCINIT_REQUIRE(cannot_boot_vms());
    CCINIT_REQUIRE(cannot_make_extension_images());
  }

  // The shipped image with the modules overlay: the helper loads virtio_blk, dm_mod,
  // dm_verity and erofs itself, before lockdown closes module loading. Observed when
  // scripts/test asks (CCINIT_OBSERVE_DIR): only these boots run the extensions helper's
  // device-mapper path, which the namespace boots cannot.
  static VmOptions WithModules() { return VmOptions().modules().observe_if_asked(); }

  static std::string KnownFile(const std::string& name) {
    return "/run/kata-extensions/" + name + "/" + std::string(kExtensionKnownFile);
  }

  testing::TempDir dir_{"ccinit-vm-extension-boot"};
};

// PID 1 powered off for one reason containing every one of `parts`, before the agent ran.
void ExpectRefusedBeforeTheAgent(const VmBoot& boot, const std::vector<std::string>& parts) {
  ASSERT_EQ(boot.exit_code, kPoweredOffWithReason) << boot.describe();
  const std::vector<std::string> reasons = boot.power_off_reasons();
  ASSERT_EQ(reasons.size(), 1u) << boot.describe();
  for (const std::string& part : parts) EXPECT_THAT(reasons[0], HasSubstr(part)) << boot.describe();
  // Not a seccomp kill of the helper: its own error, through its report.
  EXPECT_THAT(reasons[0], Not(HasSubstr("SIGSYS"))) << boot.describe();
  EXPECT_FALSE(boot.has_line_containing(kAgentStarted)) << boot.describe();
  EXPECT_FALSE(boot.has_line_containing("AGENT-REPORT-BEGIN")) << boot.describe();
}

// `params` with its root hash's first hex digit changed.
std::string WithWrongRootHash(std::string params) {
  const std::string key = "root_hash=";
  const auto at = params.find(key);
  if (at == std::string::npos) throw std::runtime_error(params + ": no root_hash");
  char& digit = params[at + key.size()];
  digit = digit == '0' ? '1' : '0';
  return params;
}

TEST_F(VmExtensionBootTest, VerifiedExtensionIsMountedAndTheAgentReadsItsFile) {
  ExtensionDisk tools = make_extension_image("tools", dir_.path());
  VmBoot boot = boot_vm("nvrc.mode=cpu test.agent.action=cat:" + KnownFile("tools") + "+exit:0",
                        WithModules().extension(tools));
  ASSERT_EQ(boot.exit_code, kPoweredOffClean) << boot.describe();
  const long begin = boot.index_of("FILE-BEGIN " + KnownFile("tools"));
  ASSERT_GE(begin, 0) << boot.describe();
  EXPECT_THAT(boot.console.at(begin + 1), ::testing::StartsWith(std::string(kExtensionKnownText)))
      << boot.describe();
  EXPECT_EQ(boot.report().count("cat_error"), 0u) << boot.describe();
  // The kernel mounted the dm-verity device, not the raw partition.
  EXPECT_TRUE(boot.has_line_containing("erofs: (device dm-0): mounted")) << boot.describe();
}

// dm-verity checks each block when it is read: the mount (metadata intact) works and the boot
// reaches the agent, but the corrupt block of the file is refused, never handed over.
TEST_F(VmExtensionBootTest, CorruptDataBlockFailsTheReadWithEioAndTheAgentSeesNoData) {
  ExtensionImageOptions corrupt;
  corrupt.flip_data_byte = true;
  ExtensionDisk tools = make_extension_image("tools", dir_.path(), corrupt);
  VmBoot boot = boot_vm("nvrc.mode=cpu test.agent.action=cat:" + KnownFile("tools") + "+exit:0",
                        WithModules().extension(tools));
  ASSERT_EQ(boot.exit_code, kPoweredOffClean) << boot.describe();
  EXPECT_EQ(boot.report()["cat_error"], KnownFile("tools") + ": EIO (Input/output error)")
      << boot.describe();
  EXPECT_FALSE(boot.has_line_containing("FILE-BEGIN " + KnownFile("tools"))) << boot.describe();
  EXPECT_FALSE(boot.has_line_containing(kExtensionKnownText)) << boot.describe();
  // The kernel says why: the block's hash does not match.
  EXPECT_TRUE(boot.has_line_containing("is corrupted")) << boot.describe();
}

// The table loads (the kernel does not check the root hash then), the EROFS mount's first
// read fails verification. Two extensions: the good one (sorted first) is set up, the second
// one's failure names it alone.
TEST_F(VmExtensionBootTest, WrongRootHashPowersOffBeforeTheAgentNamingTheExtension) {
  ExtensionDisk good = make_extension_image("aaa", dir_.path());
  ExtensionDisk bad = make_extension_image("zzz", dir_.path());
  bad.params = WithWrongRootHash(bad.params);
  VmBoot boot = boot_vm("nvrc.mode=cpu test.agent.action=exit:0",
                        WithModules().extension(good).extension(bad));
  ExpectRefusedBeforeTheAgent(boot, {"extension zzz", "does not match the root hash"});
  EXPECT_TRUE(boot.has_line_containing("erofs: (device dm-0): mounted")) << boot.describe();
  EXPECT_THAT(boot.power_off_reasons(), ::testing::Each(Not(HasSubstr("extension aaa"))));
}

TEST_F(VmExtensionBootTest, ExtensionDiskWithoutParamsPowersOffBeforeTheAgent) {
  ExtensionDisk stray = make_extension_image("stray", dir_.path());
  VmBoot boot = boot_vm("nvrc.mode=cpu test.agent.action=exit:0",
                        WithModules().disk(stray.image, "extension-stray"));
  ExpectRefusedBeforeTheAgent(boot, {"extension stray", "no kata.extension.stray.verity_params"});
}

// The helper waits 10 s for the disk (events, no polling), then fails naming it.
TEST_F(VmExtensionBootTest, ParamsWithoutTheirDiskPowerOffAfterTheWaitBeforeTheAgent) {
  ExtensionDisk absent = make_extension_image("absent", dir_.path());
  VmBoot boot = boot_vm("nvrc.mode=cpu test.agent.action=exit:0",
                        WithModules().kernel_param(absent.params).timeout(kBootSeconds + 12));
  ExpectRefusedBeforeTheAgent(boot, {"no disk with serial extension-absent"});
}

// A disk whose serial is extension-<not a name> might be an extension: it is refused, never
// ignored. (A bad name in the params is the command line parser's, covered by unit tests.)
TEST_F(VmExtensionBootTest, ExtensionSerialWithABadNamePowersOffBeforeTheAgent) {
  ExtensionDisk tools = make_extension_image("tools", dir_.path());
  VmBoot boot = boot_vm("nvrc.mode=cpu test.agent.action=exit:0",
                        WithModules().disk(tools.image, "extension-bad.name"));
  ExpectRefusedBeforeTheAgent(boot, {"serial 'extension-bad.name'"});
}

}  // namespace
}  // namespace ccinit::vmtest
