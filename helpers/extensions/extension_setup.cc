#include "helpers/extensions/extension_setup.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "common/log_escape.h"
#include "common/wait_status.h"
#include "helpers/extensions/disk_wait.h"
#include "helpers/extensions/extension_error.h"
#include "helpers/extensions/extension_match.h"
#include "helpers/extensions/extension_mount.h"
#include "helpers/extensions/kernel_modules.h"

namespace ccinit::extensions {

namespace {

constexpr char kModprobe[] = "/sbin/modprobe";

std::string names_text(const std::vector<wire::ExtensionVerity>& params) {
  std::vector<std::string> names;
  for (const wire::ExtensionVerity& p : params) names.push_back(p.name());
  std::sort(names.begin(), names.end());
  std::string text;
  for (const std::string& name : names) text += (text.empty() ? "" : ", ") + name;
  return text;
}

void load_modules(const std::vector<wire::ExtensionVerity>& params, const ExtensionPaths& paths,
                  tools::ToolRunner& runner, helper::Reporter& reporter) {
  std::vector<std::string> modules = modules_to_load(paths.sys, paths.proc);
  // Without extensions only the disk driver is needed: to see a disk that must not be there.
  if (params.empty())
    std::erase_if(modules, [](const std::string& m) { return m != "virtio_blk"; });
  const std::string needed_by = "for extension " + names_text(params);
  if (modules.empty()) {
    reporter.info("kernel modules: none to load (built in or loaded)");
    return;
  }
  for (const std::string& module : modules) {
    const tools::Command modprobe{kModprobe, {module}};
    std::string failure;
    try {
      const tools::ToolResult result = runner.run(modprobe, false);
      if (result.ok()) continue;
      failure = modprobe.text() + " " + describe_wait_status(result.wait_status);
    } catch (const std::exception& e) {
      // No modprobe to run (a guest without kmod): with extensions, the caller names them.
      if (!params.empty()) throw;
      failure = e.what();
    }
    // Without extensions the driver only serves the check for disks that must not be there:
    // a kernel that cannot load it shows no virtio disk at all, so none can go unverified.
    if (params.empty()) {
      reporter.warn(failure +
                    ": no virtio disk can appear, so there is no extension disk to "
                    "refuse");
      continue;
    }
    throw ExtensionError(failure + " (needed " + needed_by + ")");
  }
}

// The first look: a disk without params fails here, before any wait or device-mapper call.
// A disk still being added is not judged yet (the wait looks again).
ExtensionMatch first_look(const std::vector<wire::ExtensionVerity>& params,
                          const ExtensionPaths& paths) {
  try {
    return match_extension_disks(params, find_extension_disks(paths.sys));
  } catch (const IncompleteDiskError&) {
    ExtensionMatch none;
    for (const wire::ExtensionVerity& p : params) none.missing.push_back(p.name());
    return none;
  }
}

std::vector<MatchedExtension> find_disks(const std::vector<wire::ExtensionVerity>& params,
                                         const ExtensionPaths& paths, ExtensionKernel& kernel,
                                         helper::Reporter& reporter) {
  const std::string wait_text =
      std::to_string(std::chrono::ceil<std::chrono::seconds>(kernel.disk_wait).count()) + " s";
  // Opened before the first look, so a disk added between the look and the wait is seen.
  std::unique_ptr<BlockEvents> events;
  if (!kernel.dry_run && !params.empty()) {
    if (!kernel.open_block_events) throw std::logic_error("no source of block device events");
    events = kernel.open_block_events();
  }
  ExtensionMatch match = first_look(params, paths);
  if (match.missing.empty()) return std::move(match.ready);
  if (kernel.dry_run) {
    for (const std::string& name : match.missing)
      reporter.info("would wait up to " + wait_text + " for the disk of extension " + name +
                    " (serial extension-" + name + "), not there now; a boot fails without it");
    return std::move(match.ready);
  }
  std::string missing_text;
  for (const std::string& name : match.missing)
    missing_text += (missing_text.empty() ? "" : ", ") + name;
  reporter.info("waiting up to " + wait_text +
                (match.missing.size() == 1 ? " for the disk of extension "
                                           : " for the disks of extensions ") +
                missing_text);
  std::vector<std::string> names;
  for (const wire::ExtensionVerity& p : params) names.push_back(p.name());
  const auto deadline = std::chrono::steady_clock::now() + kernel.disk_wait;
  return match_extension_disks(params, wait_for_disks(paths.sys, names, deadline, *events)).ready;
}

void describe(const MatchedExtension& extension, helper::Reporter& reporter) {
  const ExtensionDisk& disk = extension.disk;
  reporter.info("extension " + extension.params.name() + ": root hash " +
                extension.params.root_hash() + ", disk " + escape_for_log(disk.disk) + " (data " +
                escape_for_log(disk.data.kernel_name) + " " + to_string(disk.data.device) +
                ", hash " + escape_for_log(disk.hash.kernel_name) + " " +
                to_string(disk.hash.device) + ")");
}

}  // namespace

void set_up_extensions(const std::vector<wire::ExtensionVerity>& params,
                       const ExtensionPaths& paths, ExtensionKernel& kernel,
                       helper::Reporter& reporter) {
  std::vector<MatchedExtension> ready;
  try {
    helper::StepScope load(reporter, "load-modules");
    load_modules(params, paths, kernel.runner, reporter);
    load.done();
    helper::StepScope find(reporter, "find-disks");
    ready = find_disks(params, paths, kernel, reporter);
    find.done();
  } catch (const ExtensionError&) {
    throw;  // names the extension, disk or module already
  } catch (const std::exception& e) {
    // A system call's failure (stat, socket, spawning modprobe) says which extensions wait.
    if (params.empty()) throw;
    throw ExtensionError(std::string(e.what()) + " (setting up extension " + names_text(params) +
                         ")");
  }
  if (params.empty()) {
    reporter.info(
        "no kata.extension.<name>.verity_params on the kernel command line and no extension "
        "disks: nothing to set up");
    return;
  }
  std::sort(ready.begin(), ready.end(), [](const MatchedExtension& a, const MatchedExtension& b) {
    return a.params.name() < b.params.name();
  });
  // When an extension fails, those before it stay mounted (verified, read-only): PID 1
  // powers off on the failure with nothing run in between, so the mounts serve no one.
  // Undoing them would need umount2, which the policy keeps from a helper that holds
  // CAP_SYS_ADMIN in PID 1's mount namespace (it could unmount anything not busy).
  for (const MatchedExtension& extension : ready) {
    const std::string& name = extension.params.name();
    helper::StepScope step(reporter, "extension-" + name);
    describe(extension, reporter);
    try {
      mount_extension(extension, paths, kernel.device_mapper, kernel.nodes, kernel.mounter,
                      reporter);
    } catch (const std::exception& e) {
      const std::string what = e.what();
      if (what.starts_with("extension " + name + ":")) throw;
      throw ExtensionError("extension " + name + ": " + what);
    }
    if (!kernel.dry_run)
      reporter.info("extension " + name + ": verified by dm-verity and mounted at " +
                    paths.mount_point(name) + " (erofs " + kExtensionMountOptions + ")");
    step.done();
  }
}

}  // namespace ccinit::extensions

namespace ccinit::extensions {

wire::Extensions mounted_extensions(const std::vector<wire::ExtensionVerity>& params) {
  std::vector<std::string> names;
  for (const wire::ExtensionVerity& verity : params) names.push_back(verity.name());
  std::sort(names.begin(), names.end());
  wire::Extensions out;
  for (std::string& name : names) out.add_mounted(std::move(name));
  return out;
}

}  // namespace ccinit::extensions
