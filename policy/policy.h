#pragma once

#include <linux/filter.h>

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

// The compiled form of a policy/<helper>.policy file. policyc generates one
// `const ccinit::policy::Policy ccinit::policy::policy_<helper>` per helper (its name with '-'
// turned into '_'), so that several helpers' policies can live in one executable; declare it
// where needed as `namespace ccinit::policy { extern const Policy policy_<helper>; }`.
// The helper runtime installs `program` as it is: the seccomp filter was built, with
// libseccomp, when the helper was.
namespace ccinit::policy {

enum class Op : std::uint8_t { kEq, kNe, kLt, kLe, kGt, kGe, kMaskedEq };

// One comparison of a syscall argument (libseccomp's scmp_arg_cmp). For kMaskedEq the
// check is (arg & mask) == value.
struct ArgCheck {
  unsigned arg;
  Op op;
  std::uint64_t mask;
  std::uint64_t value;

  bool operator==(const ArgCheck&) const = default;
};

// One allow rule: the syscall is allowed when every check holds. A syscall with several
// rules is allowed when any of them holds.
struct Rule {
  std::string_view syscall;
  std::span<const ArgCheck> checks;
  std::string_view text;  // the rule as written in the policy file, for --print-policy
};

struct Policy {
  std::string_view helper;
  // Set by the `@allow module-loading` directive: init_module/finit_module may then be
  // listed. Without it the fixed prologue refuses them like ptrace or bpf.
  bool loads_modules;
  std::span<const Rule> rules;  // for --print-policy; the program is what is enforced
  // The final seccomp BPF program: architecture and x32 checks, the fixed prologue, the
  // allow-list with its argument checks, kill-process for everything else.
  std::span<const sock_filter> program;
};

// The fixed prologue: syscalls no policy may allow. policyc refuses a policy that lists them.
inline constexpr std::array<std::string_view, 5> kNeverAllowed = {"ptrace", "bpf", "kexec_load",
                                                                  "kexec_file_load", "reboot"};
// Answered ENOSYS in every policy, never allowed or killed: clone3 passes its flags in memory,
// which a filter cannot read, so allowing it would allow new namespaces whatever a policy
// says about clone. glibc (2.34+) falls back to clone on ENOSYS, whose flags a policy checks.
inline constexpr std::array<std::string_view, 1> kAnsweredEnosys = {"clone3"};

// Refused like kNeverAllowed unless the policy says `@allow module-loading`.
inline constexpr std::array<std::string_view, 3> kModuleLoading = {"init_module", "finit_module",
                                                                   "delete_module"};

}  // namespace ccinit::policy
