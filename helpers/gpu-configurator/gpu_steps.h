#pragma once

#include <string>

#include "common/tool_runner.h"
#include "helpers/runtime/reporter.h"
#include "proto/ccinit.pb.h"

// GPU mode's steps, in the order issue 4 lists them, each a progress step and each fatal.
namespace ccinit::gpu {

using tools::Command;
using tools::Readiness;
using tools::ToolResult;
using tools::ToolRunner;

// NVRC's tool paths.
inline constexpr char kModprobe[] = "/sbin/modprobe";
inline constexpr char kNvidiaSmi[] = "/bin/nvidia-smi";
inline constexpr char kPersistenced[] = "/bin/nvidia-persistenced";
inline constexpr char kHostengine[] = "/bin/nv-hostengine";
inline constexpr char kDcgmExporter[] = "/bin/dcgm-exporter";
inline constexpr char kNvidiaCtk[] = "/bin/nvidia-ctk";
inline constexpr char kPersistencedPidFile[] =
    "/var/run/nvidia-persistenced/nvidia-persistenced.pid";
inline constexpr unsigned kDefaultPersistencedTimeoutSeconds = 600;

struct GpuPlan {
  unsigned gpus = 0;
  bool confidential_guest = false;  // /dev/tdx_guest or /dev/sev-guest exists
  bool dry_run = false;             // the runner only reports; nothing to check afterwards
};

// Runs the GPU steps through `runner`: modprobe nvidia (NVreg_NvLinkDisable=1 for one GPU)
// and nvidia-uvm, nvidia-persistenced (readiness), nvidia-smi -lmc/-lgc/-pl when set,
// nv-hostengine and dcgm-exporter with nvrc.dcgm, nvidia-ctk cdi generate, the CC status
// check in confidential guests, conf-compute -srs when nvrc.smi.srs is given, and a health
// check of every daemon. Daemons are reported with Reporter::daemon_started. Throws
// std::runtime_error naming the step's command on the first failure.
void run_gpu_steps(const wire::Config& config, const GpuPlan& plan, ToolRunner& runner,
                   helper::Reporter& reporter);

// Checks `nvidia-smi conf-compute -f` output: exactly one "CC status: ..." line per GPU and
// every one exactly "CC status: ON". Throws std::runtime_error saying what was found.
void check_cc_status(const std::string& output, unsigned gpus);

}  // namespace ccinit::gpu
