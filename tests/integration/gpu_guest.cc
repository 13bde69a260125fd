#include "tests/integration/gpu_guest.h"

#include <cstdio>
#include <filesystem>
#include <sstream>
#include <stdexcept>

#include "common/gpu_extension.h"

namespace ccinit::itest {

namespace fs = std::filesystem;

std::string make_fake_sysfs_path() {
  return testing::source_dir() + "/tests/support/fake_sysfs/make-fake-sysfs";
}

void make_fake_pci_tree(const std::string& topology, const std::string& dir) {
  ProgramRun run = run_program({make_fake_sysfs_path(), topology, dir});
  if (run.exit_code != 0)
    throw std::runtime_error("make-fake-sysfs " + topology + " failed: " + run.err);
}

void make_fake_infiniband_tree(const std::string& topology, const std::string& dir) {
  ProgramRun run = run_program({make_fake_sysfs_path(), "--infiniband", topology, dir});
  if (run.exit_code != 0)
    throw std::runtime_error("make-fake-sysfs --infiniband " + topology + " failed: " + run.err);
}

std::vector<std::string> spawned_commands(const Boot& boot, const std::string& helper) {
  std::vector<std::string> commands;
  for (const std::string& line : boot.kmsg_lines()) {
    for (const std::string verb : {"running ", "starting "}) {
      const std::string prefix = "<7>ccinit: " + helper + ": " + verb;
      if (line.starts_with(prefix)) commands.push_back(line.substr(prefix.size()));
    }
  }
  return commands;
}

GpuGuest::GpuGuest(const std::string& topology, const std::string& fake_config,
                   const std::string& cc_guest, Infiniband infiniband)
    : tree_(scratch_.path() + "/pci-devices"), cc_guest_(cc_guest) {
  make_fake_pci_tree(topology, tree_);
  if (infiniband == Infiniband::kFromTopology) {
    ib_tree_ = scratch_.path() + "/infiniband";
    make_fake_infiniband_tree(topology, ib_tree_);
  }
  const std::string config = scratch_.write("fake-nvidia.conf", fake_config).string();
  guest_.emplace(RootOptions().add({"--fake-nvidia", config}));
}

Boot GpuGuest::boot(const std::string& cmdline, double timeout_s) const {
  const std::string kmsg = scratch_.path() + "/kmsg", stand_ins = scratch_.path() + "/stand-ins";
  std::error_code ignored;
  fs::remove(kmsg, ignored);
  fs::remove_all(stand_ins, ignored);
  fs::remove_all(root() + "/var/lib/fake-nvidia", ignored);
  fs::create_directories(root() + "/var/lib/fake-nvidia");

  char timeout[32];
  std::snprintf(timeout, sizeof timeout, "%g", timeout_s);
  std::vector<std::string> argv = {
      bin_dir() + "/ns-boot", "--root",  root(),      "--cmdline", cmdline,         "--kmsg", kmsg,
      "--sysctl-dir",         stand_ins, "--timeout", timeout,     "--pci-devices", tree_};
  if (!cc_guest_.empty()) argv.insert(argv.end(), {"--cc-guest", cc_guest_});
  if (!ib_tree_.empty()) argv.insert(argv.end(), {"--infiniband", ib_tree_});
  if (!gpu_extension_image_.empty())
    argv.insert(argv.end(), {"--gpu-extension", gpu_extension_image_});
  return run_ns_boot(std::move(argv), kmsg, observe_into_);
}

std::string GpuGuest::move_nvidia_into_gpu_extension() {
  const fs::path tree = scratch_.path() + "/gpu-extension", base = root();
  fs::create_directories(tree / "bin");
  for (const char* tool : {"nvidia-smi", "nvidia-persistenced", "nv-hostengine", "dcgm-exporter",
                           "nvidia-ctk", "nv-fabricmanager", "nvlsm"})
    fs::rename(base / "bin" / tool, tree / "bin" / tool);
  fs::create_directories(tree / "usr/share");
  fs::rename(base / "usr/share/nvidia", tree / "usr/share/nvidia");
  fs::create_directories(tree / "lib/firmware/nvidia");
  scratch_.write(fs::path("gpu-extension/lib/firmware/nvidia") / kFirmwareFile, kFirmwareText);
  fs::create_directories(tree / "etc/dcgm-exporter");
  scratch_.write("gpu-extension/etc/dcgm-exporter/default-counters.csv",
                 "DCGM_FI_DEV_GPU_TEMP, gauge, GPU temperature (in C).\n");
  const fs::path lib_dir = tree / "usr/lib" / nvidia::kLibTriplet;
  fs::create_directories(lib_dir);
  fs::copy_file(fs::canonical("/lib/" + std::string(nvidia::kLibTriplet) + "/libz.so.1"),
                lib_dir / "libz.so.1");
  gpu_extension_image_ = scratch_.path() + "/gpu-extension.erofs";
  ProgramRun run = run_program(
      {"/usr/bin/mkfs.erofs", "--quiet", "--all-root", gpu_extension_image_, tree.string()});
  if (run.exit_code != 0) throw std::runtime_error("mkfs.erofs failed: " + run.err);
  return gpu_extension_image_;
}

std::optional<std::string> GpuGuest::kept_file(const std::string& name) const {
  const std::string path = root() + "/var/lib/fake-nvidia/" + name;
  return fs::exists(path) ? std::optional<std::string>(read_text(path)) : std::nullopt;
}

std::vector<std::string> GpuGuest::calls() const {
  const std::string log = root() + "/var/lib/fake-nvidia/calls.log";
  return fs::exists(log) ? split_lines(read_text(log)) : std::vector<std::string>{};
}

}  // namespace ccinit::itest
