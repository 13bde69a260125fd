#pragma once

// The stages of reading a policy file, shared by policy_lexer.cc (lines, tokens, rule
// syntax), policy_expand.cc (includes, and conditions expanded into seccomp rules) and
// policy_validate.cc (what a policy may say). Not for use outside policy/.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/policy_parser.h"

namespace ccinit::policy::detail {

[[noreturn]] void fail(const std::string& file, int line, const std::string& message);

// --- Lexing and parsing (policy_lexer.cc) --------------------------------------------

enum class LineKind { kBlank, kComment, kDirective, kRule };

struct Line {
  int number = 0;
  LineKind kind = LineKind::kBlank;
  std::string_view body;  // before '#', trimmed
  bool says_why = false;  // carries a comment with some text (whole line or trailing)
};

Line classify(std::string_view raw, int number);

// One condition as written: `argN OP VALUE` or `argN & MASK ==/!= VALUE`.
struct Condition {
  unsigned arg = 0;
  bool masked = false;
  Op op = Op::kEq;  // for a masked condition: kEq or kNe
  std::uint64_t mask = 0;
  std::uint64_t value = 0;
};

struct RuleLine {
  std::string syscall;
  // Alternatives (||) of conjunctions (&&); empty for an unconditional rule.
  std::vector<std::vector<Condition>> alternatives;
};

// Parses the body of a rule line ("name" or "name: conditions"); throws PolicyError.
RuleLine parse_rule_line(std::string_view body, const std::string& file, int line);

// --- Expansion (policy_expand.cc) ------------------------------------------------------

// The seccomp rules of one line: each alternative's conditions, masked `!=` expanded,
// merged per argument (libseccomp takes one comparison per argument).
std::vector<std::vector<ArgCheck>> expand(const std::vector<std::vector<Condition>>& alternatives,
                                          const std::string& file, int line);

// --- Validation (policy_validate.cc) ---------------------------------------------------

// What a policy may say, checked as its files are read and once at the end.
class Validator {
 public:
  // The syscall of a rule line exists here and is not refused by the fixed prologue.
  void check_syscall(const std::string& name, const std::string& file, int line);
  // A rule line needs a comment block above its group...
  static void check_group_comment(bool group_says_why, const std::string& file, int line);
  // ... and a risky syscall one of its own (the line directly above or at the line's end).
  static void check_own_comment(const std::string& name, bool own_comment, const std::string& file,
                                int line);
  // One expanded rule at `where` ("base:line"): no duplicate, no unconditional rule
  // voiding conditional ones of the same syscall.
  void check_rule(const std::string& name, const std::vector<ArgCheck>& checks,
                  const std::string& where, const std::string& file, int line);
  // `@allow module-loading` at `where` ("file:line"); `included` when not in the top file.
  void allow_module_loading(const std::string& where, bool included, const std::string& file,
                            int line);
  // The checks that need the whole policy (`@allow` may come after the rule it allows).
  void finish(const ParsedPolicy& policy) const;

 private:
  struct SyscallUse {
    std::string unconditional;  // where allowed without conditions
    std::string conditional;    // where first allowed with conditions
  };
  std::map<std::string, std::string> seen_;  // "syscall checks" -> where
  std::map<std::string, SyscallUse> uses_;
  std::optional<std::string> module_rule_error_;  // the first module rule, refused
  std::optional<std::string> allow_modules_at_;   // "file:line" of @allow module-loading
};

}  // namespace ccinit::policy::detail
