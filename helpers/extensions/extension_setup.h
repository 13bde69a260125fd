#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <vector>

#include "common/tool_runner.h"
#include "helpers/extensions/block_events.h"
#include "helpers/extensions/device_mapper.h"
#include "helpers/extensions/device_nodes.h"
#include "helpers/extensions/erofs_mount.h"
#include "helpers/extensions/extension_paths.h"
#include "helpers/runtime/reporter.h"
#include "proto/ccinit.pb.h"

namespace ccinit::extensions {

// How long the command line's extensions may take to show their disks. Kata cold-plugs
// them (attached before the guest kernel starts), so they are in sysfs as soon as
// virtio_blk has probed: before the helper runs when it is built in, milliseconds after its
// modprobe otherwise. 10 s covers a slow probe on a loaded host, fails a missing disk fast,
// and leaves 50 s of the helper's 60 s (helpers.table) for modprobe and the device-mapper
// steps, so a missing disk fails with its own message, never as a helper timeout.
inline constexpr std::chrono::seconds kDiskWaitTimeout{10};

// The operations the setup goes through: the kernel's, a test's fakes, or the dry run's.
struct ExtensionKernel {
  tools::ToolRunner& runner;  // /sbin/modprobe
  DeviceMapper& device_mapper;
  DeviceNodes& nodes;
  ErofsMounter& mounter;
  // Opens the block device events after the modules load and before the first look at
  // sysfs, so no disk added in between is missed. Not called in a dry run.
  std::function<std::unique_ptr<BlockEvents>()> open_block_events;
  // The operations above say what they would do; sysfs is looked at once, and extensions
  // whose disks are not there yet are reported (would wait), not waited for.
  bool dry_run = false;
  std::chrono::steady_clock::duration disk_wait = kDiskWaitTimeout;
};

// Sets up the command line's extensions (`params`, validated by the command line parser),
// each a step of its own, any failure fatal with one line naming the extension:
//  1. load-modules: /sbin/modprobe each of kernel_modules.h's modules the kernel lacks, in
//     load order (with no extensions, only virtio_blk: enough to see a disk that must not
//     be there; if even that fails, a warning: a kernel without it shows no virtio disk);
//  2. find-disks: a disk with an extension serial but no params fails at once; params
//     without a disk are waited for (events, no sleep) up to kernel.disk_wait;
//  3. extension-<name>, sorted by name: its name and root hash logged; dm-verity device
//     extension-<name> created, its table loaded read-only and made live; the block node
//     /dev/mapper/extension-<name> made (0600, the create's device number); the directory
//     /run/kata-extensions/<name> made; the verified device mounted there as EROFS
//     ro,nosuid,nodev. A failure after the create removes the node it made and the device,
//     so nothing half-made stays; only the verified device is ever mounted.
// With no params and no extension disks it does nothing but say so.
void set_up_extensions(const std::vector<wire::ExtensionVerity>& params,
                       const ExtensionPaths& paths, ExtensionKernel& kernel,
                       helper::Reporter& reporter);

// What set_up_extensions mounted, for PID 1: every name of `params`, sorted.
wire::Extensions mounted_extensions(const std::vector<wire::ExtensionVerity>& params);

}  // namespace ccinit::extensions
