#pragma once

#include <cstdint>
#include <string_view>

// This architecture's syscall names by number. Defined in code that policyc generates at
// build time from libseccomp's table (policyc --syscall-table), so that what ships needs no
// libseccomp to name a syscall.
namespace ccinit::policy {

// The AUDIT_ARCH_* value of the architecture the table is for (AUDIT_ARCH_X86_64 here).
extern const std::uint32_t kSyscallTableArch;

// The name of syscall `nr` of that architecture, or "" when it has none.
std::string_view syscall_name(long nr);

}  // namespace ccinit::policy
