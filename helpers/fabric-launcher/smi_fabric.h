#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

// The GPUs' NVLink fabric registration as `nvidia-smi -q` prints it: per GPU a "Fabric"
// section with State (Not Supported, Not Started, In Progress, Completed) and Status
// (Success, N/A, Insufficient Resources or other error text). On Hopper and later GPUs CUDA
// waits for this registration; FM being up is not enough. The text is a tool's output, so it
// is parsed bounded and shown escaped.
namespace ccinit::fabric {

struct GpuFabricState {
  std::string bus_id;  // "00000000:18:00.0", as nvidia-smi prints it (escaped, cut)
  std::string state;   // "" when the GPU has no Fabric section
  std::string status;
};

enum class FabricVerdict {
  kReady,         // every GPU: State Completed, Status Success
  kWaiting,       // some GPU Not Started or In Progress, none failed
  kFailed,        // a GPU failed to register, the output is not what we expect, or the GPU
                  // count is not the detected one
  kNotSupported,  // no GPU failed or waits, some do not take part in a fabric (pre-Hopper:
                  // State Not Supported or N/A): logged, not fatal
};

struct FabricStates {
  std::vector<GpuFabricState> gpus;
  FabricVerdict verdict = FabricVerdict::kFailed;
  // One line for the log or the error: which GPU, which state and status.
  std::string summary;
};

// Larger output is not nvidia-smi's -q for a handful of GPUs.
inline constexpr std::size_t kMaxSmiOutputBytes = 4 << 20;
// The longest summary: it may become the power-off line (kept to one kernel log record).
inline constexpr std::size_t kMaxSmiSummaryBytes = 800;
// More GPU sections than any HGX board has.
inline constexpr std::size_t kMaxSmiGpus = 64;

// Reads every top-level "GPU <bus id>" block and, in it, the Fabric section's own State and
// Status (not those of its subsections, such as Health). `expected_gpus` is what
// gpu-configurator detected; another count is a failure (a GPU the driver does not list
// cannot have registered).
FabricStates parse_fabric_states(std::string_view smi_output, unsigned expected_gpus);

}  // namespace ccinit::fabric
