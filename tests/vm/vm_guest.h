#pragma once

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tests/testlib/skip_or_fail.h"

// Booting the test images (tests/vm/build-images) in a real VM with scripts/vm-boot.
namespace ccinit::vmtest {

// scripts/vm-boot's exit statuses.
inline constexpr int kPoweredOffClean = 0;
inline constexpr int kPoweredOffWithReason = 2;
inline constexpr int kKernelPanic = 3;
inline constexpr int kTimedOut = 4;
inline constexpr int kOtherEnd = 5;  // e.g. a power-off without ccinit's record

// The whole-boot limit these tests hold every VM to.
inline constexpr double kBootSeconds = 15;

// An extension disk made by tests/vm/make-extension-image: an EROFS partition and its
// dm-verity hash tree partition, as Kata attaches one per guest_extension_images entry.
struct ExtensionDisk {
  std::string name;    // [A-Za-z0-9_-]{1,10}; the disk's serial is extension-<name>
  std::string image;   // the raw disk image
  std::string params;  // kata.extension.<name>.verity_params=root_hash=...,salt=...,...
};

struct ExtensionImageOptions {
  std::optional<std::string> files;  // the tree to put in; default the known hello.txt
  bool flip_data_byte = false;       // corrupt hello.txt's data block after hashing
};

// The known file of the default extension tree and the start of its first line.
inline constexpr std::string_view kExtensionKnownFile = "hello.txt";
inline constexpr std::string_view kExtensionKnownText = "hello from a ccinit extension image";

// Why extension images cannot be built here (mkfs.erofs, veritysetup or sfdisk missing), or
// nullopt when they can.
std::optional<std::string> cannot_make_extension_images();

// Builds <dir>/<name>.img and <name>.params with tests/vm/make-extension-image; throws when it
// fails.
ExtensionDisk make_extension_image(const std::string& name, const std::string& dir,
                                   const ExtensionImageOptions& options = {});

enum class Image {
  kShipped,    // the mkrootfs layout with the stand-in agent
  kBadHelper,  // ccinit-test-bad-helper installed as lockdown
};

// e.g. VmOptions().bad_helper().modules()
struct VmOptions {
  VmOptions& bad_helper() {
    image = Image::kBadHelper;
    return *this;
  }
  // Appends the overlay with the `dummy` module, the extension disks' modules (virtio_blk,
  // virtio_pci, dm_mod, dm_verity, erofs and what they need), modules.dep and a real modprobe.
  VmOptions& modules() {
    with_modules = true;
    return *this;
  }
  // Appends the overlay that replaces the stand-in agent with ccinit-test-quiet-agent.
  VmOptions& quiet_agent() {
    with_quiet_agent = true;
    return *this;
  }
  // When a console line matches `regex` (Python's re.search), `command` goes to the QEMU
  // monitor.
  VmOptions& send_on(const std::string& regex, const std::string& command) {
    monitor_commands.emplace_back(regex, command);
    return *this;
  }

  // Attaches `image` read-only as a virtio-blk PCI disk with this serial (vm-boot --disk).
  VmOptions& disk(const std::string& image, const std::string& serial) {
    disks.emplace_back(image, serial);
    return *this;
  }
  // Appends `param` to the kernel command line, after boot_vm's `cmdline`.
  VmOptions& kernel_param(const std::string& param) {
    kernel_params.push_back(param);
    return *this;
  }
  // As Kata attaches an extension: its disk with serial extension-<name>, and its params.
  VmOptions& extension(const ExtensionDisk& extension) {
    return disk(extension.image, "extension-" + extension.name).kernel_param(extension.params);
  }

  // Observes the helpers' calls (as ns-boot --observe does) into `file`: boots with the
  // observe overlay and rdinit= its init (tests/support/observe_init), whose recorder prints
  // each new distinct call on the console; boot_vm merges those lines into the file.
  VmOptions& observe_into(const std::string& file) {
    observation_file = file;
    return *this;
  }
  // Observes when CCINIT_OBSERVE_DIR is set (scripts/test), into
  // $CCINIT_OBSERVE_DIR/<Suite.Test>-vm-<n>.observed. Opt-in per test: every call of the
  // guest round-trips to the recorder, which would distort the timing, flood and orphan tests.
  VmOptions& observe_if_asked() {
    observe_when_asked = true;
    return *this;
  }

  VmOptions& timeout(double seconds) {
    timeout_seconds = seconds;
    return *this;
  }

  Image image = Image::kShipped;
  double timeout_seconds = kBootSeconds;
  bool with_modules = false;
  bool with_quiet_agent = false;
  std::optional<std::string> observation_file;
  bool observe_when_asked = false;
  std::vector<std::pair<std::string, std::string>> monitor_commands;
  std::vector<std::pair<std::string, std::string>> disks;  // image, serial
  std::vector<std::string> kernel_params;
};

struct VmBoot {
  int exit_code = -1;  // vm-boot's (above); -N when it was killed by signal N
  std::vector<std::string> console;
  std::string verdict;  // vm-boot's stderr
  // When observed: the file written (empty otherwise) and the recorder's `# error:` lines.
  std::string observation_file;
  std::vector<std::string> observation_errors;

  // The agent's key=value fields (tests/testlib/agent_report.h); empty when the agent never
  // reported.
  std::map<std::string, std::string> report() const;
  bool has_line_containing(std::string_view text) const;
  std::vector<std::string> lines_containing(std::string_view text) const;
  // Index of the first console line containing `text`, or -1.
  long index_of(std::string_view text) const;
  // The reasons of PID 1's `ccinit: power off: <reason>` kernel records on the console (a
  // whole line with the kernel's timestamp, as scripts/vm-boot takes them), in order.
  std::vector<std::string> power_off_reasons() const;
  // What scripts/boot-timeline prints for this console, line by line.
  std::vector<std::string> timeline() const;
  // For failure messages: the exit status, the verdict and the console.
  std::string describe() const;
};

// The console's `ccinit-observe: ` lines merged into an observation file's text (same key:
// calls summed, callers united); `errors` gets the recorder's `# error: ` lines.
std::string merge_observation(const std::vector<std::string>& console,
                              std::vector<std::string>& errors);

// Why VM boots cannot run here, or nullopt when they can.
std::optional<std::string> cannot_boot_vms();

// Boots one VM with `cmdline` appended to vm-boot's, killed after the options' timeout.
VmBoot boot_vm(const std::string& cmdline, const VmOptions& options = {});

}  // namespace ccinit::vmtest
