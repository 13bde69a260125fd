#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/process.h"
#include "tests/unit/temp_dir.h"

// Building guest roots with scripts/mkrootfs and booting them with ns-boot, for the
// integration tests.
namespace ccinit::itest {

// Why the tests cannot run here (not root, no namespaces), or nullopt when they can.
std::optional<std::string> cannot_boot_guests();
// Why mkrootfs cannot run here (it needs root), or nullopt.
std::optional<std::string> cannot_build_roots();
bool running_in_ci();
// Whether this machine's capability bounding set has CAP_SYS_RESOURCE (a real guest's PID 1
// always has it; some containers that run the tests do not).
bool machine_has_cap_sys_resource();

// Skips the test with the reason, except under CI=true where a skip would hide that the
// tests never ran: there it fails.
#define CCINIT_REQUIRE(why_not)                                          \
  do {                                                                   \
    if (auto ccinit_why_not = (why_not)) {                               \
      if (::ccinit::itest::running_in_ci())                              \
        FAIL() << *ccinit_why_not << " (CI=true, so this is a failure)"; \
      GTEST_SKIP() << *ccinit_why_not;                                   \
    }                                                                    \
  } while (0)

using ::ccinit::testing::TempDir;

struct ProgramRun {
  int exit_code = -1;  // -N when killed by signal N
  std::string out;
  std::string err;
};

// Runs argv[0] with the arguments, stdin /dev/null, capturing stdout and stderr. `env`
// replaces the environment when given. `in_child` runs in the child just before exec
// (private mounts, chroot); a step it reports as failed is thrown as SpawnError.
ProgramRun run_program(const std::vector<std::string>& argv,
                       const std::optional<std::vector<std::string>>& env = std::nullopt,
                       const ChildStep& in_child = {});

std::string read_text(const std::string& path);
std::string bin_dir();
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
  std::string kmsg;                           // the /dev/kmsg stand-in, whole
  std::map<std::string, std::string> sysctl;  // stand-in files by name, e.g.
                                              // "kernel.modules_disabled", trailing \n cut

  bool agent_reported() const;
  // key=value lines between AGENT-REPORT-BEGIN and AGENT-REPORT-END.
  std::map<std::string, std::string> report() const;
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
  // Boots it as PID 1 of fresh namespaces with this kernel command line.
  Boot boot(const std::string& cmdline, double timeout_s = 30) const;

 private:
  TempDir dir_{"ccinit-itest"};
  std::string root_;
};

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
