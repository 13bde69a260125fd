#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tests/integration/guest_boot.h"

// Guest roots for GPU mode: the fake NVIDIA tools installed (scripts/mkrootfs
// --fake-nvidia) and a fake PCI tree (tests/support/fake_sysfs) bound over
// /sys/bus/pci/devices by ns-boot --pci-devices.
namespace ccinit::itest {

std::string make_fake_sysfs_path();
// Writes the PCI device tree of `topology` (see make-fake-sysfs --list) to a new `dir`.
void make_fake_pci_tree(const std::string& topology, const std::string& dir);

class GpuGuest {
 public:
  // `fake_config` becomes /etc/fake-nvidia.conf; `cc_guest` is "", "tdx" or "sev-snp".
  GpuGuest(const std::string& topology, const std::string& fake_config,
           const std::string& cc_guest = "");
  Boot boot(const std::string& cmdline, double timeout_s = 60) const;
  const std::string& root() const { return guest_->root(); }
  const std::string& pci_tree() const { return tree_; }
  // What the fake tools recorded in the guest root's /var/lib/fake-nvidia/calls.log, one
  // entry per run, in order; empty when nothing ran.
  std::vector<std::string> calls() const;

 private:
  TempDir scratch_{"ccinit-gpu-itest"};
  std::string tree_;
  std::string cc_guest_;
  std::optional<Guest> guest_;
};

}  // namespace ccinit::itest
