#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "common/nvidia_paths.h"
#include "common/tool_runner.h"
#include "helpers/fabric-launcher/smi_fabric.h"
#include "helpers/runtime/reporter.h"

// Waiting for the GPUs to register with the NVLink fabric after Fabric Manager is up.
//
// Honestly a re-query loop: the driver offers no event for a GPU's fabric state (NVML has
// no event type for it, the kernel logs nothing we could wait on, and nvidia-smi has no
// "wait" option), so `nvidia-smi -q` is run again while any GPU is Not Started or In
// Progress, with a short backoff (100 ms, doubling, capped at 1 s) and Fabric Manager's
// deadline. Everything else in the launcher waits on events.
namespace ccinit::fabric {

inline constexpr std::chrono::milliseconds kFirstRequery{100};
inline constexpr std::chrono::milliseconds kMaxRequery{1000};

// The clock and the sleep, so tests run the backoff without waiting.
struct WaitClock {
  std::function<std::chrono::steady_clock::time_point()> now = [] {
    return std::chrono::steady_clock::now();
  };
  std::function<void(std::chrono::milliseconds)> sleep = [](std::chrono::milliseconds d) {
    std::this_thread::sleep_for(d);
  };
};

// Runs `<nvidia_paths.nvidia_smi()> -q` until every one of `gpus` GPUs has State Completed and
// Status Success (or takes no part in a fabric, which is logged). Throws std::runtime_error when
// nvidia-smi fails, a GPU failed to register (naming its bus id and status), the GPU count is not
// `gpus`, or `deadline` passes while a GPU still waits (naming `timeout_setting`, whose
// `timeout_seconds` it was, and the waiting GPUs).
void wait_for_gpu_fabric(tools::ToolRunner& runner, helper::Reporter& reporter,
                         const nvidia::NvidiaPaths& nvidia_paths, unsigned gpus,
                         std::chrono::steady_clock::time_point deadline,
                         std::uint32_t timeout_seconds, const std::string& timeout_setting,
                         const WaitClock& clock);

}  // namespace ccinit::fabric
