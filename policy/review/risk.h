#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "policy/review/review_model.h"

// How dangerous an allowed rule is, for lint, explain and score. The lists are the
// reviewer's (minijail's lint and sandbox2's defaults as the model); the build's own list
// of syscalls that need a comment (policy_validate.cc) is a subset of kDangerous.
namespace ccinit::policy::review {

enum class Risk { kLow, kMedium, kHigh, kCritical };

std::string_view risk_name(Risk risk);  // "low", "medium", "high", "critical"

// A syscall a rule may allow only with a justification comment of its own, unless the rule
// has the syscall's safe argument form.
bool is_dangerous(std::string_view syscall);

// The safe argument form of a dangerous syscall, in words ("" when it has none), e.g.
// mmap: "arg2 & PROT_EXEC == 0 (never executable)".
std::string_view safe_form(std::string_view syscall);

// The rule keeps to its syscall's safe form (false for a syscall without one).
bool has_safe_form(const ReviewRule& rule);

// The rule's risk class: critical (kernel code, namespaces, mounts, exec, identity), high
// (a dangerous syscall outside its safe form), medium (in its safe form, or changes files or
// talks over sockets), low (everything else).
Risk risk_of(const ReviewRule& rule);

// --- the exposure score ----------------------------------------------------------------
// Per helper: the weight of each allowed syscall's riskiest rule, plus kBroadWeight for each
// dangerous syscall allowed with any arguments, plus each capability kept, plus
// kExecWeight when the helper may execve: its tools run outside our code under the same
// filter and capabilities.
inline constexpr int kRiskWeight[] = {1, 3, 8, 20};  // low, medium, high, critical
inline constexpr int kBroadWeight = 5;
inline constexpr int kExecWeight = 15;
int capability_weight(std::string_view capability);  // CAP_SYS_ADMIN 25 ... others 8

struct Score {
  std::string helper;
  int syscalls = 0;
  int by_risk[4] = {0, 0, 0, 0};  // syscalls by their riskiest rule
  int broad = 0;                  // dangerous syscalls allowed with any arguments
  int capabilities = 0;           // the capabilities' weight
  bool exec = false;
  int total = 0;
};

Score score_helper(const HelperPolicy& policy, const std::vector<KeptCapability>& capabilities);

// The weights in words, for the review document and --help.
std::string score_weights_text();

}  // namespace ccinit::policy::review
