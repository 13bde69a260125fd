#include <stdexcept>

#include "helpers/runtime/helper_main.h"

namespace ccinit::policy {
extern const Policy policy_fabric_launcher;
}

int main(int argc, char** argv) {
  using namespace ccinit;
  helper::HelperSpec spec{
      .name = "fabric-launcher",
      .summary = "starts the NVLink fabric services (not implemented yet: always refuses)",
      .capabilities = {},
      .policy = policy::policy_fabric_launcher,
      .run =
          [](const wire::Request&, helper::Reporter&) {
            throw std::runtime_error("fabric modes are not implemented yet");
          },
  };
  return helper::helper_main(argc, argv, spec);
}
