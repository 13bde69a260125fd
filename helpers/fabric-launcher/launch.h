#pragma once

#include <string>

#include "common/tool_runner.h"
#include "helpers/fabric-launcher/fabric_wait.h"
#include "helpers/fabric-launcher/fm_config.h"
#include "helpers/runtime/reporter.h"
#include "proto/ccinit.pb.h"

// The fabric-launcher's job: the NVLink fabric services, in NVRC's order, each a progress
// step and each fatal.
namespace ccinit::fabric {

// nv-fabricmanager, nvlsm (and the nvlsm.conf only named on its command line), nvidia-smi and
// the stock fabricmanager.cfg are nvidia::NvidiaPaths for the request: the base image's, or
// the GPU extension's when PID 1 relays that it is in use.
inline constexpr char kNvlsmSocketDir[] = "nvidia-fabricmanager";
inline constexpr char kNvlsmSocket[] = "fm_sm_ipc.socket";
// Fabric Manager logs it (LOG_USE_SYSLOG=1) once it has set the fabric up and serves the
// GPUs' in-band requests; NVRC waits for the same line.
inline constexpr char kFmReadyLine[] = "FM starting NvLink Inband";

// Timeouts, nvrc.timeout.fabricmanager and nvrc.timeout.nvlsm.
// - Fabric Manager: 120 s, NVRC's. It also bounds the GPUs' fabric registration after FM's
//   readiness line, counted from FM's start.
// - NVLSM: NVRC has none (it does not wait at all), NVIDIA's nv-fabricmanager-start.sh waits
//   5 s for the socket and Talos 15 s; 60 s leaves room for a slow first sweep of a large
//   fabric without hiding a hang for FM's whole budget.
inline constexpr unsigned kDefaultFmTimeoutSeconds = 120;
inline constexpr unsigned kDefaultNvlsmTimeoutSeconds = 60;

// Where the launcher looks and writes. Parameters so tests use fake trees; the helper passes
// the defaults and nothing on the command line can change them.
struct LauncherPaths {
  std::string sysfs_root = "/sys";
  std::string run_dir = "/run";  // fabricmanager.cfg, nvidia-fabricmanager/ (NVLSM's socket)
  // Prefixed to the NVIDIA data files the launcher reads itself (the stock fabricmanager.cfg);
  // never to what the tools are told, which is the guest's own paths.
  std::string nvidia_files_root;
};

// Reads the relayed mode decision and runs, in order:
//   NVLink 5: find-fabric-port (ib_port_guid), create-nvlsm-socket-dir (<run>/
//     nvidia-fabricmanager, 0755), start-nvlsm (`nvlsm -F <conf> -g <GUID> -f stdout`, ready
//     when its socket appears);
//   write-fabricmanager-config (<run>/fabricmanager.cfg from the stock one, fm_config.h; with
//     the GPU extension, the extension's stock file and its TOPOLOGY_FILE_PATH);
//   start-nv-fabricmanager (`nv-fabricmanager -c <run>/fabricmanager.cfg [-g <GUID>]`, ready
//     on its own syslog line kFmReadyLine);
//   GPU VMs: wait-gpu-fabric (fabric_wait.h);
//   health-check: both daemons still run.
// Daemons are reported with Reporter::daemon_started. In a dry run (`runner` a DryRunRunner)
// it says what it would do and creates, writes and waits for nothing. Throws
// std::runtime_error with a one-line reason on the first failure.
void launch_fabric(const wire::Request& request, helper::Reporter& reporter,
                   const LauncherPaths& paths, tools::ToolRunner& runner, const WaitClock& clock);

}  // namespace ccinit::fabric
