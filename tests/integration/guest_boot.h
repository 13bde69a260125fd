#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tests/testlib/paths.h"
#include "tests/testlib/run_program.h"
#include "tests/testlib/skip_or_fail.h"
#include "tests/testlib/temp_dir.h"
#include "tests/testlib/text.h"

// Building guest roots with scripts/mkrootfs and booting them with ns-boot, for the
// integration tests.
namespace ccinit::itest {

// Why the tests cannot run here (not root, no namespaces), or nullopt when they can.
std::optional<std::string> cannot_boot_guests();
// Why mkrootfs cannot run here (it needs root), or nullopt.
std::optional<std::string> cannot_build_roots();
// Whether this machine's capability bounding set has CAP_SYS_RESOURCE (a real guest's PID 1
// always has it; some containers that run the tests do not).
bool machine_has_cap_sys_resource();

using ::ccinit::testing::bin_dir;
using ::ccinit::testing::ProgramRun;
using ::ccinit::testing::read_text;
using ::ccinit::testing::run_program;
using ::ccinit::testing::RunOptions;
using ::ccinit::testing::split_lines;
using ::ccinit::testing::TempDir;

std::string mkrootfs_path();

// Options for scripts/mkrootfs beyond the root and the bin dir, e.g.
//   RootOptions().helper("lockdown", bin_dir() + "/ccinit-test-bad-helper")
struct RootOptions {
  RootOptions& agent(const std::string& path) { return add({"--agent", path}); }
  RootOptions& helper(const std::string& name, const std::string& path) {
    return add({"--helper", name + "=" + path});
  }
  RootOptions& file(const std::string& source, const std::string& dest) {
    return add({"--file", source + ":" + dest});
  }
  RootOptions& add(const std::vector<std::string>& more) {
    args.insert(args.end(), more.begin(), more.end());
    return *this;
  }
  std::vector<std::string> args;
};

struct Boot {
  int exit_code = -1;  // ns-boot's: 130 = powered off, 124 = timed out
  std::string out;     // the guest console's stdout (the agent's report)
  std::string err;
  // The /dev/kmsg stand-in is a plain file, which takes any write; the kernel does not, so
  // read_kmsg() applies its rule: a record (a line: PID 1 writes one line per record, control
  // bytes escaped) longer than kKernelMaxRecord bytes with its newline is refused, as 6.1's
  // devkmsg_write refuses it with EINVAL, and is lost. It is kept out of `kmsg` (a test that
  // expects that line fails, as it would in a VM) and listed in `refused_kmsg`, and the boot's
  // test fails: no record PID 1 writes may be one the kernel refuses.
  static constexpr std::size_t kKernelMaxRecord = 992;
  void read_kmsg(const std::string& path);
  std::string kmsg;                           // the records the kernel would have taken
  std::vector<std::string> refused_kmsg;      // those it would have refused
  std::map<std::string, std::string> sysctl;  // stand-in files by name, e.g.
                                              // "kernel.modules_disabled", trailing \n cut
  // The file ns-boot --observe wrote this boot's observation to, or "" when not observed.
  std::string observation;

  bool agent_reported() const;
  // The agent's key=value fields (tests/testlib/agent_report.h).
  std::map<std::string, std::string> report() const;
  // A file the agent printed with its cat:PATH action, or nullopt.
  std::optional<std::string> agent_file(const std::string& path) const;
  std::vector<std::string> kmsg_lines() const;
  // Every `<N>ccinit: power off: ...` line.
  std::vector<std::string> power_off_lines() const;
  // Everything, for failure messages.
  std::string describe() const;
};

// A guest root made by scripts/mkrootfs in its own temporary directory.
class Guest {
 public:
  explicit Guest(const RootOptions& options = {});
  const std::string& root() const { return root_; }
  // Boots it as PID 1 of fresh namespaces with this kernel command line; with
  // sigterm_after_s, the host sends the guest's PID 1 SIGTERM that long after it started.
  Boot boot(const std::string& cmdline, double timeout_s = 30, double sigterm_after_s = 0) const;
  // Every later boot records its observation (ns-boot --observe) into `file`, whether or not
  // CCINIT_OBSERVE_DIR is set.
  void observe_into(const std::string& file) { observe_into_ = file; }

 private:
  TempDir dir_{"ccinit-itest"};
  std::string root_;
  std::string observe_into_;
};

// Runs ns-boot with `argv` (the guest's /dev/kmsg stand-in at `kmsg`), observed
// (ns-boot --observe) into `observe_into` when a test asked for that, else into
// testing::new_observation_file() when the suite runs observed; the boot's exit status,
// output, kernel records and observation file.
Boot run_ns_boot(std::vector<std::string> argv, const std::string& kmsg,
                 const std::string& observe_into);

// The one power-off line that every boot must end with, e.g.
//   <3>ccinit: power off: helper lockdown failed: exited with status 1
std::string power_off_line(int level, const std::string& reason);

}  // namespace ccinit::itest

namespace ccinit::itest {

// Base of every test that boots a guest.
class GuestBootTest : public ::testing::Test {
 protected:
  void SetUp() override { CCINIT_REQUIRE(cannot_boot_guests()); }
};

}  // namespace ccinit::itest
