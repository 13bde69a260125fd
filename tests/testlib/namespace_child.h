#pragma once

#include <functional>
#include <stdexcept>
#include <string>

// Tests that change mounts or namespaces do it in a forked child, so the machine running them
// never sees a mount; gtest assertions do not cross the fork, so the child reports one text.
namespace ccinit::testing {

// A failed expectation inside the child.
struct ChildFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Throws ChildFailure(what) unless ok.
void check(bool ok, const std::string& what);
// Throws ChildFailure("what: <strerror(errno)>") unless rc is 0.
void sys(int rc, const std::string& what);

// Runs `scenario` in a forked child that first unshares `clone_flags` (which must include
// CLONE_NEWNS); with CLONE_NEWPID the scenario runs as PID 1 of the new PID namespace. Returns
// "ok", or what the scenario threw; "unshare: ..." when the machine has no such namespaces
// (skip_or_fail_unless_ok turns that into a skip outside CI).
std::string run_in_new_namespaces(int clone_flags, const std::function<void()>& scenario);

}  // namespace ccinit::testing
