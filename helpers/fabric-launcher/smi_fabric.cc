#include "helpers/fabric-launcher/smi_fabric.h"

#include <optional>

#include "common/log_escape.h"
#include "common/text_lines.h"

namespace ccinit::fabric {

namespace {

constexpr std::size_t kShownBusId = 32;
constexpr std::size_t kShownValue = 64;
// GPUs listed by name in a summary; the rest are counted.
constexpr std::size_t kListedGpus = 4;

bool blank(char c) {
  return c == ' ' || c == '\t' || c == '\r';
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && blank(text.front())) text.remove_prefix(1);
  while (!text.empty() && blank(text.back())) text.remove_suffix(1);
  return text;
}

std::size_t indent_of(std::string_view line) {
  std::size_t n = 0;
  while (n < line.size() && (line[n] == ' ' || line[n] == '\t')) ++n;
  return n;
}

// Raw values while parsing; escaped only for what is kept and shown.
struct RawGpu {
  std::string_view bus_id;
  std::optional<std::string_view> state;
  std::optional<std::string_view> status;
};

enum class GpuOutcome { kReady, kWaiting, kFailed, kNotSupported };

GpuOutcome outcome_of(const RawGpu& gpu) {
  if (!gpu.state) return GpuOutcome::kFailed;
  const std::string_view state = *gpu.state;
  if (state == "Completed")
    return gpu.status == "Success" ? GpuOutcome::kReady : GpuOutcome::kFailed;
  if (state == "In Progress" || state == "Not Started") return GpuOutcome::kWaiting;
  if (state == "Not Supported" || state == "N/A") return GpuOutcome::kNotSupported;
  return GpuOutcome::kFailed;
}

std::string failure_of(const GpuFabricState& gpu) {
  if (gpu.state.empty()) return "GPU " + gpu.bus_id + " shows no Fabric State in nvidia-smi -q";
  if (gpu.state == "Completed")
    return "GPU " + gpu.bus_id + " failed NVLink fabric registration: State Completed, Status '" +
           gpu.status + "'";
  return "GPU " + gpu.bus_id + " has an unknown NVLink fabric State '" + gpu.state + "'";
}

std::string list_of(const std::vector<const GpuFabricState*>& gpus) {
  std::string out;
  for (std::size_t i = 0; i < gpus.size() && i < kListedGpus; ++i)
    out += (i ? ", " : "") + gpus[i]->bus_id + " " + gpus[i]->state +
           (gpus[i]->status.empty() ? "" : " (" + gpus[i]->status + ")");
  if (gpus.size() > kListedGpus)
    out += " and " + std::to_string(gpus.size() - kListedGpus) + " more";
  return out;
}

// parse_fabric_states without the summary's bound.
FabricStates parse_unbounded_summary(std::string_view smi_output, unsigned expected_gpus) {
  FabricStates result;
  if (smi_output.size() > kMaxSmiOutputBytes) {
    result.summary = "nvidia-smi -q printed more than " + std::to_string(kMaxSmiOutputBytes) +
                     " bytes: not its report";
    return result;
  }
  std::vector<RawGpu> raw;
  bool too_many = false;
  // Where the current GPU's Fabric section is: its header's indent, and that of its own keys
  // (the first line below it), so keys of its subsections (Health) are not taken for its own.
  // Indents of the Fabric section and of its keys; kUnset outside one. (Not std::optional:
  // GCC 12 at -Os warns that its value may be used uninitialized.)
  constexpr std::size_t kUnset = std::string_view::npos;
  std::size_t fabric_indent = kUnset;
  std::size_t key_indent = kUnset;
  bool fabric_seen = false;
  for_each_line(smi_output, [&](std::string_view line) {
    const std::string_view text = trim(line);
    if (text.empty() || too_many) return;
    const std::size_t indent = indent_of(line);
    if (indent == 0) {
      fabric_indent = kUnset;
      if (!text.starts_with("GPU ")) return;
      if (raw.size() == kMaxSmiGpus) {
        too_many = true;
        return;
      }
      raw.push_back({trim(text.substr(4)), std::nullopt, std::nullopt});
      fabric_seen = false;
      return;
    }
    if (raw.empty()) return;
    if (fabric_indent != kUnset && indent <= fabric_indent) fabric_indent = kUnset;
    if (fabric_indent == kUnset) {
      // Only a GPU's first Fabric section counts.
      if (text == "Fabric" && !fabric_seen) {
        fabric_indent = indent;
        key_indent = kUnset;
        fabric_seen = true;
      }
      return;
    }
    if (key_indent == kUnset) key_indent = indent;
    if (indent != key_indent) return;
    const std::size_t colon = text.find(':');
    if (colon == std::string_view::npos) return;
    const std::string_view key = trim(text.substr(0, colon));
    const std::string_view value = trim(text.substr(colon + 1));
    RawGpu& gpu = raw.back();
    if (key == "State" && !gpu.state) gpu.state = value;
    if (key == "Status" && !gpu.status) gpu.status = value;
  });

  std::vector<GpuOutcome> outcomes;
  for (const RawGpu& gpu : raw) {
    result.gpus.push_back({escape_for_log(gpu.bus_id, kShownBusId),
                           gpu.state ? escape_for_log(*gpu.state, kShownValue) : "",
                           gpu.status ? escape_for_log(*gpu.status, kShownValue) : ""});
    outcomes.push_back(outcome_of(gpu));
  }
  if (too_many || raw.size() != expected_gpus) {
    result.summary = "nvidia-smi -q lists " + std::string(too_many ? "more than " : "") +
                     std::to_string(raw.size()) + " GPU(s), gpu-configurator detected " +
                     std::to_string(expected_gpus);
    return result;
  }
  std::vector<const GpuFabricState*> waiting;
  std::vector<const GpuFabricState*> unsupported;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    switch (outcomes[i]) {
      case GpuOutcome::kFailed:
        result.summary = failure_of(result.gpus[i]);
        return result;
      case GpuOutcome::kWaiting:
        waiting.push_back(&result.gpus[i]);
        break;
      case GpuOutcome::kNotSupported:
        unsupported.push_back(&result.gpus[i]);
        break;
      case GpuOutcome::kReady:
        break;
    }
  }
  if (!waiting.empty()) {
    result.verdict = FabricVerdict::kWaiting;
    result.summary = "waiting for the NVLink fabric registration of " +
                     std::to_string(waiting.size()) + " GPU(s): " + list_of(waiting);
  } else if (!unsupported.empty()) {
    result.verdict = FabricVerdict::kNotSupported;
    result.summary =
        std::to_string(unsupported.size()) +
        " GPU(s) take no part in an NVLink fabric (pre-Hopper): " + list_of(unsupported);
  } else {
    result.verdict = FabricVerdict::kReady;
    result.summary = "NVLink fabric registration Completed with Success on all " +
                     std::to_string(raw.size()) + " GPU(s)";
  }
  return result;
}

}  // namespace

FabricStates parse_fabric_states(std::string_view smi_output, unsigned expected_gpus) {
  FabricStates result = parse_unbounded_summary(smi_output, expected_gpus);
  // Escaped device text can be four times its length: the summary is cut as a whole.
  if (result.summary.size() > kMaxSmiSummaryBytes) {
    result.summary.resize(kMaxSmiSummaryBytes - 3);
    result.summary += "...";
  }
  return result;
}

}  // namespace ccinit::fabric
