#include "helpers/runtime/learn_program.h"

#include <linux/seccomp.h>

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "policy/syscall_names.h"

namespace ccinit::helper {

namespace {

constexpr std::uint32_t kArchOffset = offsetof(seccomp_data, arch);
constexpr std::uint32_t kNrOffset = offsetof(seccomp_data, nr);

sock_filter statement(std::uint16_t code, std::uint32_t k) {
  return sock_filter{code, 0, 0, k};
}

sock_filter jump(std::uint16_t code, std::uint32_t k, std::uint8_t jt, std::uint8_t jf) {
  return sock_filter{code, jt, jf, k};
}

// The shipped prologue's architecture checks, with their own kill returns.
std::vector<sock_filter> guard() {
  std::vector<sock_filter> out = {
      statement(BPF_LD | BPF_W | BPF_ABS, kArchOffset),
      jump(BPF_JMP | BPF_JEQ | BPF_K, policy::kSyscallTableArch, 1, 0),
      statement(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
  };
#if defined(__x86_64__)
  // x32 numbers (bit 30 set) are killed; -1 (a tracer skipping the call) goes on, as in
  // libseccomp's prologue.
  constexpr std::uint32_t kX32Bit = 0x40000000;
  out.push_back(statement(BPF_LD | BPF_W | BPF_ABS, kNrOffset));
  out.push_back(jump(BPF_JMP | BPF_JGE | BPF_K, kX32Bit, 0, 2));
  out.push_back(jump(BPF_JMP | BPF_JEQ | BPF_K, 0xffffffffu, 1, 0));
  out.push_back(statement(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS));
#endif
  return out;
}

bool kills(const sock_filter& insn) {
  if (BPF_CLASS(insn.code) != BPF_RET) return false;
  if (BPF_RVAL(insn.code) != BPF_K)
    throw std::runtime_error("the seccomp program returns a computed action (ret A)");
  const std::uint32_t action = insn.k & SECCOMP_RET_ACTION_FULL;
  return action == SECCOMP_RET_KILL_PROCESS || action == SECCOMP_RET_KILL_THREAD;
}

}  // namespace

std::size_t learn_guard_size() {
  return guard().size();
}

std::vector<sock_filter> learn_program(std::span<const sock_filter> shipped) {
  std::vector<sock_filter> out = guard();
  if (shipped.empty() || out.size() + shipped.size() > BPF_MAXINSNS)
    throw std::runtime_error("the seccomp program has " + std::to_string(shipped.size()) +
                             " instructions; cannot make its learn form");
  for (sock_filter insn : shipped) {
    if (kills(insn)) insn.k = SECCOMP_RET_USER_NOTIF;
    out.push_back(insn);
  }
  return out;
}

}  // namespace ccinit::helper
