#include "tests/testlib/paths.h"

namespace ccinit::testing {

std::string source_dir() {
  return CCINIT_SOURCE_DIR;
}

std::string bin_dir() {
  return std::string(CCINIT_BINARY_DIR) + "/bin";
}

}  // namespace ccinit::testing
