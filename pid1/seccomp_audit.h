#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

namespace ccinit::pid1 {

// When the kernel kills a process for a seccomp violation it logs an audit record
// ("audit: type=1326 ... pid=N ... sig=31 arch=c000003e syscall=NNN ...") to the kernel
// log. Returns the syscall's name (or number) from the newest such record for pid in the
// given kmsg text, if any.
std::optional<std::string> seccomp_syscall_from_kmsg(std::string_view kmsg_records, pid_t pid);

// Reads /dev/kmsg for that record; the audit thread may print it a moment after the kill,
// so this waits up to `patience_ms` for it.
std::optional<std::string> find_seccomp_syscall(pid_t pid, int patience_ms);

}  // namespace ccinit::pid1
