#include "tests/integration/gpu_guest.h"

#include <cstdio>
#include <filesystem>
#include <sstream>
#include <stdexcept>

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
  ProgramRun run = run_program(argv);
  Boot boot;
  boot.exit_code = run.exit_code;
  boot.out = std::move(run.out);
  boot.err = std::move(run.err);
  boot.read_kmsg(kmsg);
  return boot;
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
