#include <stdexcept>

#include "helpers/runtime/reporter.h"
#include "proto/ccinit.pb.h"

namespace ccinit::helpers::fabric_launcher {

void run(const wire::Request&, helper::Reporter&) {
  throw std::runtime_error("fabric modes are not implemented yet");
}

}  // namespace ccinit::helpers::fabric_launcher
