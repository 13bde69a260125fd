#include "helpers/runtime/seccomp_filter.h"

#include <linux/seccomp.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "common/sys_error.h"
#include "policy/bpf_listing.h"
#include "policy/policy_text.h"

namespace ccinit::helper {

namespace {

using policy::Op;
using policy::Rule;

}  // namespace

namespace {

// Older uapi headers lack it (Linux 5.7): with NEW_LISTENER, TSYNC must report a thread it
// could not sync as ESRCH, since the return value is the listener.
#ifndef SECCOMP_FILTER_FLAG_TSYNC_ESRCH
#define SECCOMP_FILTER_FLAG_TSYNC_ESRCH (1UL << 4)
#endif

sock_fprog checked_fprog(std::span<const sock_filter> program) {
  if (program.empty() || program.size() > BPF_MAXINSNS)
    throw std::runtime_error("the seccomp program has " + std::to_string(program.size()) +
                             " instructions; refusing to run without a filter");
  sock_fprog prog{};
  prog.len = static_cast<unsigned short>(program.size());
  // The kernel copies the program; it never writes through this pointer.
  prog.filter = const_cast<sock_filter*>(program.data());
  return prog;
}

}  // namespace

UniqueFd install_seccomp_program_with_listener(std::span<const sock_filter> program) {
  sock_fprog prog = checked_fprog(program);
  const long rc = ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
                            SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_TSYNC_ESRCH |
                                SECCOMP_FILTER_FLAG_NEW_LISTENER,
                            &prog);
  if (rc < 0) throw SysError("seccomp(SECCOMP_SET_MODE_FILTER, NEW_LISTENER)");
  return UniqueFd(static_cast<int>(rc));
}

void install_seccomp_program(std::span<const sock_filter> program) {
  sock_fprog prog = checked_fprog(program);
  const long rc = ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog);
  if (rc < 0) throw SysError("seccomp(SECCOMP_SET_MODE_FILTER)");
  // With TSYNC a positive result is a thread that could not take the filter.
  if (rc > 0)
    throw std::runtime_error("seccomp: thread " + std::to_string(rc) +
                             " could not be given the filter");
}

std::string describe_seccomp_filter(const policy::Policy& policy) {
  std::string out = "seccomp filter of " + std::string(policy.helper) + "\n";
  out +=
      "default action: kill the process (SIGSYS)\n"
      "foreign architectures and x32 syscall numbers (>= 0x40000000): kill the process\n"
      "never allowed:";
  for (auto name : policy::kNeverAllowed) out.append(" ").append(name);
  if (!policy.loads_modules)
    for (auto name : policy::kModuleLoading) out.append(" ").append(name);
  out.append("\nanswered ENOSYS (glibc then uses clone, whose flags are checked):");
  for (auto name : policy::kAnsweredEnosys) out.append(" ").append(name);
  out.append("\nallow-list (").append(std::to_string(policy.rules.size())).append(" rules):\n");
  for (const Rule& rule : policy.rules) {
    std::string line = "  ";
    line.append(rule.syscall);
    if (!rule.checks.empty()) line.append(" if ").append(policy::checks_text(rule.checks));
    if (!rule.text.empty()) {
      line.resize(std::max<std::size_t>(line.size() + 2, 48), ' ');
      line.append("# ").append(rule.text);
    }
    out.append(line).append("\n");
  }
  out += "BPF program (" + std::to_string(policy.program.size()) +
         " instructions, built with the helper; --print-bpf writes its bytes):\n";
  out += policy::bpf_listing(policy.program);
  return out;
}

}  // namespace ccinit::helper
