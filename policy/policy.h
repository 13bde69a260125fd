#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

// The compiled form of a policy/<helper>.policy file. policyc generates one
// `const ccinit::policy::Policy policy_<helper>` per helper from the text file; the helper
// runtime turns it into a seccomp filter with libseccomp at start-up.
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
  std::span<const Rule> rules;
};

// The fixed prologue: syscalls no policy may allow. policyc refuses a policy that lists them
// and the runtime refuses (does not load) a table that somehow does.
inline constexpr std::array<std::string_view, 5> kNeverAllowed = {"ptrace", "bpf", "kexec_load",
                                                                  "kexec_file_load", "reboot"};
// Refused like kNeverAllowed unless the policy says `@allow module-loading`.
inline constexpr std::array<std::string_view, 3> kModuleLoading = {"init_module", "finit_module",
                                                                   "delete_module"};

}  // namespace ccinit::policy
