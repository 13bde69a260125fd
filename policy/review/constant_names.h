#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "policy/policy.h"

// Rule conditions written back with the named constants a policy may use
// (policy/named_constants.h), chosen by what the syscall's argument means: `socket` arg0 as
// AF_*, `openat` arg2 as O_* flags, `mkdir` arg1 as an octal mode. An argument without a
// known meaning, or a value no constant names, is written as a number.
namespace ccinit::policy::review {

// "AF_UNIX", "O_ACCMODE|O_CREAT|O_TRUNC", "0755", "0x1f".
std::string value_text(std::string_view syscall, unsigned arg, std::uint64_t value);

// Whether argument `arg` of `syscall` has a known meaning (flags, a mode, an enum): the
// arguments worth a condition, as opposed to pointers and counts.
bool has_named_meaning(std::string_view syscall, unsigned arg);

// "arg0 == AF_UNIX && arg2 & O_ACCMODE == O_WRONLY"; "" for no checks.
std::string conditions_text(std::string_view syscall, std::span<const ArgCheck> checks);

}  // namespace ccinit::policy::review
