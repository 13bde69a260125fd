#include "helpers/runtime/learn_report.h"

#include <algorithm>
#include <string_view>

#include "policy/policy_text.h"
#include "policy/review/constant_names.h"
#include "policy/syscall_names.h"

namespace ccinit::helper {

namespace {

bool listed(std::span<const std::string_view> names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::string calls_text(std::size_t n) {
  return std::to_string(n) + (n == 1 ? " call" : " calls");
}

}  // namespace

bool RefusalLog::never_allowed(long nr) const {
  return listed(policy::kNeverAllowed, policy::syscall_name(nr));
}

std::vector<unsigned> RefusalLog::key_args(std::string_view syscall) const {
  std::vector<unsigned> args;
  for (unsigned arg = 0; arg < 6; ++arg) {
    bool checked = policy::review::has_named_meaning(syscall, arg);
    for (const policy::Rule& rule : policy_.rules) {
      if (rule.syscall != syscall) continue;
      for (const policy::ArgCheck& check : rule.checks) checked = checked || check.arg == arg;
    }
    if (checked) args.push_back(arg);
  }
  return args;
}

void RefusalLog::record(long nr, const SyscallArgs& args, const std::string& comm) {
  Key key{nr, {}};
  const std::string_view name = policy::syscall_name(nr);
  if (!name.empty())
    for (unsigned arg : key_args(name)) key.second.emplace_back(arg, args[arg]);
  Seen& seen = seen_[key];
  if (seen.count++ == 0) seen.first_args = args;
  ++seen.by_comm[comm];
}

std::string RefusalLog::line(const Key& key, const Seen& seen) const {
  const std::string_view name = policy::syscall_name(key.first);
  std::string rule;
  if (name.empty()) {
    rule = "# syscall " + std::to_string(key.first) + " (no name on this architecture)";
  } else {
    std::vector<policy::ArgCheck> checks;
    for (const auto& [arg, value] : key.second) checks.push_back({arg, policy::Op::kEq, 0, value});
    rule = std::string(name);
    if (!checks.empty()) rule += ": " + policy::review::conditions_text(name, checks);
    if (listed(policy::kNeverAllowed, name)) rule = "# " + rule;
  }
  std::string comment = "  # " + calls_text(seen.count) + ":";
  const char* separator = " ";
  for (const auto& [comm, count] : seen.by_comm) {
    comment += separator + comm;
    if (seen.by_comm.size() > 1) comment += " (" + std::to_string(count) + ")";
    separator = ", ";
  }
  if (name.empty() || key.second.empty()) {
    comment += "; arguments of the first:";
    for (std::uint64_t value : seen.first_args) comment += " " + policy::hex_text(value);
  }
  if (listed(policy::kNeverAllowed, name))
    comment += "; never allowed by any policy (fixed prologue), so answered EPERM, not run";
  if (listed(policy::kModuleLoading, name) && !policy_.loads_modules)
    comment += "; needs '@allow module-loading'";
  return rule + comment + "\n";
}

std::string RefusalLog::report() const {
  const std::string helper(policy_.helper);
  if (seen_.empty())
    return helper + ": learn: the shipped policy would have refused nothing in this run\n";
  std::size_t total = 0;
  std::vector<std::pair<std::string, std::string>> lines;  // syscall name, line
  for (const auto& [key, seen] : seen_) {
    total += seen.count;
    lines.emplace_back(std::string(policy::syscall_name(key.first)), line(key, seen));
  }
  std::stable_sort(lines.begin(), lines.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string out = helper + ": learn: the shipped policy would have refused " +
                    std::to_string(seen_.size()) + " distinct " +
                    (seen_.size() == 1 ? "call" : "calls") + " (" + calls_text(total) +
                    " in all), as policy lines to review:\n";
  for (const auto& [name, text] : lines) out += text;
  return out;
}

}  // namespace ccinit::helper
