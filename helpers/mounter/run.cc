#include "helpers/mounter/linux_mount_system.h"
#include "helpers/mounter/mount_plan.h"
#include "proto/ccinit.pb.h"

namespace ccinit::helpers::mounter {

void run(const wire::Request& request, helper::Reporter& reporter) {
  ccinit::mounter::LinuxMountSystem system;
  ccinit::mounter::run_plan(ccinit::mounter::mounter_plan(), system, reporter, request.dry_run());
}

}  // namespace ccinit::helpers::mounter
