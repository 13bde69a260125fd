#include "tests/support/ns_boot/observation_log.h"

#include <algorithm>

#include "policy/syscall_names.h"

namespace ccinit::ns_boot {

std::string comm_token(std::string_view comm) {
  std::string token(comm.empty() ? "?" : comm);
  for (char& c : token) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= ' ' || byte == ',' || byte == 0x7f) c = '_';
  }
  return token;
}

const std::vector<unsigned>& ObservationLog::checked_args(const policy::Policy& policy,
                                                          std::string_view syscall) {
  auto [it, added] = checked_.try_emplace({&policy, std::string(syscall)});
  if (added) {
    for (const policy::Rule& rule : policy.rules)
      if (rule.syscall == syscall)
        for (const policy::ArgCheck& check : rule.checks) it->second.push_back(check.arg);
    std::sort(it->second.begin(), it->second.end());
    it->second.erase(std::unique(it->second.begin(), it->second.end()), it->second.end());
  }
  return it->second;
}

std::string ObservationLog::record(const HelperPolicy& helper, long nr,
                                   const std::array<std::uint64_t, 6>& args,
                                   std::string_view comm) {
  Key key{std::string(helper.name), std::string(policy::syscall_name(nr)), {}};
  // A number the table does not name (a syscall newer than libseccomp's table).
  if (key.syscall.empty()) key.syscall = "nr" + std::to_string(nr);
  if (helper.policy)
    for (unsigned arg : checked_args(*helper.policy, key.syscall))
      if (arg < args.size()) key.args.emplace_back(arg, args[arg]);
  auto [entry, added] = seen_.try_emplace(std::move(key));
  ++entry->second.calls;
  std::string token = comm_token(comm);
  const bool new_comm = entry->second.by.insert(token).second;
  if (!added && !new_comm) return "";
  return call_of(entry->first, Seen{1, {token}}).line_text();
}

policy::review::ObservedCall ObservationLog::call_of(const Key& key, const Seen& seen) {
  policy::review::ObservedCall call;
  call.helper = key.helper;
  call.syscall = key.syscall;
  call.args = key.args;
  call.calls = seen.calls;
  call.by.assign(seen.by.begin(), seen.by.end());
  return call;
}

std::string ObservationLog::text() const {
  std::vector<policy::review::ObservedCall> calls;
  for (const auto& [key, seen] : seen_) calls.push_back(call_of(key, seen));
  return policy::review::observation_text(calls);
}

}  // namespace ccinit::ns_boot
