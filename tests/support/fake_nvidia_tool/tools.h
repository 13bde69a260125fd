#pragma once

#include <string>
#include <vector>

#include "tests/support/fake_nvidia_tool/record.h"

// The tools the fake plays, each printing what the real one prints and exiting with the
// real one's status. Knobs (/etc/fake-nvidia.conf), every one optional:
//   modprobe=ok|fail|hang|crash      smi=ok|fail|hang|crash      ctk=ok|fail|hang|crash
//   hostengine=ok|fail|hang|crash    exporter=ok|fail|hang|crash
//   persistenced=ready|fail|hang|crash-after-ready
//   ready_delay_ms=N      persistenced's set-up time before it is ready (default 0)
//   crash_after_ms=N      crash-after-ready: the daemon's life after readiness (default 300)
//   gpus=N                GPUs that nvidia-smi conf-compute reports on (default 1)
//   cc=on|off|none        every GPU's CC mode; none: no CC capable device (default on)
//   cc.<index>=on|off     one GPU's CC mode
//   grs=ready|not-ready   conf-compute -grs answer (default ready)
//   nvlsm=ok|fail|hang|crash|no-socket|crash-after-ready      nvlsm_delay_ms=N
//   fm=ok|fail|hang|crash|no-marker|crash-after-ready         fm_delay_ms=N
//                         nv-fabricmanager and nvlsm (fabric_tools.h); no-socket: nvlsm logs
//                         but never binds its socket; no-marker: FM never logs readiness;
//                         *_delay_ms: set-up time before the socket / the readiness line
//   fabric=completed|in-progress|failed|na   every GPU's Fabric State in nvidia-smi -q
//   fabric.<index>=...    one GPU's (default completed: Completed / Success)
//   fabric_status=TEXT    the Status of a failed fabric (default "Insufficient Resources")
//   fabric_in_progress_queries=N   the first N `nvidia-smi -q` runs show In Progress
// `fail` prints the real tool's error and exits with its status, `hang` never exits,
// `crash` dies of SIGSEGV.
namespace ccinit::fake_nvidia {

int play_tool(const std::string& name, const std::vector<std::string>& args, const Config& config);

}  // namespace ccinit::fake_nvidia
