#pragma once

#include <string>
#include <string_view>

// Where a test boot's policy observation goes when the suite is run observed:
// `CCINIT_OBSERVE_DIR=DIR ctest ...` (scripts/test) collects the calls every observed boot's
// helpers made, for `policy-review coverage DIR`.
namespace ccinit::testing {

// A new file in $CCINIT_OBSERVE_DIR (created) named after the running test, `kind` ("ns",
// "vm"), this process and a counter, so parallel test processes never share one; "" when the
// variable is unset or empty.
std::string new_observation_file(std::string_view kind);

}  // namespace ccinit::testing
