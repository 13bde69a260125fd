#pragma once

#include <functional>
#include <span>
#include <string_view>

#include "helpers/runtime/reporter.h"
#include "policy/policy.h"
#include "proto/ccinit.pb.h"

namespace ccinit::helper {

// What a helper is (from helpers/helpers.table, see entry/) and does; the runtime does the
// rest.
struct HelperSpec {
  std::string_view name;
  std::string_view summary;  // one line for --help
  // Capabilities (CAP_*) kept in the bounding, permitted and effective sets; all others are
  // dropped before the helper's own code runs.
  std::span<const int> capabilities;
  // Its seccomp policy, as policyc compiled it from policy/<name>.policy.
  const policy::Policy& policy;
  // The helper's job. With request.dry_run() it only reports what it would do. Throwing
  // any std::exception fails the helper with the exception's message as the result error.
  std::function<void(const wire::Request&, Reporter&)> run;
};

// The whole life of a helper process:
//  - with no arguments, the protocol: fds must be exactly 0-2 plus the request pipe on
//    fd 3 and the event pipe on fd 4; one request is read;
//  - run by hand: --cmdline "...", --dry-run, --learn, --print-policy, --print-bpf, --help;
// then confinement (capabilities, no_new_privs, seccomp), then spec.run, then exactly one
// result. Returns the process exit status (0 only on success).
int helper_main(int argc, char** argv, const HelperSpec& spec);

inline constexpr int kRequestFd = 3;
inline constexpr int kEventFd = 4;

}  // namespace ccinit::helper
