#pragma once

#include <linux/filter.h>

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "policy/policy_parser.h"

// What policyc makes of a parsed policy, with libseccomp, at build time.
namespace ccinit::policy {

// The libseccomp API level the programs are generated for. Pinned rather than probed, so
// that the bytes do not depend on the kernel of the machine that builds them: level 3 is
// the first with SECCOMP_RET_KILL_PROCESS (Linux 4.14).
inline constexpr unsigned kSeccompApiLevel = 3;

// The final seccomp program of `policy` for this architecture: foreign architectures and
// x32 syscall numbers killed, the fixed prologue (kNeverAllowed, and kModuleLoading unless
// the policy loads modules) killed, the allow rules, kill-process for everything else.
// Throws PolicyError naming the rule for what the parser would have refused (a prologue
// syscall, an unknown one, a syscall allowed both with and without conditions) and when
// libseccomp refuses a rule.
std::vector<sock_filter> compile_program(const ParsedPolicy& policy);

// Sanitizer builds (never shipped) also allow the sanitizer runtime's own calls once the
// filter is loaded: pipe2 probes whether memory is readable, sigaltstack is queried on
// every throw, the shared libgcc unwinder of those dynamic builds takes a futex lock, and
// the allocator hands freed blocks back with madvise when the one executable's globals are
// destroyed at exit. A syscall the policy allows only with conditions is then allowed without.
void add_sanitizer_rules(ParsedPolicy& policy);

// The program as the kernel takes it (struct sock_filter after struct sock_filter).
std::string program_bytes(std::span<const sock_filter> program);

// The C++ source policyc writes: the rule table and the program, as the definition of
// `const Policy ccinit::policy::<symbol>` for `helper`. Deterministic: the same policy
// gives the same bytes whatever directory it was read from and whatever kernel runs.
std::string generate_policy_source(const ParsedPolicy& policy, std::string_view helper,
                                   std::string_view symbol);

// The C++ source of policy/syscall_names.h's definitions: this architecture's syscall
// names by number, from libseccomp's table.
std::string generate_syscall_table_source();

}  // namespace ccinit::policy
