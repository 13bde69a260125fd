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
  // Appends the overlay with the `dummy` module, modules.dep and a real modprobe.
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

  VmOptions& timeout(double seconds) {
    timeout_seconds = seconds;
    return *this;
  }

  Image image = Image::kShipped;
  double timeout_seconds = kBootSeconds;
  bool with_modules = false;
  bool with_quiet_agent = false;
  std::vector<std::pair<std::string, std::string>> monitor_commands;
};

struct VmBoot {
  int exit_code = -1;  // vm-boot's (above); -N when it was killed by signal N
  std::vector<std::string> console;
  std::string verdict;  // vm-boot's stderr

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

// Why VM boots cannot run here, or nullopt when they can.
std::optional<std::string> cannot_boot_vms();

// Boots one VM with `cmdline` appended to vm-boot's, killed after the options' timeout.
VmBoot boot_vm(const std::string& cmdline, const VmOptions& options = {});

}  // namespace ccinit::vmtest
