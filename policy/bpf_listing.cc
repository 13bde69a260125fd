#include "policy/bpf_listing.h"

#include <linux/audit.h>
#include <linux/seccomp.h>

#include <algorithm>
#include <cstdio>
#include <string_view>
#include <vector>

#include "policy/policy_text.h"
#include "policy/syscall_names.h"

namespace ccinit::policy {

namespace {

// What the accumulator holds before an instruction, as far as the listing can tell.
constexpr int kUnreached = -2;
constexpr int kUnknown = -1;      // else: the seccomp_data offset loaded, perhaps masked
constexpr int kMasked = 0x10000;  // set when an `and` has masked the loaded field

constexpr std::uint32_t kX32SyscallBit = 0x40000000;

// The field of struct seccomp_data at `offset`, for a 32-bit load.
std::string data_field(std::uint32_t offset) {
  if (offset == 0) return "nr";
  if (offset == 4) return "arch";
  constexpr bool kLittle = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__;
  const auto half = [&](std::uint32_t field_offset) {
    return ((offset - field_offset) == 0) == kLittle ? " (low 32 bits)" : " (high 32 bits)";
  };
  if (offset == 8 || offset == 12) return std::string("instruction_pointer") + half(offset & ~7u);
  if (offset >= 16 && offset < 64)
    return "arg" + std::to_string((offset - 16) / 8) + half(offset & ~7u);
  return "offset " + std::to_string(offset);
}

std::string ret_text(std::uint32_t k) {
  const std::uint32_t data = k & SECCOMP_RET_DATA;
  switch (k & SECCOMP_RET_ACTION_FULL) {
    case SECCOMP_RET_KILL_PROCESS:
      return "KILL_PROCESS";
    case SECCOMP_RET_KILL_THREAD:
      return "KILL_THREAD";
    case SECCOMP_RET_TRAP:
      return "TRAP";
    case SECCOMP_RET_ERRNO:
      return "ERRNO(" + std::to_string(data) + ")";
    case SECCOMP_RET_USER_NOTIF:
      return "USER_NOTIF";
    case SECCOMP_RET_TRACE:
      return "TRACE(" + std::to_string(data) + ")";
    case SECCOMP_RET_LOG:
      return "LOG";
    case SECCOMP_RET_ALLOW:
      return "ALLOW";
  }
  return "#" + hex_text(k);
}

std::string arch_name(std::uint32_t arch) {
  switch (arch) {
    case AUDIT_ARCH_X86_64:
      return "AUDIT_ARCH_X86_64";
    case AUDIT_ARCH_I386:
      return "AUDIT_ARCH_I386";
    case AUDIT_ARCH_AARCH64:
      return "AUDIT_ARCH_AARCH64";
  }
  return arch == kSyscallTableArch ? "this build's architecture" : "another architecture";
}

const char* alu_name(std::uint16_t op) {
  switch (op) {
    case BPF_ADD:
      return "add";
    case BPF_SUB:
      return "sub";
    case BPF_MUL:
      return "mul";
    case BPF_DIV:
      return "div";
    case BPF_OR:
      return "or";
    case BPF_AND:
      return "and";
    case BPF_LSH:
      return "lsh";
    case BPF_RSH:
      return "rsh";
    case BPF_NEG:
      return "neg";
    case BPF_MOD:
      return "mod";
    case BPF_XOR:
      return "xor";
  }
  return nullptr;
}

const char* jump_name(std::uint16_t op) {
  switch (op) {
    case BPF_JEQ:
      return "jeq";
    case BPF_JGT:
      return "jgt";
    case BPF_JGE:
      return "jge";
    case BPF_JSET:
      return "jset";
  }
  return nullptr;
}

// What a comparison of the accumulator (holding `field`) with k means.
std::string compared_meaning(int field, std::uint16_t op, std::uint32_t k) {
  if (field == 0 && op == BPF_JEQ && k == 0xffffffff) return "-1: a call a tracer skipped";
  if (field == 0 && op == BPF_JEQ) {
    const std::string_view name = syscall_name(k);
    return name.empty() ? "syscall " + std::to_string(k) : std::string(name);
  }
  if (field == 0 && (op == BPF_JGE || op == BPF_JGT) && k == kX32SyscallBit - (op == BPF_JGT))
    return "x32 syscall numbers";
  if (field == 4 && op == BPF_JEQ) return arch_name(k);
  if (field >= kMasked) return data_field(static_cast<std::uint32_t>(field - kMasked)) + ", masked";
  if (field >= 0) return data_field(static_cast<std::uint32_t>(field));
  return {};
}

struct Decoded {
  std::string text;
  std::string comment;
  int acc_after = kUnknown;  // the accumulator for the next instruction(s)
};

Decoded decode(const sock_filter& insn, std::size_t index, int acc) {
  const std::uint16_t cls = BPF_CLASS(insn.code);
  const std::uint32_t k = insn.k;
  Decoded d;
  d.acc_after = acc;
  switch (cls) {
    case BPF_LD:
    case BPF_LDX: {
      const char* size = BPF_SIZE(insn.code) == BPF_W   ? ""
                         : BPF_SIZE(insn.code) == BPF_H ? "h"
                                                        : "b";
      const std::string op = std::string(cls == BPF_LD ? "ld" : "ldx") + size;
      switch (BPF_MODE(insn.code)) {
        case BPF_ABS:
          d.text = op + " [" + std::to_string(k) + "]";
          d.comment = data_field(k);
          if (cls == BPF_LD) d.acc_after = BPF_SIZE(insn.code) == BPF_W ? int(k) : kUnknown;
          return d;
        case BPF_IMM:
          d.text = op + " #" + hex_text(k);
          break;
        case BPF_MEM:
          d.text = op + " M[" + std::to_string(k) + "]";
          break;
        case BPF_LEN:
          d.text = op + " len";
          break;
        default:
          d.text = op + " (mode " + hex_text(BPF_MODE(insn.code)) + ") #" + hex_text(k);
      }
      if (cls == BPF_LD) d.acc_after = kUnknown;
      return d;
    }
    case BPF_ST:
    case BPF_STX:
      d.text = std::string(cls == BPF_ST ? "st" : "stx") + " M[" + std::to_string(k) + "]";
      return d;
    case BPF_ALU: {
      const char* name = alu_name(BPF_OP(insn.code));
      const bool masks = BPF_OP(insn.code) == BPF_AND && BPF_SRC(insn.code) == BPF_K;
      d.acc_after = masks && acc >= 0 && acc < kMasked ? acc | kMasked : kUnknown;
      if (!name) break;
      d.text = name;
      if (BPF_OP(insn.code) != BPF_NEG)
        d.text += BPF_SRC(insn.code) == BPF_X ? " x" : " #" + hex_text(k);
      return d;
    }
    case BPF_JMP: {
      if (BPF_OP(insn.code) == BPF_JA) {
        d.text = "ja " + std::to_string(index + 1 + k);
        return d;
      }
      const char* name = jump_name(BPF_OP(insn.code));
      if (!name) break;
      d.text = std::string(name) + (BPF_SRC(insn.code) == BPF_X ? " x" : " #" + hex_text(k)) +
               "  jt " + std::to_string(index + 1 + insn.jt) + " jf " +
               std::to_string(index + 1 + insn.jf);
      if (BPF_SRC(insn.code) == BPF_K) d.comment = compared_meaning(acc, BPF_OP(insn.code), k);
      return d;
    }
    case BPF_RET:
      d.acc_after = kUnreached;
      if (BPF_RVAL(insn.code) == BPF_K) {
        d.text = "ret " + ret_text(k);
      } else {
        d.text = BPF_RVAL(insn.code) == BPF_X ? "ret x" : "ret a";
      }
      return d;
    case BPF_MISC:
      if (BPF_MISCOP(insn.code) == BPF_TAX) {
        d.text = "tax";
        return d;
      }
      d.text = "txa";
      d.acc_after = kUnknown;
      return d;
  }
  d.text = "unknown code " + hex_text(insn.code) + " #" + hex_text(k);
  d.acc_after = kUnknown;
  return d;
}

// Classic BPF only jumps forward, so one pass knows every way into an instruction.
void merge(std::vector<int>& acc, std::size_t at, int value) {
  if (at >= acc.size() || value == kUnreached) return;
  if (acc[at] == kUnreached) {
    acc[at] = value;
  } else if (acc[at] != value) {
    acc[at] = kUnknown;
  }
}

}  // namespace

std::string bpf_listing(std::span<const sock_filter> program) {
  std::vector<int> acc(program.size(), kUnreached);
  if (!acc.empty()) acc[0] = kUnknown;
  std::string out;
  for (std::size_t i = 0; i < program.size(); ++i) {
    const sock_filter& insn = program[i];
    const Decoded d = decode(insn, i, acc[i]);
    if (BPF_CLASS(insn.code) == BPF_JMP) {
      if (BPF_OP(insn.code) == BPF_JA) {
        merge(acc, i + 1 + insn.k, d.acc_after);
      } else {
        merge(acc, i + 1 + insn.jt, d.acc_after);
        merge(acc, i + 1 + insn.jf, d.acc_after);
      }
    } else {
      merge(acc, i + 1, d.acc_after);
    }
    char number[32];
    std::snprintf(number, sizeof number, "%5zu  ", i);
    std::string line = number + d.text;
    if (!d.comment.empty()) {
      line.resize(std::max<std::size_t>(line.size() + 1, 40), ' ');
      line += "; " + d.comment;
    }
    out += line + "\n";
  }
  return out;
}

}  // namespace ccinit::policy
