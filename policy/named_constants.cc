#include "policy/named_constants.h"

#include <fcntl.h>
#include <linux/dm-ioctl.h>
#include <linux/fs.h>
#include <linux/futex.h>
#include <linux/loop.h>
#include <linux/module.h>
#include <linux/netlink.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>

#include <algorithm>
#include <array>

namespace ccinit::policy {

namespace {

// Syscall arguments are compared as unsigned 64-bit numbers; a negative constant would
// silently mean something else, so the table refuses to compile with one.
template <auto V>
consteval std::uint64_t non_negative() {
  static_assert(V >= 0, "a policy constant must not be negative");
  return static_cast<std::uint64_t>(V);
}

// clang-format off
#define C(name) NamedConstant{#name, non_negative<(name)>()}

constexpr NamedConstant kUnsorted[] = {
    // socket(2) domains, types and protocols
    C(AF_UNSPEC), C(AF_UNIX), C(AF_LOCAL), C(AF_INET), C(AF_INET6), C(AF_NETLINK), C(AF_PACKET),
    C(AF_VSOCK), C(SOCK_STREAM), C(SOCK_DGRAM), C(SOCK_RAW), C(SOCK_SEQPACKET), C(SOCK_CLOEXEC),
    C(SOCK_NONBLOCK), C(NETLINK_ROUTE), C(NETLINK_KOBJECT_UEVENT), C(NETLINK_AUDIT), C(IPPROTO_IP),
    C(IPPROTO_TCP), C(IPPROTO_UDP), C(SOL_SOCKET), C(SO_REUSEADDR), C(SO_RCVBUF), C(SO_SNDBUF),
    C(SO_PASSCRED), C(SO_PEERCRED), C(SO_RCVTIMEO), C(SO_SNDTIMEO), C(SHUT_RD), C(SHUT_WR),
    C(SHUT_RDWR), C(MSG_PEEK), C(MSG_TRUNC), C(MSG_DONTWAIT), C(MSG_NOSIGNAL), C(MSG_CMSG_CLOEXEC),
    C(MSG_WAITALL),
    // mmap(2), mprotect(2), mremap(2), madvise(2), memfd_create(2)
    C(PROT_NONE), C(PROT_READ), C(PROT_WRITE), C(PROT_EXEC), C(MAP_SHARED), C(MAP_PRIVATE),
    C(MAP_SHARED_VALIDATE), C(MAP_FIXED), C(MAP_FIXED_NOREPLACE), C(MAP_ANONYMOUS),
    C(MAP_NORESERVE), C(MAP_GROWSDOWN), C(MAP_POPULATE), C(MAP_STACK), C(MAP_HUGETLB),
    C(MREMAP_MAYMOVE), C(MREMAP_FIXED), C(MADV_NORMAL), C(MADV_DONTNEED), C(MADV_FREE),
    C(MADV_DONTDUMP), C(MADV_WILLNEED), C(MADV_HUGEPAGE), C(MADV_NOHUGEPAGE), C(MFD_CLOEXEC),
    C(MFD_ALLOW_SEALING),
    // open(2) flags and fcntl(2) commands
    C(O_RDONLY), C(O_WRONLY), C(O_RDWR), C(O_ACCMODE), C(O_CREAT), C(O_EXCL), C(O_NOCTTY),
    C(O_TRUNC), C(O_APPEND), C(O_NONBLOCK), C(O_DSYNC), C(O_SYNC), C(O_ASYNC), C(O_DIRECT),
    C(O_DIRECTORY), C(O_NOFOLLOW), C(O_NOATIME), C(O_CLOEXEC), C(O_PATH), C(O_TMPFILE), C(F_DUPFD),
    C(F_DUPFD_CLOEXEC), C(F_GETFD), C(F_SETFD), C(F_GETFL), C(F_SETFL), C(F_GETLK), C(F_SETLK),
    C(F_SETLKW), C(F_OFD_GETLK), C(F_OFD_SETLK), C(F_OFD_SETLKW), C(F_GETPIPE_SZ), C(F_SETPIPE_SZ),
    C(F_ADD_SEALS), C(F_GET_SEALS), C(FD_CLOEXEC), C(AT_EMPTY_PATH), C(AT_SYMLINK_NOFOLLOW),
    C(AT_REMOVEDIR), C(AT_NO_AUTOMOUNT), C(SEEK_SET), C(SEEK_CUR), C(SEEK_END), C(S_IFMT),
    C(S_IFREG), C(S_IFDIR), C(S_IFCHR), C(S_IFBLK), C(S_IFIFO), C(S_IFSOCK), C(S_IFLNK),
    // ioctl(2) requests
    C(SIOCGIFFLAGS), C(SIOCSIFFLAGS), C(SIOCGIFINDEX), C(SIOCGIFMTU), C(SIOCSIFMTU), C(SIOCGIFADDR),
    C(SIOCSIFADDR), C(SIOCSIFNETMASK), C(TCGETS), C(TCSETS), C(TIOCGWINSZ), C(TIOCSCTTY),
    C(TIOCNOTTY), C(FIONREAD), C(FIONBIO), C(FIOCLEX), C(FIONCLEX), C(BLKGETSIZE64), C(BLKSSZGET),
    C(BLKRRPART), C(BLKROSET), C(BLKROGET), C(LOOP_CTL_GET_FREE), C(LOOP_CONFIGURE), C(LOOP_SET_FD),
    C(LOOP_CLR_FD), C(LOOP_SET_STATUS64), C(LOOP_GET_STATUS64), C(DM_DEV_CREATE),
    C(DM_TABLE_LOAD), C(DM_DEV_SUSPEND), C(DM_DEV_REMOVE),
    // clone(2) / unshare(2) / setns(2) flags (SIGCHLD is the usual exit signal in them)
    C(CLONE_VM), C(CLONE_FS), C(CLONE_FILES), C(CLONE_SIGHAND), C(CLONE_PIDFD), C(CLONE_PTRACE),
    C(CLONE_VFORK), C(CLONE_PARENT), C(CLONE_THREAD), C(CLONE_NEWNS), C(CLONE_SYSVSEM),
    C(CLONE_SETTLS), C(CLONE_PARENT_SETTID), C(CLONE_CHILD_CLEARTID), C(CLONE_DETACHED),
    C(CLONE_UNTRACED), C(CLONE_CHILD_SETTID), C(CLONE_NEWCGROUP), C(CLONE_NEWUTS), C(CLONE_NEWIPC),
    C(CLONE_NEWUSER), C(CLONE_NEWPID), C(CLONE_NEWNET), C(CLONE_IO), C(CLONE_NEWTIME),
    C(PIDFD_NONBLOCK), C(P_ALL), C(P_PID), C(P_PGID), C(P_PIDFD), C(WNOHANG), C(WUNTRACED),
    C(WSTOPPED), C(WEXITED), C(WCONTINUED), C(WNOWAIT), C(__WALL), C(__WCLONE),
    // prctl(2) options and their arguments
    C(PR_SET_PDEATHSIG), C(PR_GET_PDEATHSIG), C(PR_SET_DUMPABLE), C(PR_GET_DUMPABLE),
    C(PR_SET_NAME), C(PR_GET_NAME), C(PR_SET_KEEPCAPS), C(PR_GET_KEEPCAPS), C(PR_CAPBSET_READ),
    C(PR_CAPBSET_DROP), C(PR_CAP_AMBIENT), C(PR_CAP_AMBIENT_IS_SET), C(PR_CAP_AMBIENT_RAISE),
    C(PR_CAP_AMBIENT_LOWER), C(PR_CAP_AMBIENT_CLEAR_ALL), C(PR_SET_SECUREBITS),
    C(PR_GET_SECUREBITS), C(PR_SET_NO_NEW_PRIVS), C(PR_GET_NO_NEW_PRIVS), C(PR_SET_SECCOMP),
    C(PR_GET_SECCOMP), C(PR_SET_CHILD_SUBREAPER), C(PR_GET_CHILD_SUBREAPER), C(PR_SET_VMA),
    C(PR_SET_VMA_ANON_NAME),
    // mount(2), umount2(2) and the new mount API
    C(MS_RDONLY), C(MS_NOSUID), C(MS_NODEV), C(MS_NOEXEC), C(MS_SYNCHRONOUS), C(MS_REMOUNT),
    C(MS_MANDLOCK), C(MS_DIRSYNC), C(MS_NOSYMFOLLOW), C(MS_NOATIME), C(MS_NODIRATIME), C(MS_BIND),
    C(MS_MOVE), C(MS_REC), C(MS_SILENT), C(MS_UNBINDABLE), C(MS_PRIVATE), C(MS_SLAVE), C(MS_SHARED),
    C(MS_RELATIME), C(MS_STRICTATIME), C(MS_LAZYTIME), C(MNT_FORCE), C(MNT_DETACH), C(MNT_EXPIRE),
    C(UMOUNT_NOFOLLOW), C(FSOPEN_CLOEXEC), C(FSMOUNT_CLOEXEC), C(OPEN_TREE_CLONE),
    C(OPEN_TREE_CLOEXEC), C(MOVE_MOUNT_F_EMPTY_PATH), C(MOVE_MOUNT_T_EMPTY_PATH),
    C(MOUNT_ATTR_RDONLY), C(MOUNT_ATTR_NOSUID), C(MOUNT_ATTR_NODEV), C(MOUNT_ATTR_NOEXEC),
    // signals (kill(2), tgkill(2), and the exit signal in clone flags)
    C(SIGHUP), C(SIGINT), C(SIGQUIT), C(SIGILL), C(SIGTRAP), C(SIGABRT), C(SIGBUS), C(SIGFPE),
    C(SIGKILL), C(SIGUSR1), C(SIGSEGV), C(SIGUSR2), C(SIGPIPE), C(SIGALRM), C(SIGTERM),
    C(SIGSTKFLT), C(SIGCHLD), C(SIGCONT), C(SIGSTOP), C(SIGTSTP), C(SIGTTIN), C(SIGTTOU), C(SIGURG),
    C(SIGXCPU), C(SIGXFSZ), C(SIGVTALRM), C(SIGPROF), C(SIGWINCH), C(SIGIO), C(SIGPWR), C(SIGSYS),
    C(SIG_BLOCK), C(SIG_UNBLOCK), C(SIG_SETMASK),
    // finit_module(2)
    C(MODULE_INIT_IGNORE_MODVERSIONS), C(MODULE_INIT_IGNORE_VERMAGIC),
    // flags of the fd-creating calls, clocks, futexes, resource limits, getrandom(2)
    C(EFD_CLOEXEC), C(EFD_NONBLOCK), C(SFD_CLOEXEC), C(SFD_NONBLOCK), C(TFD_CLOEXEC),
    C(TFD_NONBLOCK), C(EPOLL_CLOEXEC), C(IN_CLOEXEC), C(IN_NONBLOCK), C(CLOCK_REALTIME),
    C(CLOCK_MONOTONIC), C(CLOCK_MONOTONIC_RAW), C(CLOCK_BOOTTIME), C(CLOCK_PROCESS_CPUTIME_ID),
    C(CLOCK_THREAD_CPUTIME_ID), C(TIMER_ABSTIME), C(FUTEX_WAIT), C(FUTEX_WAKE),
    C(FUTEX_WAIT_BITSET), C(FUTEX_WAKE_BITSET), C(FUTEX_PRIVATE_FLAG), C(FUTEX_CLOCK_REALTIME),
    C(RLIMIT_NOFILE), C(RLIMIT_CORE), C(RLIMIT_STACK), C(RLIMIT_AS), C(RLIMIT_DATA),
    C(RLIMIT_NPROC), C(RLIMIT_MEMLOCK), C(GRND_NONBLOCK), C(GRND_RANDOM), C(GRND_INSECURE),
};
// clang-format on

#undef C

constexpr auto kSorted = [] {
  std::array<NamedConstant, std::size(kUnsorted)> table{};
  std::copy(std::begin(kUnsorted), std::end(kUnsorted), table.begin());
  std::sort(table.begin(), table.end(),
            [](const NamedConstant& a, const NamedConstant& b) { return a.name < b.name; });
  return table;
}();

static_assert(std::adjacent_find(kSorted.begin(), kSorted.end(),
                                 [](const NamedConstant& a, const NamedConstant& b) {
                                   return a.name == b.name;
                                 }) == kSorted.end(),
              "a constant is listed twice");

}  // namespace

std::span<const NamedConstant> named_constants() {
  return kSorted;
}

std::optional<std::uint64_t> find_named_constant(std::string_view name) {
  auto it = std::lower_bound(
      kSorted.begin(), kSorted.end(), name,
      [](const NamedConstant& c, std::string_view wanted) { return c.name < wanted; });
  if (it == kSorted.end() || it->name != name) return std::nullopt;
  return it->value;
}

}  // namespace ccinit::policy
