#pragma once

#include <cstdint>
#include <cstdio>
#include <span>
#include <string>

#include "policy/policy.h"

// How policies are written back as text: by policyc's messages (duplicate rules), by
// --print-policy and by the BPF listing. Header-only, so that policyc (which links no
// generated code) and the shipped runtime share it.
namespace ccinit::policy {

// "0x1f"
inline std::string hex_text(std::uint64_t value) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(value));
  return buf;
}

// "==", "!=", ... (a masked comparison reads "arg & MASK == VALUE").
inline const char* op_text(Op op) {
  switch (op) {
    case Op::kEq:
    case Op::kMaskedEq:
      return "==";
    case Op::kNe:
      return "!=";
    case Op::kLt:
      return "<";
    case Op::kLe:
      return "<=";
    case Op::kGt:
      return ">";
    case Op::kGe:
      return ">=";
  }
  return "?";
}

// "arg0 == 0x1 && arg2 & 0x3 == 0x0"; empty for no checks.
inline std::string checks_text(std::span<const ArgCheck> checks) {
  std::string out;
  for (const ArgCheck& c : checks) {
    if (!out.empty()) out += " && ";
    out.append("arg").append(std::to_string(c.arg));
    if (c.op == Op::kMaskedEq) out.append(" & ").append(hex_text(c.mask));
    out.append(" ").append(op_text(c.op)).append(" ").append(hex_text(c.value));
  }
  return out;
}

}  // namespace ccinit::policy
