#include "policy/policy_codegen.h"

#include <seccomp.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>

#include "common/unique_fd.h"
#include "policy/policy_text.h"

namespace ccinit::policy {

namespace {

// Syscall numbers tried for the name table; x86_64's highest is in the 400s.
constexpr int kMaxSyscallNumber = 1024;

// A C++ string literal. Octal escapes have a fixed length, so no following character can
// extend them the way it could a hex escape.
std::string cxx_literal(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\%03o", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

const char* op_name(Op op) {
  switch (op) {
    case Op::kEq:
      return "Op::kEq";
    case Op::kNe:
      return "Op::kNe";
    case Op::kLt:
      return "Op::kLt";
    case Op::kLe:
      return "Op::kLe";
    case Op::kGt:
      return "Op::kGt";
    case Op::kGe:
      return "Op::kGe";
    case Op::kMaskedEq:
      return "Op::kMaskedEq";
  }
  return "?";
}

struct FilterRelease {
  void operator()(void* ctx) const { seccomp_release(ctx); }
};
using Filter = std::unique_ptr<void, FilterRelease>;

[[noreturn]] void refuse(const ParsedRule& rule, const std::string& why) {
  throw PolicyError("seccomp rule '" + (rule.text.empty() ? rule.syscall : rule.text) +
                    "': " + why);
}

bool listed(std::span<const std::string_view> names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// What the parser refuses, again: a ParsedPolicy may also be made by hand (tests,
// add_sanitizer_rules), and a program allowing ptrace must not come out of it.
void check_rules(const ParsedPolicy& policy) {
  std::map<std::string_view, std::pair<bool, bool>> kinds;  // unconditional, conditional
  for (const ParsedRule& rule : policy.rules) {
    if (listed(kNeverAllowed, rule.syscall))
      refuse(rule, rule.syscall +
                       " is never allowed (fixed prologue: ptrace, bpf, kexec_load, "
                       "kexec_file_load, reboot)");
    if (listed(kAnsweredEnosys, rule.syscall))
      refuse(rule, rule.syscall + " is answered ENOSYS in every policy");
    if (listed(kModuleLoading, rule.syscall) && !policy.loads_modules)
      refuse(rule, rule.syscall + " is refused unless the policy says '@allow module-loading'");
    auto& [unconditional, conditional] = kinds[rule.syscall];
    (rule.checks.empty() ? unconditional : conditional) = true;
    // libseccomp lets an unconditional rule silently void the conditional ones.
    if (unconditional && conditional)
      refuse(rule, rule.syscall +
                       " is allowed both with and without conditions; the conditions would "
                       "be void");
  }
}

scmp_arg_cmp to_scmp(const ParsedRule& rule, const ArgCheck& check) {
  if (check.arg > 5) refuse(rule, "argument " + std::to_string(check.arg) + " out of range");
  switch (check.op) {
    case Op::kEq:
      return {check.arg, SCMP_CMP_EQ, check.value, 0};
    case Op::kNe:
      return {check.arg, SCMP_CMP_NE, check.value, 0};
    case Op::kLt:
      return {check.arg, SCMP_CMP_LT, check.value, 0};
    case Op::kLe:
      return {check.arg, SCMP_CMP_LE, check.value, 0};
    case Op::kGt:
      return {check.arg, SCMP_CMP_GT, check.value, 0};
    case Op::kGe:
      return {check.arg, SCMP_CMP_GE, check.value, 0};
    case Op::kMaskedEq:
      return {check.arg, SCMP_CMP_MASKED_EQ, check.mask, check.value};
  }
  refuse(rule, "invalid comparison " + std::to_string(static_cast<unsigned>(check.op)));
}

void set_attr(void* ctx, scmp_filter_attr attr, std::uint32_t value, const char* what) {
  const int rc = seccomp_attr_set(ctx, attr, value);
  if (rc < 0) throw PolicyError(std::string("seccomp_attr_set ") + what + ": " + strerror(-rc));
}

void add_rule(void* ctx, const ParsedRule& rule) {
  const int nr = seccomp_syscall_resolve_name(rule.syscall.c_str());
  if (nr == __NR_SCMP_ERROR) refuse(rule, "unknown syscall '" + rule.syscall + "'");
  if (nr < 0) refuse(rule, "syscall '" + rule.syscall + "' does not exist on this architecture");
  if (rule.checks.size() > 6) refuse(rule, "more than 6 argument checks");
  std::vector<scmp_arg_cmp> cmps;
  for (const ArgCheck& check : rule.checks) cmps.push_back(to_scmp(rule, check));
  const int rc = seccomp_rule_add_exact_array(ctx, SCMP_ACT_ALLOW, nr,
                                              static_cast<unsigned>(cmps.size()), cmps.data());
  if (rc < 0) refuse(rule, std::string("libseccomp refused it: ") + std::strerror(-rc));
}

std::vector<sock_filter> export_program(void* ctx) {
  UniqueFd fd(::memfd_create("seccomp-bpf", MFD_CLOEXEC));
  if (!fd) throw PolicyError(std::string("memfd_create: ") + std::strerror(errno));
  const int rc = seccomp_export_bpf(ctx, fd.get());
  if (rc < 0) throw PolicyError(std::string("seccomp_export_bpf: ") + std::strerror(-rc));
  const off_t size = ::lseek(fd.get(), 0, SEEK_END);
  if (size < 0 || size % sizeof(sock_filter) != 0)
    throw PolicyError("seccomp_export_bpf wrote " + std::to_string(size) +
                      " bytes, not a whole program");
  std::vector<sock_filter> program(static_cast<std::size_t>(size) / sizeof(sock_filter));
  const ssize_t n = ::pread(fd.get(), program.data(), static_cast<std::size_t>(size), 0);
  if (n != size) throw PolicyError("cannot read back the exported seccomp program");
  return program;
}

void pin_api_level() {
  const int rc = seccomp_api_set(kSeccompApiLevel);
  if (rc < 0)
    throw PolicyError("seccomp_api_set(" + std::to_string(kSeccompApiLevel) +
                      "): " + std::strerror(-rc));
}

}  // namespace

std::vector<sock_filter> compile_program(const ParsedPolicy& policy) {
  check_rules(policy);
  pin_api_level();
  Filter filter(seccomp_init(SCMP_ACT_KILL_PROCESS));
  if (!filter) throw PolicyError("seccomp_init(SCMP_ACT_KILL_PROCESS) failed");
  // A foreign architecture's syscall numbers mean other syscalls: kill, never translate.
  // libseccomp sends x32 numbers (nr >= 0x40000000) on x86_64 to this action as well.
  set_attr(filter.get(), SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS, "ACT_BADARCH");
  for (std::string_view name : kAnsweredEnosys) {
    const int nr = seccomp_syscall_resolve_name(std::string(name).c_str());
    if (nr < 0) continue;  // not on this architecture: the default action covers it
    const int rc = seccomp_rule_add_exact(filter.get(), SCMP_ACT_ERRNO(ENOSYS), nr, 0);
    if (rc < 0)
      throw PolicyError("seccomp rule " + std::string(name) + " -> ENOSYS: " + strerror(-rc));
  }
  for (const ParsedRule& rule : policy.rules) add_rule(filter.get(), rule);
  return export_program(filter.get());
}

void add_sanitizer_rules(ParsedPolicy& policy) {
  for (const char* name : {"pipe2", "sigaltstack", "futex", "madvise"}) {
    const auto unconditional = [&](const ParsedRule& r) {
      return r.syscall == name && r.checks.empty();
    };
    if (std::any_of(policy.rules.begin(), policy.rules.end(), unconditional)) continue;
    std::erase_if(policy.rules, [&](const ParsedRule& r) { return r.syscall == name; });
    policy.rules.push_back({name, {}, std::string("sanitizer build only: ") + name});
  }
}

std::string program_bytes(std::span<const sock_filter> program) {
  return std::string(reinterpret_cast<const char*>(program.data()), program.size_bytes());
}

std::string generate_policy_source(const ParsedPolicy& policy, std::string_view helper,
                                   std::string_view symbol) {
  const std::vector<sock_filter> program = compile_program(policy);
  std::string out;
  out += "// Generated by policyc from the seccomp policy of " + std::string(helper) +
         ". Do not edit.\n";
  out += "#include \"policy/policy.h\"\n\nnamespace ccinit::policy {\nnamespace {\n\n";
  for (std::size_t i = 0; i < policy.rules.size(); ++i) {
    const auto& checks = policy.rules[i].checks;
    if (checks.empty()) continue;
    out += "constexpr ArgCheck kChecks" + std::to_string(i) + "[] = {";
    for (std::size_t j = 0; j < checks.size(); ++j) {
      const ArgCheck& c = checks[j];
      out += (j ? ", {" : "{") + std::to_string(c.arg) + ", " + op_name(c.op) + ", " +
             hex_text(c.mask) + ", " + hex_text(c.value) + "}";
    }
    out += "};\n";
  }
  if (!policy.rules.empty()) {
    out += "\nconstexpr Rule kRules[] = {\n";
    for (std::size_t i = 0; i < policy.rules.size(); ++i) {
      const ParsedRule& r = policy.rules[i];
      out += "    {" + cxx_literal(r.syscall) + ", " +
             (r.checks.empty() ? std::string("{}") : "kChecks" + std::to_string(i)) + ", " +
             cxx_literal(r.text) + "},\n";
    }
    out += "};\n";
  }
  out += "\n// The seccomp program, built by libseccomp (API level " +
         std::to_string(kSeccompApiLevel) +
         ") when the helper was: " + std::to_string(program.size()) +
         " instructions.\nconstexpr sock_filter kProgram[] = {\n";
  for (const sock_filter& insn : program) {
    out += "    {" + hex_text(insn.code) + ", " + std::to_string(insn.jt) + ", " +
           std::to_string(insn.jf) + ", " + hex_text(insn.k) + "},\n";
  }
  out += "};\n\n}  // namespace\n\n";
  const std::string sym(symbol);
  out += "extern const Policy " + sym + ";\nconst Policy " + sym + " = {" + cxx_literal(helper) +
         ", " + (policy.loads_modules ? "true" : "false") + ", " +
         (policy.rules.empty() ? "{}" : "kRules") +
         ", kProgram};\n\n}  // namespace ccinit::policy\n";
  return out;
}

std::string generate_syscall_table_source() {
  const std::uint32_t arch = seccomp_arch_native();
  std::vector<std::string> names;
  for (int nr = 0; nr < kMaxSyscallNumber; ++nr) {
    std::unique_ptr<char, decltype(&std::free)> name(seccomp_syscall_resolve_num_arch(arch, nr),
                                                     &std::free);
    if (!name) continue;
    names.resize(static_cast<std::size_t>(nr) + 1);
    names.back() = name.get();
  }
  std::string out =
      "// Generated by policyc --syscall-table from libseccomp's syscall table. Do not edit.\n"
      "#include \"policy/syscall_names.h\"\n\nnamespace ccinit::policy {\n\nnamespace {\n\n"
      "constexpr std::string_view kNames[] = {\n";
  for (const std::string& name : names) out += "    " + cxx_literal(name) + ",\n";
  out += "};\n\n}  // namespace\n\nconst std::uint32_t kSyscallTableArch = " + hex_text(arch) +
         ";\n\n"
         "std::string_view syscall_name(long nr) {\n"
         "  if (nr < 0 || nr >= static_cast<long>(std::size(kNames))) return {};\n"
         "  return kNames[nr];\n}\n\n}  // namespace ccinit::policy\n";
  return out;
}

}  // namespace ccinit::policy
