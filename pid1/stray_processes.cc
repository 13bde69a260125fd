#include "pid1/stray_processes.h"

#include <signal.h>

#include <algorithm>
#include <unordered_map>

#include "common/log_escape.h"
#include "common/process_tree.h"

namespace ccinit::pid1 {

namespace {

constexpr int kMaxScans = 8;
constexpr int kMaxGenerations = 64;
constexpr std::size_t kNamedStrays = 3;

// Whether `entry` is below `self` with no tracked process on the way up.
bool is_stray(const ProcEntry& entry, const std::unordered_map<pid_t, const ProcEntry*>& by_pid,
              pid_t self, const std::function<bool(pid_t)>& tracked) {
  if (entry.pid == self || !entry.alive()) return false;
  const ProcEntry* at = &entry;
  for (int generation = 0; generation < kMaxGenerations; ++generation) {
    if (tracked(at->pid)) return false;
    if (at->ppid == self) return true;
    auto parent = by_pid.find(at->ppid);
    if (parent == by_pid.end()) return false;  // kernel threads, processes outside ours
    at = parent->second;
  }
  return true;  // a chain this deep below PID 1 is nobody's daemon
}

}  // namespace

std::vector<StrayProcess> kill_stray_processes(pid_t self,
                                               const std::function<bool(pid_t)>& tracked) {
  std::vector<StrayProcess> killed;
  for (int scan = 0; scan < kMaxScans; ++scan) {
    const std::vector<ProcEntry> entries = list_processes();
    std::unordered_map<pid_t, const ProcEntry*> by_pid;
    for (const ProcEntry& entry : entries) by_pid.emplace(entry.pid, &entry);
    bool found_new = false;
    for (const ProcEntry& entry : entries) {
      if (!is_stray(entry, by_pid, self, tracked)) continue;
      // Killed in an earlier scan but not dead yet: SIGKILL takes a moment.
      if (std::any_of(killed.begin(), killed.end(),
                      [&](const StrayProcess& s) { return s.pid == entry.pid; }))
        continue;
      ::kill(entry.pid, SIGKILL);
      killed.push_back({entry.pid, escape_for_log(entry.comm, 16)});
      found_new = true;
    }
    if (!found_new) break;
  }
  return killed;
}

std::string describe_strays(const std::vector<StrayProcess>& strays) {
  std::string text;
  for (std::size_t i = 0; i < strays.size() && i < kNamedStrays; ++i) {
    if (i > 0) text += ", ";
    text += "pid " + std::to_string(strays[i].pid) + " (" + strays[i].comm + ")";
  }
  if (strays.size() > kNamedStrays)
    text += " and " + std::to_string(strays.size() - kNamedStrays) + " more";
  return text;
}

}  // namespace ccinit::pid1
