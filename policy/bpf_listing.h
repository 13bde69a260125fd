#pragma once

#include <linux/filter.h>

#include <span>
#include <string>

namespace ccinit::policy {

// A seccomp program as text, one numbered instruction a line, for a reviewer:
//      0  ld [4]                      ; arch
//      1  jeq #0xc000003e  jt 2 jf 40 ; AUDIT_ARCH_X86_64
//      3  jge #0x40000000  jt 40 jf 4 ; x32 syscall numbers
//      4  jeq #0x0  jt 39 jf 5        ; read
//     40  ret KILL_PROCESS
// Loads of struct seccomp_data are named (nr, arch, argN), comparisons of the syscall
// number name the syscall and jump targets are absolute instruction numbers.
std::string bpf_listing(std::span<const sock_filter> program);

}  // namespace ccinit::policy
