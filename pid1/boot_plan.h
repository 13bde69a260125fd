#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/helper_table.h"
#include "proto/ccinit.pb.h"

namespace ccinit::pid1 {

inline constexpr char kAgentPath[] = "/usr/bin/kata-agent";

// One helper run of the boot: who (from helpers/helpers.table), where, and for how long.
struct HelperStep {
  std::string name;
  std::string path;     // /usr/libexec/ccinit/<name>
  std::string purpose;  // what it will be asked to do, for --dry-run and the log
  std::chrono::seconds timeout;
};

// The helpers that run before the kernel command line can be read (the mounter, which
// mounts /proc), with their fixed timeouts.
std::vector<HelperStep> helpers_before_cmdline();

// The helpers that run after the command line is read, in order, for a validated config.
// With helpers_before_cmdline(), the one source of truth for both the boot and
// `ccinit --dry-run`. Throws ConfigError for a mode this build cannot serve yet, and for an
// nvrc.timeout.<name> that would have no effect in this plan (a helper the mode does not
// run): every accepted key acts.
std::vector<HelperStep> helpers_after_cmdline(const wire::Config& config);

// The whole plan as text: config, each helper with its job and timeout, the agent.
std::string describe_plan(const wire::Config& config);

}  // namespace ccinit::pid1
