#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "policy/policy.h"

// What --learn saw the shipped policy refuse, and the report of it: policy lines a reviewer
// can paste into policy/<helper>.policy after judging them.
namespace ccinit::helper {

using SyscallArgs = std::array<std::uint64_t, 6>;

class RefusalLog {
 public:
  explicit RefusalLog(const policy::Policy& policy) : policy_(policy) {}

  // Whether no policy may ever allow syscall `nr` (the fixed prologue: ptrace, bpf,
  // kexec_load, kexec_file_load, reboot). Learn mode answers those EPERM instead of running
  // them: knowing a tool wants one changes no policy, and running a reboot does harm.
  bool never_allowed(long nr) const;

  // One refused call of `nr` by a process named `comm`.
  void record(long nr, const SyscallArgs& args, const std::string& comm);

  // The report: a heading line, then one line per distinct call (the syscall and the values
  // of its arguments that a condition would check), sorted by syscall, each with how often
  // and by which processes it was made:
  //   socket: arg0 == AF_INET && arg1 == SOCK_STREAM|SOCK_CLOEXEC && arg2 == 0  # 1 call: lockdown
  // A call no policy may allow is a comment line saying so.
  std::string report() const;

 private:
  // The syscall and the (argument, value) pairs that tell its calls apart.
  using Key = std::pair<long, std::vector<std::pair<unsigned, std::uint64_t>>>;
  struct Seen {
    std::size_t count = 0;
    std::map<std::string, std::size_t> by_comm;
    SyscallArgs first_args{};
  };
  // The arguments a condition of this syscall would check: those the policy already checks,
  // and those with a known meaning (flags, modes, enums); never pointers or counts, whose
  // values differ on every call.
  std::vector<unsigned> key_args(std::string_view syscall) const;
  std::string line(const Key& key, const Seen& seen) const;

  const policy::Policy& policy_;
  std::map<Key, Seen> seen_;
};

}  // namespace ccinit::helper
