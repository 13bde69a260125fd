#include "pid1/daemon_report.h"

#include "common/log_escape.h"
#include "common/process_tree.h"

namespace ccinit::pid1 {

namespace {

constexpr int kMaxGenerations = 64;

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxDaemonNameBytes) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// Why `pid` is not a live process the helper started, or nullopt.
std::optional<std::string> not_started_by_helper(pid_t pid, const DaemonReportContext& context) {
  auto entry = read_proc_entry(pid);
  if (!entry || !entry->alive()) return "is not running";
  for (int generation = 0; generation < kMaxGenerations; ++generation) {
    if (entry->ppid == context.helper) return std::nullopt;
    if (entry->ppid == context.self)
      return context.known_to_pid1(entry->pid)
                 ? std::optional<std::string>("was not started by this helper")
                 : std::nullopt;
    if (entry->ppid <= 0) return "was not started by this helper";
    entry = read_proc_entry(entry->ppid);
    if (!entry) return "was not started by this helper";
  }
  return "has more than 64 generations of parents";
}

}  // namespace

std::optional<std::string> check_daemon_report(std::string_view name, std::int64_t pid,
                                               const DaemonReportContext& context) {
  if (context.accepted >= kMaxDaemonsPerHelper)
    return "more than " + std::to_string(kMaxDaemonsPerHelper) + " daemons reported";
  if (!valid_name(name))
    return "daemon name '" + escape_for_log(name, kMaxDaemonNameBytes) + "' is not 1-" +
           std::to_string(kMaxDaemonNameBytes) + " characters of [A-Za-z0-9._-]";
  const std::string who = "daemon " + std::string(name) + " (pid " + std::to_string(pid) + ")";
  if (pid <= 0 || pid > INT32_MAX) return who + " is not a possible daemon pid";
  const auto p = static_cast<pid_t>(pid);
  if (p == 1 || p == context.helper || p == context.self)
    return who + " was not started by this helper";
  if (context.known_to_pid1(p)) return who + " was reported before";
  if (auto why = not_started_by_helper(p, context)) return who + " " + *why;
  return std::nullopt;
}

}  // namespace ccinit::pid1
