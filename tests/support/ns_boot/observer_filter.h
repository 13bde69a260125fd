#pragma once

#include <linux/filter.h>

#include <cstddef>
#include <vector>

// The guest side of ns-boot --observe: the seccomp filter under which the guest's PID 1, and
// so every helper and tool, runs, and how its notification listener reaches the recorder
// (observer.h) in the top-level ns-boot process.
namespace ccinit::ns_boot {

// The fd the listener's number is written to. Any fixed number works (the exemption below
// also names the buffer's address and the count); one the guest setup never uses.
inline constexpr int kHandoverFd = 200;

// The observer's program: every x86_64 syscall becomes SECCOMP_RET_USER_NOTIF, except
// write(kHandoverFd, `buffer`, `count`), which hands the listener over and so cannot wait
// for it. Seccomp returns the highest-precedence action of all stacked filters, so under a
// helper's own filter a call that filter kills or fails (KILL, ERRNO) never reaches the
// recorder, and one it allows does: the recorder sees exactly what the real policies allow,
// and answering CONTINUE can never widen them.
// Foreign architectures (i386 via int 0x80) and x32 numbers are allowed, not notified: the
// observer must not change what the guest can do (PID 1 and the agent run unconfined; every
// helper's own filter kills those calls, so an allowed one is never a helper's), and the
// syscall table names x86_64 numbers only.
std::vector<sock_filter> observer_program(int fd, const void* buffer, std::size_t count);

// In the guest's PID 1, right before the exec of /sbin/init: installs observer_program and
// writes the listener's fd number (an int) to `handover_fd`, the write end of a pipe the
// recorder reads. The calls after that wait for the recorder's answers; the recorder takes
// the listener with pidfd_getfd before it answers any, so the listener may be closed (as
// close-on-exec) from then on. Needs CAP_SYS_ADMIN (the guest's PID 1 is root): no_new_privs
// is not set, since the guest must see the process it would see without observation.
// Throws SysError.
void install_observer(int handover_fd);

}  // namespace ccinit::ns_boot
