#include "helpers/runtime/seccomp_filter.h"

#include <seccomp.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <stdexcept>
#include <vector>

#include "common/file_io.h"
#include "common/sys_error.h"
#include "common/unique_fd.h"

namespace ccinit::helper {

namespace {

using policy::Op;
using policy::Policy;
using policy::Rule;

struct FilterRelease {
  void operator()(void* ctx) const { seccomp_release(ctx); }
};
using Filter = std::unique_ptr<void, FilterRelease>;

std::string rule_name(const Rule& rule) {
  return rule.text.empty() ? std::string(rule.syscall) : std::string(rule.text);
}

[[noreturn]] void refuse(const Rule& rule, const std::string& why) {
  throw std::runtime_error("seccomp rule '" + rule_name(rule) + "': " + why);
}

bool listed(std::span<const std::string_view> names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// The fixed prologue again, at run time: the table comes from policyc, which refuses all
// of this already, but a table that somehow lists ptrace must not be loaded either.
void check_rules(const Policy& policy) {
  std::map<std::string_view, std::pair<bool, bool>> kinds;  // unconditional, conditional
  for (const Rule& rule : policy.rules) {
    if (listed(policy::kNeverAllowed, rule.syscall))
      refuse(rule, std::string(rule.syscall) +
                       " is never allowed (fixed prologue: ptrace, bpf, kexec_load, "
                       "kexec_file_load, reboot)");
    if (listed(policy::kModuleLoading, rule.syscall) && !policy.loads_modules)
      refuse(rule, std::string(rule.syscall) +
                       " is refused unless the policy says '@allow module-loading'");
    auto& [unconditional, conditional] = kinds[rule.syscall];
    (rule.checks.empty() ? unconditional : conditional) = true;
    // libseccomp lets an unconditional rule silently void the conditional ones.
    if (unconditional && conditional)
      refuse(rule, std::string(rule.syscall) +
                       " is allowed both with and without conditions; the conditions would "
                       "be void");
  }
}

scmp_compare to_scmp(Op op) {
  switch (op) {
    case Op::kEq:
      return SCMP_CMP_EQ;
    case Op::kNe:
      return SCMP_CMP_NE;
    case Op::kLt:
      return SCMP_CMP_LT;
    case Op::kLe:
      return SCMP_CMP_LE;
    case Op::kGt:
      return SCMP_CMP_GT;
    case Op::kGe:
      return SCMP_CMP_GE;
    case Op::kMaskedEq:
      return SCMP_CMP_MASKED_EQ;
  }
  return _SCMP_CMP_MIN;  // invalid: libseccomp refuses it
}

void set_attr(void* ctx, scmp_filter_attr attr, std::uint32_t value, const char* what) {
  const int rc = seccomp_attr_set(ctx, attr, value);
  if (rc < 0) throw SysError(std::string("seccomp_attr_set ") + what, -rc);
}

void add_rule(void* ctx, const Rule& rule) {
  const std::string name(rule.syscall);
  const int nr = seccomp_syscall_resolve_name(name.c_str());
  if (nr == __NR_SCMP_ERROR) refuse(rule, "unknown syscall '" + name + "'");
  if (nr < 0) refuse(rule, "syscall '" + name + "' does not exist on this architecture");
  if (rule.checks.size() > 6) refuse(rule, "more than 6 argument checks");
  std::vector<scmp_arg_cmp> cmps;
  for (const auto& check : rule.checks) {
    if (check.arg > 5) refuse(rule, "argument " + std::to_string(check.arg) + " out of range");
    if (static_cast<unsigned>(check.op) > static_cast<unsigned>(Op::kMaskedEq))
      refuse(rule, "invalid comparison " + std::to_string(static_cast<unsigned>(check.op)));
    if (check.op == Op::kMaskedEq) {
      cmps.push_back({check.arg, SCMP_CMP_MASKED_EQ, check.mask, check.value});
    } else {
      cmps.push_back({check.arg, to_scmp(check.op), check.value, 0});
    }
  }
  const int rc = seccomp_rule_add_exact_array(ctx, SCMP_ACT_ALLOW, nr,
                                              static_cast<unsigned>(cmps.size()), cmps.data());
  if (rc < 0) refuse(rule, std::string("libseccomp refused it: ") + std::strerror(-rc));
}

// Prologue + allow rules + kill-process for everything else.
Filter build_filter(const Policy& policy) {
  check_rules(policy);
  Filter filter(seccomp_init(SCMP_ACT_KILL_PROCESS));
  if (!filter) throw std::runtime_error("seccomp_init(SCMP_ACT_KILL_PROCESS) failed");
  // A foreign architecture's syscall numbers mean other syscalls: kill, never translate.
  // libseccomp sends x32 numbers (nr >= 0x40000000) on x86_64 to this action as well.
  set_attr(filter.get(), SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS, "ACT_BADARCH");
  // Every thread, should a library have started one, gets the same filter.
  set_attr(filter.get(), SCMP_FLTATR_CTL_TSYNC, 1, "CTL_TSYNC");
  for (const Rule& rule : policy.rules) add_rule(filter.get(), rule);
  return filter;
}

std::string hex(std::uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string checks_text(const Rule& rule) {
  static constexpr const char* kOps[] = {"==", "!=", "<", "<=", ">", ">=", "=="};
  std::string out;
  for (const auto& c : rule.checks) {
    out += out.empty() ? " if " : " && ";
    out.append("arg").append(std::to_string(c.arg));
    if (c.op == Op::kMaskedEq) out.append(" & ").append(hex(c.mask));
    out.append(" ").append(kOps[static_cast<int>(c.op)]).append(" ").append(hex(c.value));
  }
  return out;
}

std::string export_pfc(void* ctx) {
  UniqueFd fd(::memfd_create("seccomp-pfc", MFD_CLOEXEC));
  if (!fd) throw SysError("memfd_create for the PFC export");
  const int rc = seccomp_export_pfc(ctx, fd.get());
  if (rc < 0) throw SysError("seccomp_export_pfc", -rc);
  if (::lseek(fd.get(), 0, SEEK_SET) < 0) throw SysError("lseek on the PFC export");
  try {
    return read_all(fd.get());
  } catch (const SysError& e) {
    throw SysError("reading the PFC export", e.code());
  }
}

}  // namespace

void load_seccomp_filter(const policy::Policy& policy) {
  Filter filter = build_filter(policy);
  const int rc = seccomp_load(filter.get());
  if (rc < 0) throw SysError("seccomp_load", -rc);
}

std::string describe_seccomp_filter(const policy::Policy& policy) {
  Filter filter = build_filter(policy);
  std::string out = "seccomp filter of " + std::string(policy.helper) + "\n";
  out +=
      "default action: kill the process (SIGSYS)\n"
      "foreign architectures and x32 syscall numbers (>= 0x40000000): kill the process\n"
      "never allowed:";
  for (auto name : policy::kNeverAllowed) out.append(" ").append(name);
  if (!policy.loads_modules)
    for (auto name : policy::kModuleLoading) out.append(" ").append(name);
  out.append("\nallow-list (").append(std::to_string(policy.rules.size())).append(" rules):\n");
  for (const Rule& rule : policy.rules) {
    std::string line = "  ";
    line.append(rule.syscall).append(checks_text(rule));
    if (!rule.text.empty()) {
      line.resize(std::max<std::size_t>(line.size() + 2, 48), ' ');
      line.append("# ").append(rule.text);
    }
    out.append(line).append("\n");
  }
  out += "libseccomp pseudo filter code (PFC; the x32 check is in the BPF, not shown here):\n";
  out += export_pfc(filter.get());
  return out;
}

}  // namespace ccinit::helper
