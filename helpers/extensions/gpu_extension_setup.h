#pragma once

#include <string>

#include "common/gpu_extension.h"
#include "common/nvidia_paths.h"
#include "common/tool_runner.h"
#include "helpers/extensions/bind_mount.h"
#include "helpers/runtime/reporter.h"

// The system side of the GPU extension, after the extensions are mounted: the kernel's
// firmware directory and the dynamic linker's cache point into the extension, as NVRC's
// gpu_extension::setup does, with read-only binds and a cache under /run.
namespace ccinit::extensions {

// Where those steps look and write. The defaults are the guest's; tests point them at
// scratch trees.
struct GpuExtensionPaths {
  std::string root = std::string(nvidia::kGpuExtensionRoot);
  // The base image's empty mount point for the extension's firmware.
  std::string firmware_target = "/lib/firmware/nvidia";
  // The linker configuration and cache made for the extension: /run is the guest's
  // writable tmpfs; the base image's /etc stays as it is.
  std::string ld_so_conf = "/run/ld.so.conf";
  std::string ld_so_cache = "/run/ld.so.cache";
  // The cache every program's ld.so reads; the base image must have one to bind over.
  std::string system_ld_so_cache = "/etc/ld.so.cache";
  std::string system_ld_so_conf_d = "/etc/ld.so.conf.d";

  // NvidiaPaths(true).firmware_dir() under `root`.
  std::string firmware_source() const { return root + "/lib/firmware/nvidia"; }
  std::string library_dir() const { return root + "/usr/lib/" + nvidia::kLibTriplet; }
};

// /run/ld.so.conf: the base image's configuration (kept: its own libraries stay found) and
// the extension's library directory.
std::string gpu_ld_so_conf(const GpuExtensionPaths& paths);

// /sbin/ldconfig -X -C <cache> -f <conf>: -X so it never tries to write SONAME links into
// the read-only extension (the extension's build made them: ldconfig -n), -C/-f so the
// base image's /etc is not written. It still refreshes its aux cache under /var/cache when
// that is writable, as NVRC's plain ldconfig does.
tools::Command gpu_ldconfig_command(const GpuExtensionPaths& paths);

struct GpuExtensionSystem {
  tools::ToolRunner& runner;  // /sbin/ldconfig
  BindMounter& mounter;
  // The binds and ldconfig say what they would do; /run/ld.so.conf is not written; a
  // missing mount point is a warning.
  bool dry_run = false;
};

// Prepares the system for the GPU extension mounted at paths.root, as step "gpu-extension":
//  1. <root>/lib/firmware/nvidia, when the extension has it, bound onto /lib/firmware/nvidia
//     (which must exist) and that bind remounted ro,nosuid,nodev,noexec; else an info line;
//  2. /run/ld.so.conf written (gpu_ld_so_conf), /run/ld.so.cache built by /sbin/ldconfig
//     (gpu_ldconfig_command; a failure is fatal), bound onto /etc/ld.so.cache (which must
//     exist) and that bind remounted ro,nosuid,nodev.
// Any failure throws ExtensionError naming the path or command.
void prepare_gpu_extension(const GpuExtensionPaths& paths, GpuExtensionSystem& system,
                           helper::Reporter& reporter);

}  // namespace ccinit::extensions
