#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "policy/policy.h"

// The text form of a helper's seccomp allow-list (policy/<helper>.policy) and its checks.
//
//   # A comment block says why the rule lines right below it (a group) are needed; a blank
//   # line ends a group. Every group needs one.
//   @include runtime.policy        # one level deep, only from the helper's own file
//   @allow module-loading          # lets init_module/finit_module/delete_module be listed
//   read
//   # mmap: never writable and executable together
//   mmap: arg2 & PROT_WRITE|PROT_EXEC != PROT_WRITE|PROT_EXEC
//   socket: arg0 == AF_UNIX || arg0 == AF_NETLINK     # a trailing comment also counts
//
// A condition is `argN OP VALUE` (OP: == != < <= > >=, unsigned 64-bit) or
// `argN & MASK == VALUE` / `argN & MASK != VALUE`; `&&` joins conditions of one rule and `||`
// separates alternative rules for the same syscall. VALUE is a number (decimal, 0x hex,
// 0 octal), a named constant (policy/named_constants.h) or `A|B|...` of them.
namespace ccinit::policy {

// A policy that cannot be accepted. what() is one line: "file:line: message".
class PolicyError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One libseccomp rule, after `||` alternatives and masked `!=` have been expanded and the
// conditions on one argument merged (libseccomp takes one comparison per argument).
struct ParsedRule {
  std::string syscall;
  std::vector<ArgCheck> checks;  // sorted by argument; all must hold
  std::string text;              // "runtime.policy:12: mmap: arg2 & ..." (file's base name)
};

struct ParsedPolicy {
  bool loads_modules = false;
  std::vector<ParsedRule> rules;  // in file order, an include's rules where it is included
};

// Reads, parses and validates a policy file and the files it includes (resolved relative to
// its directory). Throws PolicyError on the first problem.
ParsedPolicy parse_policy_file(const std::filesystem::path& path);

// The same for text in memory: `file` names it in messages (its base name in rule texts) and
// includes are looked up in `include_dir`.
ParsedPolicy parse_policy_text(std::string_view text, const std::string& file,
                               const std::filesystem::path& include_dir);

// Syscalls that need a comment of their own (the line directly above or at the line's end).
bool is_risky_syscall(std::string_view name);

}  // namespace ccinit::policy
