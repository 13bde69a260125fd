#include <stdexcept>

#include "helpers/runtime/reporter.h"
#include "proto/ccinit.pb.h"

namespace ccinit::helpers::extensions {

// No boot plan runs this helper yet (issue 10 builds it); run by hand it says so.
void run(const wire::Request&, helper::Reporter&) {
  throw std::runtime_error("extension images are not wired into the boot yet");
}

}  // namespace ccinit::helpers::extensions
