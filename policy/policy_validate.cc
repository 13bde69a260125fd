#include <seccomp.h>

#include <algorithm>
#include <span>

#include "policy/policy_stages.h"
#include "policy/policy_text.h"

// Validation: what a policy may say, beyond its syntax.
namespace ccinit::policy {

namespace {

// Syscalls that need a comment of their own in a policy.
// clang-format off
constexpr std::string_view kRiskySyscalls[] = {
    "ioctl", "socket", "socketpair", "connect", "bind",
    "clone", "clone3", "fork", "vfork", "execve", "execveat",
    "mount", "umount2", "move_mount", "fsopen", "fsmount", "fsconfig", "open_tree",
    "pivot_root", "chroot", "setns", "unshare", "prctl",
    "mprotect", "pkey_mprotect", "mmap",
    "kill", "tgkill", "tkill",
    "setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setfsuid",
    "setfsgid", "setgroups", "capset", "seccomp",
    "keyctl", "add_key", "request_key", "personality", "perf_event_open", "userfaultfd",
    "process_vm_writev", "open_by_handle_at",
    "init_module", "finit_module", "delete_module",
    "io_uring_setup", "io_uring_enter", "io_uring_register"};
// clang-format on

bool contains(std::span<const std::string_view> list, std::string_view name) {
  return std::find(list.begin(), list.end(), name) != list.end();
}

}  // namespace

bool is_risky_syscall(std::string_view name) {
  return contains(kRiskySyscalls, name);
}

}  // namespace ccinit::policy

namespace ccinit::policy::detail {

void Validator::check_syscall(const std::string& name, const std::string& file, int line) {
  const int nr = seccomp_syscall_resolve_name_arch(SCMP_ARCH_NATIVE, name.c_str());
  if (nr == __NR_SCMP_ERROR) fail(file, line, "unknown syscall '" + name + "'");
  if (nr < 0) fail(file, line, "syscall '" + name + "' does not exist on this architecture");
  if (contains(kNeverAllowed, name))
    fail(file, line,
         name +
             " is never allowed: the fixed prologue refuses ptrace, bpf, kexec_load, "
             "kexec_file_load and reboot in every policy");
  if (contains(kAnsweredEnosys, name))
    fail(file, line,
         name +
             " is answered ENOSYS in every policy (its flags are out of a filter's reach; glibc "
             "then uses clone): allow clone with its flag conditions instead");
  if (contains(kModuleLoading, name) && !module_rule_error_)
    module_rule_error_ = file + ":" + std::to_string(line) + ": " + name +
                         " needs '@allow module-loading' in the helper's policy file";
}

void Validator::check_group_comment(bool group_says_why, const std::string& file, int line) {
  if (!group_says_why)
    fail(file, line,
         "rules without a comment: put a comment block above this group saying why "
         "these syscalls are needed");
}

void Validator::check_own_comment(const std::string& name, bool own_comment,
                                  const std::string& file, int line) {
  if (is_risky_syscall(name) && !own_comment)
    fail(file, line,
         name +
             " is a risky syscall and needs a comment of its own (on the line "
             "directly above or at the end of this line) saying why");
}

void Validator::check_rule(const std::string& name, const std::vector<ArgCheck>& checks,
                           const std::string& where, const std::string& file, int line) {
  auto& use = uses_[name];
  if (checks.empty() && !use.conditional.empty())
    fail(file, line,
         name + " is allowed here without conditions, which would void the conditions of " +
             use.conditional);
  if (!checks.empty() && !use.unconditional.empty())
    fail(file, line,
         name + " is already allowed without conditions by " + use.unconditional +
             ", which would void these conditions");
  const std::string key = name + " " + checks_text(checks);
  auto [it, inserted] = seen_.emplace(key, where);
  if (!inserted)
    fail(file, line,
         "duplicate rule: " + name + (checks.empty() ? "" : " with " + checks_text(checks)) +
             " is already allowed by " + it->second);
  (checks.empty() ? use.unconditional : use.conditional) = where;
}

void Validator::allow_module_loading(const std::string& where, bool included,
                                     const std::string& file, int line) {
  if (included)
    fail(file, line,
         "@allow module-loading belongs in the helper's own policy file, not in an included "
         "one");
  if (allow_modules_at_) fail(file, line, "@allow module-loading given twice");
  allow_modules_at_ = where;
}

void Validator::finish(const ParsedPolicy& policy) const {
  if (module_rule_error_ && !allow_modules_at_) throw PolicyError(*module_rule_error_);
  if (allow_modules_at_) {
    const bool listed =
        std::any_of(policy.rules.begin(), policy.rules.end(),
                    [](const ParsedRule& r) { return contains(kModuleLoading, r.syscall); });
    if (!listed)
      throw PolicyError(*allow_modules_at_ +
                        ": @allow module-loading, but no init_module, finit_module or "
                        "delete_module rule uses it");
  }
}

}  // namespace ccinit::policy::detail
