#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tests/integration/guest_boot.h"

// Guest roots for GPU mode: the fake NVIDIA tools installed (scripts/mkrootfs
// --fake-nvidia) and a fake PCI tree (tests/support/fake_sysfs) bound over
// /sys/bus/pci/devices by ns-boot --pci-devices; for NVLink 5 fabrics also the topology's
// fake /sys/class/infiniband (ns-boot --infiniband).
namespace ccinit::itest {

std::string make_fake_sysfs_path();
// Writes the PCI device tree of `topology` (see make-fake-sysfs --list) to a new `dir`.
void make_fake_pci_tree(const std::string& topology, const std::string& dir);
// Writes the /sys/class/infiniband of `topology` (make-fake-sysfs --infiniband) to a new `dir`.
void make_fake_infiniband_tree(const std::string& topology, const std::string& dir);

// The commands `helper` ran or started, in its order, with their full paths, from its debug
// log (nvrc.log=debug). Daemons are not waited for, so the fake tools' calls.log may list
// one after a later step: a tool records itself when it gets to run.
std::vector<std::string> spawned_commands(const Boot& boot,
                                          const std::string& helper = "gpu-configurator");

// Whether the guest gets a /sys/class/infiniband (as after modprobe mlx5_ib), or none.
enum class Infiniband { kNone, kFromTopology };

class GpuGuest {
 public:
  // `fake_config` becomes /etc/fake-nvidia.conf; `cc_guest` is "", "tdx" or "sev-snp".
  GpuGuest(const std::string& topology, const std::string& fake_config,
           const std::string& cc_guest = "", Infiniband infiniband = Infiniband::kNone);
  Boot boot(const std::string& cmdline, double timeout_s = 60) const;
  // As Guest::observe_into.
  void observe_into(const std::string& file) { observe_into_ = file; }
  // Makes this guest's NVIDIA side a GPU extension, as Kata's composable images ship it: the
  // NVIDIA tools and the fabric daemons' stock files move from the base root into an EROFS
  // image (bin/, usr/share/nvidia/), which also holds kFirmwareFile, the counters file
  // dcgm-exporter reads, and a real shared library (libz.so.1) under usr/lib/<triplet>. The
  // base keeps /sbin/modprobe (the fake), /sbin/ldconfig, an empty /etc/ld.so.cache and
  // /lib/firmware/nvidia. Every later boot mounts it at /run/kata-extensions/gpu (ns-boot
  // --gpu-extension). Returns the image's path.
  std::string move_nvidia_into_gpu_extension();
  static constexpr char kFirmwareFile[] = "gsp_ga10x.bin";
  static constexpr char kFirmwareText[] = "fake GSP firmware for the GPU extension test\n";
  const std::string& root() const { return guest_->root(); }
  const std::string& pci_tree() const { return tree_; }
  // The fake /sys/class/infiniband, or "" without one.
  const std::string& infiniband_tree() const { return ib_tree_; }
  // A file the fake tools keep in the guest root's /var/lib/fake-nvidia (e.g.
  // "fabricmanager.cfg": the config nv-fabricmanager was started with), or nullopt.
  std::optional<std::string> kept_file(const std::string& name) const;
  // What the fake tools recorded in the guest root's /var/lib/fake-nvidia/calls.log, one
  // entry per run, in order; empty when nothing ran.
  std::vector<std::string> calls() const;

 private:
  TempDir scratch_{"ccinit-gpu-itest"};
  std::string tree_;
  std::string ib_tree_;
  std::string cc_guest_;
  std::string gpu_extension_image_;
  std::optional<Guest> guest_;
  std::string observe_into_;
};

}  // namespace ccinit::itest
