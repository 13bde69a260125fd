#include <linux/capability.h>

#include "helpers/mounter/linux_mount_system.h"
#include "helpers/runtime/helper_main.h"
#include "helpers/runtime/mount_plan.h"

namespace ccinit::policy {
extern const Policy policy_mounter;
}

int main(int argc, char** argv) {
  using namespace ccinit;
  helper::HelperSpec spec{
      .name = "mounter",
      .summary = "mounts the guest's filesystems, brings up loopback, sizes socket buffers",
      // mount(2) needs CAP_SYS_ADMIN; bringing lo up (SIOCSIFFLAGS) needs CAP_NET_ADMIN.
      .capabilities = {CAP_SYS_ADMIN, CAP_NET_ADMIN},
      .policy = policy::policy_mounter,
      .run =
          [](const wire::Request& request, helper::Reporter& reporter) {
            mounter::LinuxMountSystem system;
            mounter::run_plan(mounter::mounter_plan(), system, reporter, request.dry_run());
          },
  };
  return helper::helper_main(argc, argv, spec);
}
