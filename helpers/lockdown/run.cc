#include "helpers/lockdown/lockdown_knobs.h"
#include "proto/ccinit.pb.h"

namespace ccinit::helpers::lockdown {

void run(const wire::Request& request, helper::Reporter& reporter) {
  ccinit::lockdown::run_lockdown(ccinit::lockdown::lockdown_knobs(), reporter, request.dry_run());
}

}  // namespace ccinit::helpers::lockdown
