// --learn must be unreachable from a boot: a helper whose parent is PID 1 refuses it, and so
// does one that PID 1 of its namespace could have started. Here the test is PID 1 of a new
// PID namespace, as ccinit is in a guest.
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <string>

#include "tests/testlib/namespace_child.h"
#include "tests/testlib/skip_or_fail.h"
#include "tests/unit/helpers/helper_process.h"

namespace ccinit::testing {
namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

void scenario() {
  check(::getpid() == 1, "the scenario is not PID 1 of its namespace");
  // A /proc of this PID namespace, so /proc/1 is this process (mounted in the private mount
  // namespace only).
  sys(::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr), "make / private");
  sys(::mount("proc", "/proc", "proc", 0, nullptr), "mount /proc");

  // Started by PID 1: refused before anything runs, in one line on stderr, status 2.
  const ProgramRun refused =
      run_program({helper_path("lockdown"), "--learn", "--dry-run", "--cmdline", ""});
  check(refused.exited_with(2), "started by PID 1: " + refused.describe());
  check(refused.err ==
            "lockdown: refusing --learn: its parent is PID 1 (learn mode is for a helper run by "
            "hand, never in a boot)\n",
        "started by PID 1: " + refused.describe());
  check(refused.out.empty(), "started by PID 1, it printed: " + refused.describe());

  // The same through a shell (its parent is then not PID 1, and PID 1 is not ccinit): it
  // learns, so the refusal above is for the parent, not for the namespace.
  const ProgramRun learned = run_program(
      {"/bin/sh", "-c", "\"$0\" --learn --dry-run --cmdline ''; exit $?", helper_path("lockdown")});
  check(learned.exit_code >= 0, "through a shell: " + learned.describe());
  check(contains(learned.out, "lockdown: learn: the shipped policy would have refused"),
        "through a shell: " + learned.describe());
}

TEST(LearnRefusal, AHelperStartedByPidOneRefusesToLearn) {
  if (::geteuid() != 0) CCINIT_SKIP_OR_FAIL("needs root for mount and PID namespaces");
  const std::string outcome = run_in_new_namespaces(CLONE_NEWNS | CLONE_NEWPID, scenario);
  if (outcome.rfind("unshare: ", 0) == 0) CCINIT_SKIP_OR_FAIL("no namespaces here: " + outcome);
  EXPECT_EQ(outcome, "ok");
}

}  // namespace
}  // namespace ccinit::testing
