#include "helpers/extensions/extension_setup.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "common/sys_error.h"
#include "helpers/extensions/dry_run_kernel.h"
#include "tests/unit/extensions/fake_block_events.h"
#include "tests/unit/extensions/fake_block_sysfs.h"
#include "tests/unit/extensions/fake_extension_kernel.h"
#include "tests/unit/helpers/recording_reporter.h"

namespace ccinit::extensions {
namespace {

using Ops = std::vector<std::string>;

const std::string kGpuHash(64, 'a');
const std::string kCocoHash = std::string(32, '0') + std::string(32, 'f');

wire::ExtensionVerity params(const std::string& name, const std::string& root_hash,
                             std::uint64_t data_blocks = 8) {
  wire::ExtensionVerity p;
  p.set_name(name);
  p.set_root_hash(root_hash);
  p.set_salt("00c0ffee");
  p.set_data_blocks(data_blocks);
  p.set_data_block_size(4096);
  p.set_hash_block_size(4096);
  return p;
}

std::string table(const std::string& data, const std::string& hash, const std::string& root_hash) {
  return "0 64 verity 1 " + data + " " + hash + " 4096 4096 8 0 sha256 " + root_hash + " 00c0ffee";
}

// The whole setup on a fake /sys, /proc, /dev and /run with fake kernel operations; every
// operation lands in log_.ops in order.
class ExtensionSetup : public testing::FakeBlockSysfs {
 protected:
  void SetUp() override {
    FakeBlockSysfs::SetUp();
    top_ = std::filesystem::path(root()).parent_path().string();
    log_.root = top_;
    paths_ = {.sys = root(), .proc = top_ + "/proc", .dev = top_ + "/dev", .run = top_ + "/run"};
    std::filesystem::create_directories(top_ + "/proc");
    write(top_ + "/proc/filesystems", "nodev\tsysfs\n\text4\n");
    std::filesystem::create_directories(root() + "/module/kernel");
  }
  // Kata's kernel: everything built in, nothing to load.
  void kernel_has_everything() {
    for (const char* m : {"virtio_blk", "dm_mod", "dm_verity"}) kernel_has_module(m);
    write(top_ + "/proc/filesystems", "nodev\tsysfs\n\text4\n\terofs\n");
  }
  void kernel_has_module(const std::string& name) {
    std::filesystem::create_directories(root() + "/module/" + name + "/parameters");
  }

  ExtensionKernel kernel() {
    return {.runner = runner_,
            .device_mapper = device_mapper_,
            .nodes = nodes_,
            .mounter = mounter_,
            .open_block_events =
                [this] {
                  log_.ops.push_back("open uevents");
                  return std::make_unique<testing::ForwardingBlockEvents>(events_);
                },
            .dry_run = false};
  }
  void set_up(const std::vector<wire::ExtensionVerity>& p) {
    ExtensionKernel k = kernel();
    set_up_extensions(p, paths_, k, reporter_);
  }
  std::string error(const std::vector<wire::ExtensionVerity>& p) {
    try {
      set_up(p);
      ADD_FAILURE() << "accepted";
    } catch (const ExtensionError& e) {
      return e.what();
    }
    return "";
  }
  bool any_op_starts_with(const std::string& prefix) const {
    for (const std::string& op : log_.ops)
      if (op.starts_with(prefix)) return true;
    return false;
  }

  std::string top_;
  ExtensionPaths paths_;
  testing::OperationLog log_;
  testing::LoggingRunner runner_{log_};
  testing::FakeDeviceMapper device_mapper_{log_};
  testing::FakeDeviceNodes nodes_{log_};
  testing::FakeErofsMounter mounter_{log_};
  testing::FakeBlockEvents events_;
  ccinit::testing::RecordingReporter reporter_;
};

TEST_F(ExtensionSetup, OneExtensionExactSequence) {
  kernel_has_everything();
  add_extension_disk("vdb", "gpu");
  set_up({params("gpu", kGpuHash)});
  EXPECT_EQ(log_.ops, (Ops{
                          "open uevents",
                          "dm create extension-gpu",
                          "dm load extension-gpu " + table("254:1", "254:2", kGpuHash),
                          "dm resume extension-gpu",
                          "mkdir /dev/mapper",
                          "mknod /dev/mapper/extension-gpu 253:0",
                          "mkdir /run/kata-extensions",
                          "mkdir /run/kata-extensions/gpu",
                          "mount /dev/mapper/extension-gpu /run/kata-extensions/gpu",
                      }));
  EXPECT_EQ(events_.waits(), 0);
  EXPECT_TRUE(reporter_.has("step load-modules done"));
  EXPECT_TRUE(reporter_.has("step find-disks done"));
  EXPECT_TRUE(reporter_.has("step extension-gpu done"));
  EXPECT_TRUE(reporter_.has("info: kernel modules: none to load (built in or loaded)"));
}

TEST_F(ExtensionSetup, RootHashAndDiskAreLoggedAtInfo) {
  kernel_has_everything();
  add_extension_disk("vdb", "gpu");
  set_up({params("gpu", kGpuHash)});
  EXPECT_TRUE(reporter_.has("info: extension gpu: root hash " + kGpuHash +
                            ", disk vdb (data vdb1 254:1, hash vdb2 254:2)"));
  EXPECT_TRUE(reporter_.has("info: extension gpu: verified by dm-verity and mounted at " + top_ +
                            "/run/kata-extensions/gpu (erofs ro,nosuid,nodev)"));
}

TEST_F(ExtensionSetup, TwoExtensionsInNameOrderEachItsOwnStep) {
  kernel_has_everything();
  add_extension_disk("vdb", "gpu");
  add_extension_disk("vdc", "coco");
  set_up({params("gpu", kGpuHash), params("coco", kCocoHash)});
  EXPECT_EQ(log_.ops, (Ops{
                          "open uevents",
                          "dm create extension-coco",
                          "dm load extension-coco " + table("254:17", "254:18", kCocoHash),
                          "dm resume extension-coco",
                          "mkdir /dev/mapper",
                          "mknod /dev/mapper/extension-coco 253:0",
                          "mkdir /run/kata-extensions",
                          "mkdir /run/kata-extensions/coco",
                          "mount /dev/mapper/extension-coco /run/kata-extensions/coco",
                          "dm create extension-gpu",
                          "dm load extension-gpu " + table("254:1", "254:2", kGpuHash),
                          "dm resume extension-gpu",
                          "mkdir /dev/mapper",
                          "mknod /dev/mapper/extension-gpu 253:1",
                          "mkdir /run/kata-extensions",
                          "mkdir /run/kata-extensions/gpu",
                          "mount /dev/mapper/extension-gpu /run/kata-extensions/gpu",
                      }));
  const auto& lines = reporter_.lines;
  auto at = [&](const std::string& line) {
    return std::find(lines.begin(), lines.end(), line) - lines.begin();
  };
  EXPECT_LT(at("step extension-coco done"), at("step extension-gpu started"));
  EXPECT_TRUE(reporter_.has_containing("extension coco: root hash " + kCocoHash));
}

// The Debian test kernel: what is missing is loaded, in load order, before anything else.
TEST_F(ExtensionSetup, LoadsOnlyTheMissingModulesFirst) {
  kernel_has_module("virtio_blk");
  kernel_has_module("dm_mod");
  add_extension_disk("vdb", "gpu");
  set_up({params("gpu", kGpuHash)});
  ASSERT_GE(log_.ops.size(), 3u);
  EXPECT_EQ(log_.ops[0], "run /sbin/modprobe dm_verity");
  EXPECT_EQ(log_.ops[1], "run /sbin/modprobe erofs");
  EXPECT_EQ(log_.ops[2], "open uevents");
}

TEST_F(ExtensionSetup, KataKernelWithoutExtensionsDoesNothing) {
  kernel_has_everything();
  set_up({});
  EXPECT_EQ(log_.ops, Ops{});
  EXPECT_TRUE(reporter_.has(
      "info: no kata.extension.<name>.verity_params on the kernel command line and no "
      "extension disks: nothing to set up"));
}

// Without extensions only the disk driver is loaded: enough to see a disk that must not be
// there, nothing of device-mapper or erofs.
TEST_F(ExtensionSetup, WithoutExtensionsOnlyTheDiskDriverLoads) {
  set_up({});
  EXPECT_EQ(log_.ops, Ops{"run /sbin/modprobe virtio_blk"});
}

// A kernel without the disk driver shows no virtio disk, so none can go unverified: with no
// extension configured, that is no reason to fail the boot.
TEST_F(ExtensionSetup, WithoutExtensionsAMissingDiskDriverIsOnlyAWarning) {
  runner_.results["/sbin/modprobe virtio_blk"] = ccinit::testing::FakeRunner::exit_status(1);
  set_up({});
  EXPECT_TRUE(
      reporter_.has("warn: /sbin/modprobe virtio_blk exited with status 1: no virtio "
                    "disk can appear, so there is no extension disk to refuse"));
  EXPECT_TRUE(reporter_.has("step load-modules done"));
}

// The same when there is no modprobe to run at all (a guest without kmod, on a kernel with
// virtio_blk as a module): every boot runs the helper, and one without extensions goes on.
TEST_F(ExtensionSetup, WithoutExtensionsAMissingModprobeIsOnlyAWarning) {
  log_.fail["run /sbin/modprobe virtio_blk"] = "run /sbin/modprobe: No such file or directory";
  set_up({});
  EXPECT_TRUE(
      reporter_.has("warn: run /sbin/modprobe: No such file or directory: no virtio disk can "
                    "appear, so there is no extension disk to refuse"));
  EXPECT_TRUE(reporter_.has("step load-modules done"));
}

// With extensions it fails the boot, naming them.
TEST_F(ExtensionSetup, MissingModprobeNamesTheExtensions) {
  log_.fail["run /sbin/modprobe virtio_blk"] = "run /sbin/modprobe: No such file or directory";
  EXPECT_EQ(error({params("gpu", kGpuHash)}),
            "run /sbin/modprobe: No such file or directory (setting up extension gpu)");
}

TEST_F(ExtensionSetup, FailedModprobeNamesModuleAndExtensions) {
  runner_.results["/sbin/modprobe dm_verity"] = ccinit::testing::FakeRunner::exit_status(1);
  add_extension_disk("vdb", "gpu");
  EXPECT_EQ(error({params("gpu", kGpuHash), params("coco", kCocoHash)}),
            "/sbin/modprobe dm_verity exited with status 1 (needed for extension coco, gpu)");
  EXPECT_EQ(log_.ops, (Ops{"run /sbin/modprobe virtio_blk", "run /sbin/modprobe dm_mod",
                           "run /sbin/modprobe dm_verity"}));
  EXPECT_FALSE(reporter_.has("step load-modules done"));
}

// A failure of the kernel or the system rather than of an extension still names the
// extensions it stops.
TEST_F(ExtensionSetup, FailedEventSourceNamesTheExtensions) {
  kernel_has_everything();
  ExtensionKernel k = kernel();
  k.open_block_events = []() -> std::unique_ptr<BlockEvents> {
    throw SysError("socket(AF_NETLINK, NETLINK_KOBJECT_UEVENT)", EAFNOSUPPORT);
  };
  try {
    set_up_extensions({params("gpu", kGpuHash), params("coco", kCocoHash)}, paths_, k, reporter_);
    ADD_FAILURE() << "accepted";
  } catch (const ExtensionError& e) {
    EXPECT_EQ(std::string(e.what()),
              "socket(AF_NETLINK, NETLINK_KOBJECT_UEVENT): Address family not supported by "
              "protocol (setting up extension coco, gpu)");
  }
}

TEST_F(ExtensionSetup, DiskWithoutParamsIsFatalBeforeAnyDeviceMapperCall) {
  kernel_has_everything();
  add_extension_disk("vdb", "gpu");
  add_extension_disk("vdc", "coco");
  const std::string message = error({params("gpu", kGpuHash)});
  EXPECT_NE(message.find("extension coco: disk vdc has the serial extension-coco but the kernel "
                         "command line has no kata.extension.coco.verity_params"),
            std::string::npos)
      << message;
  EXPECT_FALSE(any_op_starts_with("dm ")) << log_.ops.size();
  EXPECT_EQ(events_.waits(), 0);
}

TEST_F(ExtensionSetup, DiskWithoutParamsIsFatalWithoutAnyExtension) {
  kernel_has_everything();
  add_extension_disk("vdb", "gpu");
  EXPECT_NE(error({}).find("extension gpu: disk vdb has the serial extension-gpu"),
            std::string::npos);
  EXPECT_EQ(log_.ops, Ops{});
}

TEST_F(ExtensionSetup, ParamsWithoutDiskTimeOutNamingTheExtension) {
  kernel_has_everything();
  add_extension_disk("vdb", "gpu");
  events_.then([&] { add_disk("vdc", "rootfs"); });
  EXPECT_EQ(error({params("gpu", kGpuHash), params("coco", kCocoHash)}),
            "extension disks did not appear before the deadline: extension coco (no disk with "
            "serial extension-coco)");
  EXPECT_TRUE(reporter_.has("info: waiting up to 10 s for the disk of extension coco"));
  EXPECT_EQ(log_.ops, Ops{"open uevents"});
}

TEST_F(ExtensionSetup, DiskThatAppearsWhileWaitingIsSetUp) {
  kernel_has_everything();
  events_.then([&] { add_extension_disk("vdb", "gpu"); });
  set_up({params("gpu", kGpuHash)});
  EXPECT_EQ(events_.waits(), 1);
  EXPECT_TRUE(any_op_starts_with("mount /dev/mapper/extension-gpu"));
}

// data_blocks larger than the data partition: refused with the sizes, before the kernel.
TEST_F(ExtensionSetup, DataThatDoesNotFitIsRefusedBeforeDeviceMapper) {
  kernel_has_everything();
  add_extension_disk("vdb", "gpu", /*data_sectors=*/32);
  EXPECT_NE(error({params("gpu", kGpuHash)}).find("extension gpu: data_blocks=8"),
            std::string::npos);
  EXPECT_FALSE(any_op_starts_with("dm "));
}

class DeviceMapperFailure : public ExtensionSetup,
                            public ::testing::WithParamInterface<const char*> {};

// Whichever device-mapper step after the create fails, the device is removed and nothing
// is made or mounted.
TEST_P(DeviceMapperFailure, RemovesTheDeviceAndMountsNothing) {
  kernel_has_everything();
  add_extension_disk("vdb", "gpu");
  const std::string failing = GetParam();
  const std::string op = failing == "load"
                             ? "dm load extension-gpu " + table("254:1", "254:2", kGpuHash)
                             : "dm resume extension-gpu";
  log_.fail[op] = "DM_X of extension-gpu on /dev/mapper/control: Invalid argument";
  EXPECT_EQ(error({params("gpu", kGpuHash)}),
            "extension gpu: DM_X of extension-gpu on /dev/mapper/control: Invalid argument");
  EXPECT_EQ(log_.ops.back(), "dm remove extension-gpu");
  EXPECT_FALSE(any_op_starts_with("mknod"));
  EXPECT_FALSE(any_op_starts_with("mount"));
  EXPECT_TRUE(reporter_.has("info: removed device-mapper device extension-gpu after the failure"));
  EXPECT_FALSE(reporter_.has("step extension-gpu done"));
}

INSTANTIATE_TEST_SUITE_P(AfterCreate, DeviceMapperFailure, ::testing::Values("load", "resume"));

TEST_F(ExtensionSetup, FailedCreateRemovesNothing) {
  kernel_has_everything();
  add_extension_disk("vdb", "gpu");
  log_.fail["dm create extension-gpu"] = "DM_DEV_CREATE of extension-gpu: Device or resource busy";
  EXPECT_EQ(error({params("gpu", kGpuHash)}),
            "extension gpu: DM_DEV_CREATE of extension-gpu: Device or resource busy");
  EXPECT_EQ(log_.ops.back(), "dm create extension-gpu");
}

TEST_F(ExtensionSetup, FailedMountRemovesTheNodeThenTheDevice) {
  kernel_has_everything();
  add_extension_disk("vdb", "gpu");
  log_.fail["mount /dev/mapper/extension-gpu /run/kata-extensions/gpu"] =
      "mount erofs: Invalid argument";
  EXPECT_EQ(error({params("gpu", kGpuHash)}), "extension gpu: mount erofs: Invalid argument");
  const Ops tail(log_.ops.end() - 3, log_.ops.end());
  EXPECT_EQ(tail, (Ops{"mount /dev/mapper/extension-gpu /run/kata-extensions/gpu",
                       "unlink /dev/mapper/extension-gpu", "dm remove extension-gpu"}));
}

// dm-verity checks the root hash only when a block is read: a wrong root hash (or a corrupt
// image) loads and resumes, and the mount's first read fails with EIO. The reason says so.
TEST_F(ExtensionSetup, MountFailingWithEioSaysTheImageDoesNotMatchItsRootHash) {
  kernel_has_everything();
  add_extension_disk("vdb", "gpu");
  log_.fail_errno["mount /dev/mapper/extension-gpu /run/kata-extensions/gpu"] = EIO;
  EXPECT_EQ(error({params("gpu", kGpuHash)}),
            "extension gpu: mount /dev/mapper/extension-gpu /run/kata-extensions/gpu: "
            "Input/output error (dm-verity refused the image's first blocks: it does not match "
            "the root hash of its verity_params, or the disk is corrupt)");
  const Ops tail(log_.ops.end() - 2, log_.ops.end());
  EXPECT_EQ(tail, (Ops{"unlink /dev/mapper/extension-gpu", "dm remove extension-gpu"}));
}

// A stale /dev/mapper/extension-gpu that is not the created device is refused by the real
// node maker (no root needed: mknod finds the name taken first); it is not ours to remove.
TEST_F(ExtensionSetup, StaleWrongNodeIsRefusedAndTheDeviceRemoved) {
  kernel_has_everything();
  add_extension_disk("vdb", "gpu");
  std::filesystem::create_directories(top_ + "/dev/mapper");
  std::filesystem::create_directories(top_ + "/run");
  write(top_ + "/dev/mapper/extension-gpu", "planted\n");
  LinuxDeviceNodes real_nodes;
  ExtensionKernel k = kernel();
  ExtensionKernel with_real_nodes{.runner = k.runner,
                                  .device_mapper = k.device_mapper,
                                  .nodes = real_nodes,
                                  .mounter = k.mounter,
                                  .open_block_events = k.open_block_events,
                                  .dry_run = false};
  try {
    set_up_extensions({params("gpu", kGpuHash)}, paths_, with_real_nodes, reporter_);
    ADD_FAILURE() << "accepted";
  } catch (const ExtensionError& e) {
    EXPECT_EQ(std::string(e.what()),
              "extension gpu: stale " + top_ +
                  "/dev/mapper/extension-gpu: a regular file, not block device 253:0 (refused: "
                  "it is not the verified device)");
  }
  EXPECT_EQ(log_.ops.back(), "dm remove extension-gpu");
  EXPECT_FALSE(any_op_starts_with("mount"));
  EXPECT_TRUE(std::filesystem::is_regular_file(top_ + "/dev/mapper/extension-gpu"));
}

TEST_F(ExtensionSetup, DryRunPrintsEachStepAndChangesNothing) {
  kernel_has_module("virtio_blk");
  add_extension_disk("vdb", "gpu");
  auto say = [&](const std::string& line) { reporter_.info(line); };
  tools::DryRunRunner runner(say);
  DryRunDeviceMapper device_mapper(say);
  DryRunDeviceNodes nodes(say);
  DryRunErofsMounter mounter(say);
  ExtensionKernel k{.runner = runner,
                    .device_mapper = device_mapper,
                    .nodes = nodes,
                    .mounter = mounter,
                    .open_block_events =
                        [] {
                          ADD_FAILURE() << "a dry run opened the uevent socket";
                          return std::unique_ptr<BlockEvents>();
                        },
                    .dry_run = true};
  set_up_extensions({params("gpu", kGpuHash)}, paths_, k, reporter_);
  std::vector<std::string> infos;
  for (const std::string& line : reporter_.lines)
    if (line.starts_with("info: would")) infos.push_back(line.substr(6));
  EXPECT_EQ(
      infos,
      (Ops{
          "would run: /sbin/modprobe dm_mod",
          "would run: /sbin/modprobe dm_verity",
          "would run: /sbin/modprobe erofs",
          "would create device-mapper device extension-gpu (DM_DEV_CREATE)",
          "would load the read-only table of extension-gpu (DM_TABLE_LOAD): " +
              table("254:1", "254:2", kGpuHash),
          "would make that table live: DM_DEV_SUSPEND (resume) of extension-gpu",
          "would create directory " + top_ + "/dev/mapper (0755) unless it exists",
          "would make block device node " + top_ +
              "/dev/mapper/extension-gpu (0600) with the number the create returns",
          "would create directory " + top_ + "/run/kata-extensions (0755) unless it exists",
          "would create directory " + top_ + "/run/kata-extensions/gpu (0755) unless it exists",
          "would mount erofs " + top_ + "/dev/mapper/extension-gpu on " + top_ +
              "/run/kata-extensions/gpu (ro,nosuid,nodev)",
      }));
  EXPECT_TRUE(reporter_.has("info: extension gpu: root hash " + kGpuHash +
                            ", disk vdb (data vdb1 254:1, hash vdb2 254:2)"));
  EXPECT_FALSE(reporter_.has_containing("verified by dm-verity and mounted"));
  EXPECT_FALSE(std::filesystem::exists(top_ + "/dev"));
  EXPECT_FALSE(std::filesystem::exists(top_ + "/run"));
}

TEST_F(ExtensionSetup, DryRunSaysItWouldWaitForAMissingDisk) {
  kernel_has_everything();
  ExtensionKernel k = kernel();
  k.dry_run = true;
  set_up_extensions({params("gpu", kGpuHash)}, paths_, k, reporter_);
  EXPECT_TRUE(reporter_.has(
      "info: would wait up to 10 s for the disk of extension gpu (serial extension-gpu), not "
      "there now; a boot fails without it"));
  EXPECT_EQ(log_.ops, Ops{});
  EXPECT_EQ(events_.waits(), 0);
}

}  // namespace
}  // namespace ccinit::extensions
