#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace ccinit::ns_boot {

struct Options {
  std::string root;        // the guest root (mkrootfs output)
  std::string cmdline;     // what the guest reads from /proc/cmdline
  std::string kmsg;        // regular file that stands in for /dev/kmsg
  std::string sysctl_dir;  // where the stand-in /proc/sys files (and cmdline) are kept
  double timeout_s = 60;
  // Sends SIGTERM to the guest's PID 1 this many seconds after it started (0: never), as a
  // host asking the VM to shut down would.
  double sigterm_after_s = 0;
  // Tests of GPU mode: a fake PCI device tree bound over the guest's /sys/bus/pci/devices
  // (sysfs is then mounted by ns-boot, and PID 1's mounter finds it mounted), and the
  // confidential guest device to create in /dev ("tdx" or "sev-snp").
  std::string pci_devices;
  std::string cc_guest;
  // Tests of NVLink 5 fabrics: a fake /sys/class/infiniband (tests/support/fake_sysfs
  // --infiniband) bound over the guest's, as --pci-devices binds the PCI tree.
  std::string infiniband;
  // Tests of the GPU extension: an EROFS image (mkfs.erofs) mounted read-only through a loop
  // device at the guest's /run/kata-extensions/gpu, on a tmpfs /run that PID 1's mounter then
  // finds mounted. It stands in for what the extensions helper mounts from a dm-verity disk,
  // which this machine's kernel cannot make; the VM tests prove that part.
  std::string gpu_extension;
  // Records the system calls the helpers' policies allowed during the boot, and which tools
  // made them, into this file (the observation format, observation_log.h), for
  // `policy-review coverage`. The guest's PID 1 runs under an extra seccomp filter that
  // hands every call to ns-boot's recorder (observer_filter.h, observer.h); it changes no
  // outcome of any call. Test-only: nothing of it is in the shipped ccinit.
  std::string observe;
};

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws UsageError naming the option and value that cannot be accepted.
Options parse_options(const std::vector<std::string>& args);

inline constexpr const char* kUsage =
    "usage: ns-boot --root DIR --cmdline TEXT --kmsg FILE --sysctl-dir DIR [--timeout S]\n"
    "               [--pci-devices DIR] [--infiniband DIR] [--cc-guest tdx|sev-snp]\n"
    "               [--gpu-extension EROFS-IMAGE] [--sigterm-after S]\n"
    "               [--observe FILE]";

}  // namespace ccinit::ns_boot
