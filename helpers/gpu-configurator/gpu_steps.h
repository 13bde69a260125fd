#pragma once

#include <string>

#include "common/nvidia_paths.h"
#include "common/tool_runner.h"
#include "helpers/runtime/reporter.h"
#include "proto/ccinit.pb.h"

// GPU mode's steps, in the order issue 4 lists them, each a progress step and each fatal.
namespace ccinit::gpu {

using tools::Command;
using tools::Readiness;
using tools::ToolResult;
using tools::ToolRunner;

// The tools' paths are nvidia::NvidiaPaths (GpuPlan::nvidia_paths). What the tools write is not
// under the GPU extension, which is read-only.
inline constexpr char kPersistencedPidFile[] =
    "/var/run/nvidia-persistenced/nvidia-persistenced.pid";
inline constexpr unsigned kDefaultPersistencedTimeoutSeconds = 600;

struct GpuPlan {
  unsigned gpus = 0;
  bool disable_nvlink = false;      // NVreg_NvLinkDisable=1: one GPU and no fabric
  bool confidential_guest = false;  // /dev/tdx_guest or /dev/sev-guest exists
  bool dry_run = false;             // the runner only reports; nothing to check afterwards
  // Where the NVIDIA modules, tools and data files are: the base image's, or the GPU
  // extension's (nvidia::nvidia_paths_for(request)).
  nvidia::NvidiaPaths nvidia_paths{};
};

// modprobe nvidia (NVreg_NvLinkDisable=1 when plan.disable_nvlink), then nvidia-uvm unless
// `with_uvm` is false (the NVLink 4 service VM has no CUDA clients); from the GPU extension's
// module tree (`modprobe --dirname <root>`) when plan.nvidia_paths is the extension's.
void load_nvidia_modules(const GpuPlan& plan, ToolRunner& runner, helper::Reporter& reporter,
                         bool with_uvm = true);

// modprobe ib_umad, then mlx5_ib: NVLSM reaches an NVLink 5 fabric through them. Always the
// base kernel's modules, with or without the GPU extension.
void load_infiniband_modules(ToolRunner& runner, helper::Reporter& reporter);

// The GPU daemons and tools, once the modules (and any fabric) are up: nvidia-persistenced
// (readiness), nvidia-smi -lmc/-lgc/-pl when set, nv-hostengine and dcgm-exporter with
// nvrc.dcgm, nvidia-ctk cdi generate (with the GPU extension: --driver-root=<root>
// --dev-root=/ --nvidia-cdi-hook-path=<root>/bin/nvidia-cdi-hook), the CC status check in
// confidential guests, conf-compute -srs when nvrc.smi.srs is given, and a health check of every
// daemon. Daemons are reported with Reporter::daemon_started.
void run_gpu_daemons(const wire::Config& config, const GpuPlan& plan, ToolRunner& runner,
                     helper::Reporter& reporter);

// GPU mode without a fabric: load_nvidia_modules, then run_gpu_daemons. Every step throws
// std::runtime_error naming its command on the first failure.
void run_gpu_steps(const wire::Config& config, const GpuPlan& plan, ToolRunner& runner,
                   helper::Reporter& reporter);

// Checks `nvidia-smi conf-compute -f` output: exactly one "CC status: ..." line per GPU and
// every one exactly "CC status: ON". Throws std::runtime_error saying what was found.
void check_cc_status(const std::string& output, unsigned gpus);

}  // namespace ccinit::gpu
