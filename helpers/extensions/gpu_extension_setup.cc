#include "helpers/extensions/gpu_extension_setup.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <filesystem>

#include "common/file_io.h"
#include "common/sys_error.h"
#include "common/text_lines.h"
#include "common/unique_fd.h"
#include "common/wait_status.h"
#include "helpers/extensions/extension_error.h"

namespace ccinit::extensions {

namespace {

// What is at `path` (following symlinks, as the mount will): its mode, or 0 when missing.
mode_t file_type(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) return st.st_mode & S_IFMT;
  if (errno == ENOENT || errno == ENOTDIR) return 0;
  throw SysError("stat " + path);
}

// A bind target the base image must have. A dry run only warns: it shows the whole plan.
bool check_target(const std::string& target, mode_t type, const std::string& why,
                  const GpuExtensionSystem& system, helper::Reporter& reporter) {
  const mode_t found = file_type(target);
  if (found == type) return true;
  const std::string problem = "GPU extension: " + target +
                              (found == 0 ? " is missing" : " has the wrong file type") +
                              " (the base image must have " + why + ")";
  if (!system.dry_run) throw ExtensionError(problem);
  reporter.warn("would fail: " + problem);
  return false;
}

void bind_firmware(const GpuExtensionPaths& paths, GpuExtensionSystem& system,
                   helper::Reporter& reporter) {
  const std::string source = paths.firmware_source();
  if (system.dry_run && file_type(paths.root) == 0) {
    // A dry run mounted nothing: what a boot finds in the extension is not known here.
    reporter.info("would bind " + source + " onto " + paths.firmware_target +
                  " if the extension has that directory, and remount it " + kFirmwareBindOptions);
    return;
  }
  if (file_type(source) != S_IFDIR) {
    // NVRC binds only when the extension has the directory.
    reporter.info("GPU extension: no firmware directory " + source + ": nothing bound onto " +
                  paths.firmware_target);
    return;
  }
  // The bind follows symlinks: a link in the extension must not lead the firmware bind to a
  // directory outside it.
  const std::string resolved = std::filesystem::canonical(source).string();
  if (!resolved.starts_with(std::filesystem::canonical(paths.root).string() + "/"))
    throw ExtensionError("GPU extension: " + source + " leads out of the extension (to " +
                         resolved + ")");
  if (!check_target(paths.firmware_target, S_IFDIR,
                    "an empty directory there for the GPU extension's firmware", system, reporter))
    return;
  system.mounter.bind(source, paths.firmware_target);
  system.mounter.remount(paths.firmware_target, kFirmwareBindFlags, kFirmwareBindOptions);
  if (!system.dry_run)
    reporter.info("GPU extension: bound " + source + " onto " + paths.firmware_target + " (" +
                  kFirmwareBindOptions + ")");
}

// Written in place (0600, never through a symlink), not with write_file_atomically: /run is
// the guest's own tmpfs and nothing reads the file before ldconfig does, so a temporary file
// and a rename would only widen the policy (renameat, a second openat form) for no reader.
void write_config(const std::string& path, const std::string& text) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd) throw SysError("create " + path);
  write_all(fd.get(), text);
}

// The file's lines joined with " | ", for one log line.
std::string one_line(std::string_view text) {
  std::string out;
  for_each_line(text, [&](std::string_view line) {
    if (!out.empty()) out += " | ";
    out += line;
  });
  return out;
}

void build_linker_cache(const GpuExtensionPaths& paths, GpuExtensionSystem& system,
                        helper::Reporter& reporter) {
  const std::string config = gpu_ld_so_conf(paths);
  if (system.dry_run)
    reporter.info("would write " + paths.ld_so_conf + " (0600): " + one_line(config));
  else
    write_config(paths.ld_so_conf, config);
  const tools::Command ldconfig = gpu_ldconfig_command(paths);
  const tools::ToolResult result = system.runner.run(ldconfig, /*capture=*/false);
  if (!result.ok())
    throw ExtensionError("GPU extension: " + ldconfig.text() +
                         " failed: " + describe_wait_status(result.wait_status));
  if (!check_target(paths.system_ld_so_cache, S_IFREG, "a linker cache to bind over", system,
                    reporter))
    return;
  system.mounter.bind(paths.ld_so_cache, paths.system_ld_so_cache);
  system.mounter.remount(paths.system_ld_so_cache, kCacheBindFlags, kCacheBindOptions);
  if (!system.dry_run)
    reporter.info("GPU extension: linker cache " + paths.ld_so_cache + " built with " +
                  paths.library_dir() + " and bound onto " + paths.system_ld_so_cache + " (" +
                  kCacheBindOptions + ")");
}

}  // namespace

std::string gpu_ld_so_conf(const GpuExtensionPaths& paths) {
  return "include " + paths.system_ld_so_conf_d + "/*.conf\n" + paths.library_dir() + "\n";
}

tools::Command gpu_ldconfig_command(const GpuExtensionPaths& paths) {
  return {nvidia::kLdconfig, {"-X", "-C", paths.ld_so_cache, "-f", paths.ld_so_conf}};
}

void prepare_gpu_extension(const GpuExtensionPaths& paths, GpuExtensionSystem& system,
                           helper::Reporter& reporter) {
  helper::StepScope step(reporter, "gpu-extension");
  try {
    bind_firmware(paths, system, reporter);
    build_linker_cache(paths, system, reporter);
  } catch (const ExtensionError&) {
    throw;
  } catch (const std::exception& e) {
    throw ExtensionError("GPU extension: " + std::string(e.what()));
  }
  step.done();
}

}  // namespace ccinit::extensions
