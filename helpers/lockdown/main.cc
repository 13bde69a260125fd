#include <linux/capability.h>

#include "helpers/runtime/helper_main.h"
#include "helpers/runtime/lockdown_knobs.h"

namespace ccinit::policy {
extern const Policy policy_lockdown;
}

int main(int argc, char** argv) {
  using namespace ccinit;
  helper::HelperSpec spec{
      .name = "lockdown",
      .summary = "disables module loading and kexec for the rest of the boot",
      // modules_disabled needs CAP_SYS_MODULE, kexec_load_disabled CAP_SYS_ADMIN.
      .capabilities = {CAP_SYS_MODULE, CAP_SYS_ADMIN},
      .policy = policy::policy_lockdown,
      .run =
          [](const wire::Request& request, helper::Reporter& reporter) {
            lockdown::run_lockdown(lockdown::lockdown_knobs(), reporter, request.dry_run());
          },
  };
  return helper::helper_main(argc, argv, spec);
}
