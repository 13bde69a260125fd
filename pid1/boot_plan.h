#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/helper_table.h"
#include "proto/ccinit.pb.h"

namespace ccinit::pid1 {

inline constexpr char kAgentPath[] = "/usr/bin/kata-agent";

// When a step of nvrc.mode=auto runs: that depends on what gpu-configurator detects. With an
// explicit mode every step's condition is known and the plan holds only steps that run.
enum class StepCondition {
  kAlways,
  kFabric,          // gpu-configurator found an NVLink fabric (GPU VM or service VM)
  kGpusWithFabric,  // ... and GPUs: the GPU daemons wait for the fabric
};

// One helper run of the boot: who (from helpers/helpers.table), where, for how long, and
// which part of its job.
struct HelperStep {
  std::string name;
  std::string path;     // /usr/libexec/ccinit/<name>
  std::string purpose;  // what it will be asked to do, for --dry-run and the log
  std::chrono::seconds timeout;
  wire::Stage stage = wire::STAGE_MAIN;
  StepCondition when = StepCondition::kAlways;
  bool detects = false;  // answers with the mode decision (Result.detected)
  bool sets_up_extensions = false;  // answers with what it set up (Result.extensions)
};

// Whether a step with condition `when` runs, given what was detected.
bool step_runs(StepCondition when, const wire::Detected& detected);

// The helpers that run before the kernel command line can be read (the mounter, which
// mounts /proc), with their fixed timeouts.
std::vector<HelperStep> helpers_before_cmdline();

// The helpers that run after the command line is read, in order, for a validated config.
// With helpers_before_cmdline(), the one source of truth for both the boot and
// `ccinit --dry-run`. Throws ConfigError for a setting that would have no effect in this
// plan (an nvrc.timeout.<name> of a helper or daemon the mode never runs, nvrc.fm.* without a
// fabric): every accepted key acts.
std::vector<HelperStep> helpers_after_cmdline(const wire::Config& config);

// The whole plan as text: config, each helper with its job and timeout, the agent.
std::string describe_plan(const wire::Config& config);

}  // namespace ccinit::pid1
