// The seccomp policy text policyc compiles at build time. The input is one policy file;
// includes are looked up in the repository's policy/ directory, so `@include runtime.policy`
// reads the real shared rules (and nothing outside that directory can be named). The parser
// may only return a policy or throw PolicyError in one line.
#include <string>

#include "policy/policy_parser.h"
#include "tests/fuzz/fuzz_support.h"

using namespace ccinit;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    policy::parse_policy_text(fuzz::as_text(data, size), "fuzz.policy",
                              CCINIT_SOURCE_DIR "/policy");
  } catch (const policy::PolicyError& e) {
    const std::string_view what = e.what();
    // An included file's errors name it by its path in the repository.
    fuzz::require(
        (what.starts_with("fuzz.policy:") || what.starts_with(CCINIT_SOURCE_DIR "/policy/")) &&
            fuzz::one_line(what),
        "a PolicyError is one line starting with file:line");
  }
  return 0;
}
