#include "helpers/fabric-launcher/fabric_wait.h"

#include <algorithm>
#include <stdexcept>

#include "common/wait_status.h"

namespace ccinit::fabric {

void wait_for_gpu_fabric(tools::ToolRunner& runner, helper::Reporter& reporter,
                         const nvidia::NvidiaPaths& nvidia_paths, unsigned gpus,
                         std::chrono::steady_clock::time_point deadline,
                         std::uint32_t timeout_seconds, const std::string& timeout_setting,
                         const WaitClock& clock) {
  const tools::Command query{nvidia_paths.nvidia_smi(), {"-q"}};
  std::chrono::milliseconds delay = kFirstRequery;
  std::string last_summary;
  for (;;) {
    const tools::ToolResult result = runner.run(query, true);
    if (!result.ok())
      throw std::runtime_error(query.text() + " " + describe_wait_status(result.wait_status));
    const FabricStates states = parse_fabric_states(result.output, gpus);
    switch (states.verdict) {
      case FabricVerdict::kReady:
        reporter.info(states.summary);
        return;
      case FabricVerdict::kNotSupported:
        reporter.warn(states.summary);
        return;
      case FabricVerdict::kFailed:
        throw std::runtime_error(states.summary);
      case FabricVerdict::kWaiting:
        break;
    }
    if (states.summary != last_summary) reporter.debug(states.summary);
    last_summary = states.summary;
    const auto now = clock.now();
    if (now >= deadline)
      throw std::runtime_error("the GPUs' NVLink fabric registration did not complete within " +
                               std::to_string(timeout_seconds) +
                               " s of starting Fabric Manager (set " + timeout_setting +
                               "=SECONDS); " + states.summary);
    // The last wait ends at the deadline, so the last query sees the state at the deadline.
    clock.sleep(std::min(delay, std::chrono::ceil<std::chrono::milliseconds>(deadline - now)));
    delay = std::min(delay * 2, kMaxRequery);
  }
}

}  // namespace ccinit::fabric
