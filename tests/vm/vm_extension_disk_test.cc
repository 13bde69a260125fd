// The VM infrastructure for extension images (issue 10): a disk made by
// tests/vm/make-extension-image reaches the guest as Kata attaches one (virtio-blk over PCI,
// serial extension-<name>, its params on the command line), and the modules overlay loads
// what the extensions helper will load, with what they need, on Debian's kernel.
//
// The stand-in agent runs the real modprobe here, after lockdown would have disabled module
// loading, so these boots use the do-nothing stand-in for lockdown (test.bad_helper=ok); the
// kernel's own lines show the disk and its partitions. The extension is not named gpu: PID 1
// expects the GPU extension's helper to report it in use, which nvrc.mode=cpu does not.
// vm_extension_boot_test.cc boots the extensions helper itself with these disks.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "tests/testlib/temp_dir.h"
#include "tests/vm/vm_guest.h"

namespace ccinit::vmtest {
namespace {

constexpr const char* kWithoutLockdown = "nvrc.mode=cpu test.bad_helper=ok ";

class VmExtensionDiskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CCINIT_REQUIRE(cannot_boot_vms());
    CCINIT_REQUIRE(cannot_make_extension_images());
  }
  testing::TempDir dir_{"ccinit-vm-extension"};
};

TEST_F(VmExtensionDiskTest, GuestKernelSeesTheExtensionDiskWithItsTwoPartitions) {
  ExtensionDisk tools = make_extension_image("tools", dir_.path());
  VmBoot boot = boot_vm(std::string(kWithoutLockdown) + "test.agent.action=modprobe:virtio_blk",
                        VmOptions().bad_helper().modules().extension(tools));
  ASSERT_EQ(boot.exit_code, kPoweredOffClean) << boot.describe();
  // modprobe resolved virtio_blk's dependencies from the overlay's modules.dep, and the
  // softdep brought virtio_pci, which binds the PCI function to the virtio bus.
  EXPECT_EQ(boot.report()["modprobe_exit"], "0") << boot.describe();
  // The GPT's data and hash partitions, as the extensions helper will look for them.
  EXPECT_TRUE(boot.has_line_containing(" vda: vda1 vda2")) << boot.describe();
  // The disk is the image: its size in sectors (2 MiB of margins + data + hash tree).
  EXPECT_TRUE(boot.has_line_containing("virtio_blk virtio0: [vda] ")) << boot.describe();
  // The params reached the kernel command line as Kata puts them there.
  EXPECT_EQ(boot.lines_containing("Command line: ").size(), 1u) << boot.describe();
  EXPECT_THAT(boot.lines_containing("Command line: ").at(0), ::testing::HasSubstr(tools.params));
}

TEST_F(VmExtensionDiskTest, TheDiskIsAVirtioBlockPciFunctionEvenWithoutItsDriver) {
  // The shipped image without the modules overlay: no module loads (the extensions helper
  // only warns that virtio_blk cannot load, since no params ask for an extension), yet the
  // PCI function is listed. QEMU gives the first -device the first free slot of the `pc`
  // machine with -nodefaults.
  ExtensionDisk tools = make_extension_image("tools", dir_.path());
  const std::string pci = "/sys/bus/pci/devices/0000:00:02.0/";
  VmBoot boot =
      boot_vm("nvrc.mode=cpu test.agent.action=cat:" + pci + "vendor+cat:" + pci + "device+exit:0",
              VmOptions().disk(tools.image, "extension-tools"));
  ASSERT_EQ(boot.exit_code, kPoweredOffClean) << boot.describe();
  const long vendor = boot.index_of("FILE-BEGIN " + pci + "vendor");
  const long device = boot.index_of("FILE-BEGIN " + pci + "device");
  ASSERT_GE(vendor, 0) << boot.describe();
  ASSERT_GE(device, 0) << boot.describe();
  EXPECT_EQ(boot.console.at(vendor + 1), "0x1af4") << boot.describe();  // Red Hat (virtio)
  // virtio-blk: transitional 0x1001 on the conventional PCI bus, modern 0x1042.
  EXPECT_THAT(boot.console.at(device + 1), ::testing::AnyOf("0x1001", "0x1042")) << boot.describe();
}

// The extensions helper's other modules load from the overlay with their dependencies.
TEST_F(VmExtensionDiskTest, OverlayLoadsDmVerityWithItsDependencies) {
  VmBoot boot = boot_vm(std::string(kWithoutLockdown) + "test.agent.action=modprobe:dm_verity",
                        VmOptions().bad_helper().modules());
  ASSERT_EQ(boot.exit_code, kPoweredOffClean) << boot.describe();
  EXPECT_EQ(boot.report()["modprobe_exit"], "0") << boot.describe();
}

TEST_F(VmExtensionDiskTest, OverlayLoadsErofsWithItsDependencies) {
  VmBoot boot = boot_vm(std::string(kWithoutLockdown) + "test.agent.action=modprobe:erofs",
                        VmOptions().bad_helper().modules());
  ASSERT_EQ(boot.exit_code, kPoweredOffClean) << boot.describe();
  EXPECT_EQ(boot.report()["modprobe_exit"], "0") << boot.describe();
}

}  // namespace
}  // namespace ccinit::vmtest
