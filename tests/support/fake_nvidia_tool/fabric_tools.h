#pragma once

#include <string>
#include <vector>

#include "tests/support/fake_nvidia_tool/record.h"

// The NVLink fabric daemons: NVIDIA's subnet manager (nvlsm, NVLink 5) and Fabric Manager.
namespace ccinit::fake_nvidia {

// The gRPC socket nvlsm serves and Fabric Manager connects to with -g (FM_SM_IPC_INTERFACE,
// /var/run being a link to /run in the guest).
inline constexpr const char* kFmSmSocket = "/run/nvidia-fabricmanager/fm_sm_ipc.socket";
// Where nv-fabricmanager keeps a copy of the config it was given, for the tests.
inline constexpr const char* kKeptFmConfig = "/var/lib/fake-nvidia/fabricmanager.cfg";
// The line the real Fabric Manager logs when it hands the fabric over to GPU registration.
inline constexpr const char* kFmReadyMarker =
    "FM starting NvLink Inband, waiting for GPU registration";

// nvlsm -F CONF -g GUID [-f stdout]: needs CONF readable and a GUID, logs to stdout, binds a
// listening socket at kFmSmSocket (fails like gRPC when its directory is missing), then stays
// in the foreground.
int nvlsm(const std::vector<std::string>& args, const Config& config);

// nv-fabricmanager -c CFG [-g GUID]: keeps a copy of CFG, refuses it as the real one would
// (a key not in the FM user guide, a FABRIC_MODE or PARTITION_RAIL_POLICY it has no value
// for), forks into the background and
// returns 0 when CFG says DAEMONIZE=1 (as the real one does), with -g connects to
// kFmSmSocket first, logs to syslog (LOG_USE_SYSLOG=1) or LOG_FILE_NAME (stderr when empty) ending
// with kFmReadyMarker, then stays in the foreground. The pid of the process that goes on is written
// to /run/fake-nvidia/nv-fabricmanager.pid.
int nv_fabricmanager(const std::vector<std::string>& args, const Config& config);

}  // namespace ccinit::fake_nvidia
