#include "tests/support/ns_boot/observer_filter.h"

#include <fcntl.h>
#include <linux/seccomp.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>

#include "common/sys_error.h"
#include "common/unique_fd.h"
#include "helpers/runtime/seccomp_filter.h"
#include "policy/syscall_names.h"

namespace ccinit::ns_boot {

namespace {

// x32 syscall numbers have this bit set (__X32_SYSCALL_BIT).
constexpr std::uint32_t kX32Bit = 0x40000000;

constexpr std::uint32_t arg_word(unsigned arg, bool high) {
  // Little-endian: the low word of a 64-bit argument comes first.
  return static_cast<std::uint32_t>(offsetof(seccomp_data, args) + 8 * arg + (high ? 4 : 0));
}

}  // namespace

std::vector<sock_filter> observer_program(int fd, const void* buffer, std::size_t count) {
  const std::uint64_t values[3] = {static_cast<std::uint64_t>(fd),
                                   reinterpret_cast<std::uintptr_t>(buffer), count};
  // Two returns at the end; every jump below goes forward to one of them.
  constexpr std::size_t kBody = 2 + 2 + 1 + 3 * 4;
  constexpr std::size_t kAllow = kBody, kNotify = kBody + 1;
  std::vector<sock_filter> p;
  auto to = [&](std::size_t target) { return static_cast<std::uint8_t>(target - p.size() - 1); };
  p.push_back(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)));
  p.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, policy::kSyscallTableArch, 0, to(kAllow)));
  p.push_back(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)));
  p.push_back(BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, kX32Bit, to(kAllow), 0));
  p.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_write, 0, to(kNotify)));
  for (unsigned arg = 0; arg < 3; ++arg) {
    for (bool high : {false, true}) {
      const auto word = static_cast<std::uint32_t>(high ? values[arg] >> 32 : values[arg]);
      p.push_back(BPF_STMT(BPF_LD | BPF_W | BPF_ABS, arg_word(arg, high)));
      p.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, word, 0, to(kNotify)));
    }
  }
  p.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
  p.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF));
  return p;
}

void install_observer(int handover_fd) {
  // Handing the listener over (design choice): its number goes through a pipe whose end sits
  // at a fixed fd, by the one call the filter exempts, and the recorder takes it with
  // pidfd_getfd. This needs no guessing of the listener's number and no polling: every later
  // call waits in the kernel until the recorder, holding the listener, answers it.
  if (::dup3(handover_fd, kHandoverFd, O_CLOEXEC) < 0) throw SysError("dup3 --observe pipe");
  int number = -1;
  const std::vector<sock_filter> program = observer_program(kHandoverFd, &number, sizeof number);
  UniqueFd listener = helper::install_seccomp_program_with_listener(program);
  number = listener.get();
  if (::write(kHandoverFd, &number, sizeof number) != sizeof number)
    throw SysError("write the seccomp listener's number");
  // Close-on-exec: the exec (or the close_range before it) closes it, once the recorder
  // holds its own copy, since those calls wait for the recorder's answer.
  listener.release();
}

}  // namespace ccinit::ns_boot
