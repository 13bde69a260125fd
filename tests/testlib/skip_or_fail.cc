#include "tests/testlib/skip_or_fail.h"

#include <cstdlib>
#include <string_view>

namespace ccinit::testing {

bool running_in_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string_view(ci) == "true";
}

}  // namespace ccinit::testing
