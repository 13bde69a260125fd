#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "proto/ccinit.pb.h"

namespace ccinit::pid1 {

inline constexpr char kHelperDir[] = "/usr/libexec/ccinit";
inline constexpr char kAgentPath[] = "/usr/bin/kata-agent";

struct HelperStep {
  std::string name;
  std::string purpose;  // what it will be asked to do, for --dry-run and the log
  std::chrono::seconds timeout;
};

// The helpers that run after the mounter, in order, for a validated config. The one
// source of truth for both the boot and `ccinit --dry-run`. Throws ConfigError for a mode
// this build cannot serve yet.
std::vector<HelperStep> helpers_after_mount(const wire::Config& config);

// The mounter runs before the command line can be read (it mounts /proc).
HelperStep mounter_step(const wire::Config& config);

// The whole plan as text: config, each helper with its job and timeout, the agent.
std::string describe_plan(const wire::Config& config);

}  // namespace ccinit::pid1
