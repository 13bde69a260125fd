#include "policy/policy_parser.h"

#include <fcntl.h>
#include <seccomp.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <sstream>

#include "common/unique_fd.h"
#include "policy/named_constants.h"

namespace ccinit::policy {

namespace {

// libseccomp takes at most this many comparisons per rule (one per argument).
constexpr unsigned kMaxArgs = 6;
// `argN & MASK != VALUE` becomes one rule per other value of the masked bits.
constexpr int kMaxNotEqualMaskBits = 4;
// What one line may expand into; more is a policy nobody can review.
constexpr std::size_t kMaxRulesPerLine = 64;

// Syscalls that need a comment of their own in a policy.
// clang-format off
constexpr std::string_view kRiskySyscalls[] = {
    "ioctl", "socket", "socketpair", "connect", "bind",
    "clone", "clone3", "fork", "vfork", "execve", "execveat",
    "mount", "umount2", "move_mount", "fsopen", "fsmount", "fsconfig", "open_tree",
    "pivot_root", "chroot", "setns", "unshare", "prctl",
    "mprotect", "pkey_mprotect", "mmap",
    "kill", "tgkill", "tkill",
    "setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setfsuid",
    "setfsgid", "setgroups", "capset", "seccomp",
    "keyctl", "add_key", "request_key", "personality", "perf_event_open", "userfaultfd",
    "process_vm_writev", "open_by_handle_at",
    "init_module", "finit_module", "delete_module",
    "io_uring_setup", "io_uring_enter", "io_uring_register"};
// clang-format on

bool contains(std::span<const std::string_view> list, std::string_view name) {
  return std::find(list.begin(), list.end(), name) != list.end();
}

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r");
  return s.substr(first, last - first + 1);
}

std::string hex(std::uint64_t v) {
  std::ostringstream out;
  out << "0x" << std::hex << v;
  return out.str();
}

[[noreturn]] void fail(const std::string& file, int line, const std::string& message) {
  throw PolicyError(file + ":" + std::to_string(line) + ": " + message);
}

// ---------------------------------------------------------------------------------------
// Lines

enum class LineKind { kBlank, kComment, kDirective, kRule };

struct Line {
  int number = 0;
  LineKind kind = LineKind::kBlank;
  std::string_view body;  // before '#', trimmed
  bool says_why = false;  // carries a comment with some text (whole line or trailing)
};

Line classify(std::string_view raw, int number) {
  Line line;
  line.number = number;
  const auto hash = raw.find('#');
  line.body = trim(raw.substr(0, hash));
  if (hash != std::string_view::npos) line.says_why = !trim(raw.substr(hash + 1)).empty();
  if (!line.body.empty()) {
    line.kind = line.body.front() == '@' ? LineKind::kDirective : LineKind::kRule;
  } else {
    line.kind = hash == std::string_view::npos ? LineKind::kBlank : LineKind::kComment;
  }
  return line;
}

// ---------------------------------------------------------------------------------------
// Rule lines: tokens and conditions

enum class Tok {
  kIdent,
  kNumber,
  kColon,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kAnd,
  kOr,
  kAmp,
  kPipe,
  kEnd
};

struct Token {
  Tok kind;
  std::string_view text;
};

bool ident_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool ident_char(char c) {
  return ident_start(c) || (c >= '0' && c <= '9');
}

struct Condition {
  unsigned arg = 0;
  bool masked = false;
  Op op = Op::kEq;  // for a masked condition: kEq or kNe
  std::uint64_t mask = 0;
  std::uint64_t value = 0;
};

class RuleParser {
 public:
  RuleParser(std::string_view body, const std::string& file, int line) : file_(file), line_(line) {
    tokenize(body);
  }

  std::string syscall() {
    const Token name = take();
    if (name.kind != Tok::kIdent) syntax("expected a syscall name", name);
    for (char c : name.text) {
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
        fail(file_, line_,
             "syntax error: '" + std::string(name.text) +
                 "' is not a syscall name (lower case letters, digits, '_')");
    }
    if (peek().kind == Tok::kEnd) return std::string(name.text);
    if (peek().kind != Tok::kColon) syntax("expected ':' after the syscall name", peek());
    take();
    if (peek().kind == Tok::kEnd) syntax("expected a condition after ':'", peek());
    return std::string(name.text);
  }

  // The conditions after the colon: alternatives (||) of conjunctions (&&).
  std::vector<std::vector<Condition>> alternatives() {
    std::vector<std::vector<Condition>> result;
    if (peek().kind == Tok::kEnd) return result;
    result.emplace_back();
    while (true) {
      result.back().push_back(condition());
      const Token next = take();
      if (next.kind == Tok::kEnd) break;
      if (next.kind == Tok::kOr) {
        result.emplace_back();
      } else if (next.kind != Tok::kAnd) {
        syntax("expected '&&', '||' or the end of the rule", next);
      }
    }
    return result;
  }

 private:
  void tokenize(std::string_view s) {
    // Longest first, so that "==" is not read as two "=" and "||" not as two "|".
    static constexpr std::pair<std::string_view, Tok> kOperators[] = {
        {"==", Tok::kEq},  {"!=", Tok::kNe},  {"<=", Tok::kLe},  {">=", Tok::kGe},
        {"&&", Tok::kAnd}, {"||", Tok::kOr},  {"<", Tok::kLt},   {">", Tok::kGt},
        {"&", Tok::kAmp},  {"|", Tok::kPipe}, {":", Tok::kColon}};
    std::size_t i = 0;
    while (i < s.size()) {
      const char c = s[i];
      if (c == ' ' || c == '\t') {
        ++i;
        continue;
      }
      const std::size_t start = i;
      if (ident_char(c)) {
        while (i < s.size() && ident_char(s[i])) ++i;
        tokens_.push_back(
            {ident_start(c) ? Tok::kIdent : Tok::kNumber, s.substr(start, i - start)});
        continue;
      }
      const auto* op =
          std::find_if(std::begin(kOperators), std::end(kOperators),
                       [&](const auto& o) { return s.substr(i).starts_with(o.first); });
      if (op == std::end(kOperators))
        fail(file_, line_, std::string("syntax error: unexpected character '") + c + "'");
      tokens_.push_back({op->second, op->first});
      i += op->first.size();
    }
    tokens_.push_back({Tok::kEnd, {}});
  }

  const Token& peek() const { return tokens_[pos_]; }
  Token take() {
    const Token t = tokens_[pos_];
    if (t.kind != Tok::kEnd) ++pos_;
    return t;
  }

  [[noreturn]] void syntax(const std::string& expected, const Token& found) const {
    fail(file_, line_,
         "syntax error: " + expected + ", found " +
             (found.kind == Tok::kEnd ? std::string("the end of the line")
                                      : "'" + std::string(found.text) + "'"));
  }

  Condition condition() {
    const Token arg = take();
    if (arg.kind != Tok::kIdent || !arg.text.starts_with("arg"))
      syntax("expected an argument (arg0..arg5)", arg);
    const std::string_view digits = arg.text.substr(3);
    if (digits.size() != 1 || digits[0] < '0' || digits[0] >= '0' + static_cast<int>(kMaxArgs))
      fail(file_, line_, "unknown argument '" + std::string(arg.text) + "' (arg0..arg5)");
    Condition cond;
    cond.arg = static_cast<unsigned>(digits[0] - '0');
    if (peek().kind == Tok::kAmp) {
      take();
      cond.masked = true;
      cond.mask = value();
      const Token op = take();
      if (op.kind == Tok::kEq) {
        cond.op = Op::kEq;
      } else if (op.kind == Tok::kNe) {
        cond.op = Op::kNe;
      } else {
        syntax("expected '==' or '!=' after a mask", op);
      }
      cond.value = value();
      return cond;
    }
    const Token op = take();
    switch (op.kind) {
      case Tok::kEq:
        cond.op = Op::kEq;
        break;
      case Tok::kNe:
        cond.op = Op::kNe;
        break;
      case Tok::kLt:
        cond.op = Op::kLt;
        break;
      case Tok::kLe:
        cond.op = Op::kLe;
        break;
      case Tok::kGt:
        cond.op = Op::kGt;
        break;
      case Tok::kGe:
        cond.op = Op::kGe;
        break;
      default:
        syntax("expected a comparison (== != < <= > >=) or '&'", op);
    }
    cond.value = value();
    return cond;
  }

  std::uint64_t value() {
    std::uint64_t result = atom();
    while (peek().kind == Tok::kPipe) {
      take();
      result |= atom();
    }
    return result;
  }

  std::uint64_t atom() {
    const Token t = take();
    if (t.kind == Tok::kIdent) {
      if (auto v = find_named_constant(t.text)) return *v;
      fail(file_, line_, "unknown constant '" + std::string(t.text) + "'");
    }
    if (t.kind != Tok::kNumber) syntax("expected a number or a constant", t);
    return number(t.text);
  }

  std::uint64_t number(std::string_view text) const {
    int base = 10;
    std::string_view digits = text;
    if (text.size() > 2 && (text.substr(0, 2) == "0x" || text.substr(0, 2) == "0X")) {
      base = 16;
      digits = text.substr(2);
    } else if (text.size() > 1 && text[0] == '0') {
      base = 8;
      digits = text.substr(1);
    }
    std::uint64_t v = 0;
    for (char c : digits) {
      int d = -1;
      if (c >= '0' && c <= '9') d = c - '0';
      if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
      if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
      if (d < 0 || d >= base) fail(file_, line_, "bad number '" + std::string(text) + "'");
      if (v > (UINT64_MAX - static_cast<unsigned>(d)) / static_cast<unsigned>(base))
        fail(file_, line_, "number '" + std::string(text) + "' does not fit in 64 bits");
      v = v * static_cast<unsigned>(base) + static_cast<unsigned>(d);
    }
    return v;
  }

  const std::string& file_;
  int line_;
  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
};

// ---------------------------------------------------------------------------------------
// From conditions to libseccomp rules

std::string describe(unsigned arg, std::uint64_t mask, std::string_view op, std::uint64_t v) {
  return "arg" + std::to_string(arg) + " & " + hex(mask) + " " + std::string(op) + " " + hex(v);
}

// The atomic checks one condition may be satisfied by (one, except for a masked `!=`).
std::vector<ArgCheck> checks_for(const Condition& c, const std::string& file, int line) {
  if (!c.masked) return {ArgCheck{c.arg, c.op, 0, c.value}};
  const std::string what = describe(c.arg, c.mask, c.op == Op::kEq ? "==" : "!=", c.value);
  if (c.mask == 0) fail(file, line, what + ": the mask is 0, so the condition says nothing");
  if (c.value & ~c.mask)
    fail(file, line,
         what + ": the value has bits outside the mask, so the condition " +
             (c.op == Op::kEq ? "never holds" : "always holds"));
  if (c.op == Op::kEq) {
    if (c.mask == ~std::uint64_t{0}) return {ArgCheck{c.arg, Op::kEq, 0, c.value}};
    return {ArgCheck{c.arg, Op::kMaskedEq, c.mask, c.value}};
  }
  const int bits = std::popcount(c.mask);
  if (bits > kMaxNotEqualMaskBits)
    fail(file, line,
         what + ": the mask has " + std::to_string(bits) +
             " bits; '!=' with a mask becomes one rule per other value of the masked bits, "
             "allowed for masks of at most " +
             std::to_string(kMaxNotEqualMaskBits) + " bits");
  // Every value the masked bits can take but the excluded one, as masked equalities.
  std::vector<std::uint64_t> bit_values;
  for (std::uint64_t m = c.mask; m != 0; m &= m - 1) bit_values.push_back(m & -m);
  std::vector<ArgCheck> out;
  for (unsigned subset = 0; subset < (1u << bits); ++subset) {
    std::uint64_t v = 0;
    for (int i = 0; i < bits; ++i)
      if (subset & (1u << i)) v |= bit_values[static_cast<std::size_t>(i)];
    if (v != c.value) out.push_back(ArgCheck{c.arg, Op::kMaskedEq, c.mask, v});
  }
  return out;
}

bool is_equality(const ArgCheck& c) {
  return c.op == Op::kEq || c.op == Op::kMaskedEq;
}
std::uint64_t mask_of(const ArgCheck& c) {
  return c.op == Op::kEq ? ~std::uint64_t{0} : c.mask;
}

// Joins the checks of one conjunction into one comparison per argument. nullopt when they
// contradict each other (that combination allows nothing).
std::optional<std::vector<ArgCheck>> merge(const std::vector<ArgCheck>& combo,
                                           const std::string& file, int line) {
  std::map<unsigned, ArgCheck> by_arg;
  for (const ArgCheck& c : combo) {
    auto [it, inserted] = by_arg.emplace(c.arg, c);
    if (inserted) continue;
    ArgCheck& e = it->second;
    if (!is_equality(e) || !is_equality(c))
      fail(file, line,
           "arg" + std::to_string(c.arg) +
               " is compared twice in one rule; libseccomp takes one comparison per argument "
               "(only equalities, masked or not, can be combined)");
    const std::uint64_t em = mask_of(e);
    const std::uint64_t cm = mask_of(c);
    if ((e.value ^ c.value) & em & cm) return std::nullopt;
    const std::uint64_t mask = em | cm;
    const std::uint64_t value = e.value | c.value;
    e = mask == ~std::uint64_t{0} ? ArgCheck{c.arg, Op::kEq, 0, value}
                                  : ArgCheck{c.arg, Op::kMaskedEq, mask, value};
  }
  std::vector<ArgCheck> out;
  for (const auto& [arg, check] : by_arg) out.push_back(check);
  return out;
}

const char* op_text(Op op) {
  switch (op) {
    case Op::kEq:
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
    case Op::kMaskedEq:
      return "==";
  }
  return "?";
}

std::string checks_text(const std::vector<ArgCheck>& checks) {
  std::string out;
  for (const ArgCheck& c : checks) {
    if (!out.empty()) out += " && ";
    out += "arg";
    out += std::to_string(c.arg);
    if (c.op == Op::kMaskedEq) out.append(" & ").append(hex(c.mask));
    out.append(" ").append(op_text(c.op)).append(" ").append(hex(c.value));
  }
  return out;
}

// The libseccomp rules of one line: each alternative's conditions, masked `!=` expanded,
// merged per argument.
std::vector<std::vector<ArgCheck>> expand(const std::vector<std::vector<Condition>>& alts,
                                          const std::string& file, int line) {
  std::vector<std::vector<ArgCheck>> rules;
  if (alts.empty()) return {{}};
  for (const auto& conjunction : alts) {
    std::vector<std::vector<ArgCheck>> combos = {{}};
    for (const Condition& cond : conjunction) {
      std::vector<std::vector<ArgCheck>> next;
      for (const ArgCheck& choice : checks_for(cond, file, line)) {
        for (const auto& combo : combos) {
          next.push_back(combo);
          next.back().push_back(choice);
        }
      }
      combos = std::move(next);
      if (combos.size() > 16 * kMaxRulesPerLine)
        fail(file, line, "the rule expands into too many seccomp rules; simplify it");
    }
    std::vector<std::vector<ArgCheck>> merged;
    for (const auto& combo : combos) {
      auto m = merge(combo, file, line);
      // Expanding `!=` yields the same combination more than once; keep one.
      if (m && std::find(merged.begin(), merged.end(), *m) == merged.end())
        merged.push_back(std::move(*m));
    }
    if (merged.empty()) fail(file, line, "the conditions joined by '&&' can never hold together");
    for (auto& m : merged) rules.push_back(std::move(m));
  }
  if (rules.size() > kMaxRulesPerLine)
    fail(file, line,
         "the rule expands into " + std::to_string(rules.size()) + " seccomp rules (at most " +
             std::to_string(kMaxRulesPerLine) + " per line); simplify it");
  return rules;
}

// ---------------------------------------------------------------------------------------
// Files

struct FileText {
  std::string display;  // the path in error messages
  std::string base;     // the base name in rule texts
};

struct ParseState {
  ParsedPolicy policy;
  std::filesystem::path include_dir;
  std::map<std::string, std::string> seen;  // "syscall checks" -> where
  struct SyscallUse {
    std::string unconditional;  // where allowed without conditions
    std::string conditional;    // where first allowed with conditions
  };
  std::map<std::string, SyscallUse> uses;
  std::set<std::string> included;
  // Checked once the whole policy is read: `@allow` may come after the rule it allows.
  std::optional<std::string> module_rule_error;  // the first module rule, refused
  std::optional<std::string> allow_modules_at;   // "file:line" of @allow module-loading
};

void check_syscall_exists(const std::string& name, const std::string& file, int line) {
  const int nr = seccomp_syscall_resolve_name_arch(SCMP_ARCH_NATIVE, name.c_str());
  if (nr == __NR_SCMP_ERROR) fail(file, line, "unknown syscall '" + name + "'");
  if (nr < 0) fail(file, line, "syscall '" + name + "' does not exist on this architecture");
}

// Adds the rules of one line; returns the syscall's name.
std::string add_rule_line(ParseState& st, const Line& line, const FileText& ft) {
  RuleParser parser(line.body, ft.display, line.number);
  const std::string name = parser.syscall();
  const auto alts = parser.alternatives();
  check_syscall_exists(name, ft.display, line.number);
  if (contains(kNeverAllowed, name))
    fail(ft.display, line.number,
         name +
             " is never allowed: the fixed prologue refuses ptrace, bpf, kexec_load, "
             "kexec_file_load and reboot in every policy");
  if (contains(kModuleLoading, name) && !st.module_rule_error)
    st.module_rule_error = ft.display + ":" + std::to_string(line.number) + ": " + name +
                           " needs '@allow module-loading' in the helper's policy file";

  const std::string where = ft.base + ":" + std::to_string(line.number);
  const std::string text = where + ": " + std::string(line.body);
  auto& use = st.uses[name];
  for (auto& checks : expand(alts, ft.display, line.number)) {
    if (checks.empty() && !use.conditional.empty())
      fail(ft.display, line.number,
           name + " is allowed here without conditions, which would void the conditions of " +
               use.conditional);
    if (!checks.empty() && !use.unconditional.empty())
      fail(ft.display, line.number,
           name + " is already allowed without conditions by " + use.unconditional +
               ", which would void these conditions");
    const std::string key = name + " " + checks_text(checks);
    auto [it, inserted] = st.seen.emplace(key, where);
    if (!inserted)
      fail(ft.display, line.number,
           "duplicate rule: " + name + (checks.empty() ? "" : " with " + checks_text(checks)) +
               " is already allowed by " + it->second);
    (checks.empty() ? use.unconditional : use.conditional) = where;
    st.policy.rules.push_back(ParsedRule{name, std::move(checks), text});
  }
  return name;
}

void parse_text(ParseState& st, std::string_view text, const FileText& ft, int depth);

// The whole file, or nullopt with the reason in `error`.
std::optional<std::string> read_whole(const std::filesystem::path& path, std::string& error) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    error = std::strerror(errno);
    return std::nullopt;
  }
  std::string text;
  char buf[4096];
  while (true) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n == 0) return text;
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      error = std::strerror(errno);
      return std::nullopt;
    }
    text.append(buf, static_cast<std::size_t>(n));
  }
}

void include_file(ParseState& st, std::string_view arg, const FileText& ft, int line, int depth) {
  if (depth > 0)
    fail(ft.display, line,
         "@include " + std::string(arg) + ": includes are one level deep only; " + ft.base +
             " is itself included");
  const std::filesystem::path rel(arg);
  bool bad = rel.empty() || rel.is_absolute();
  for (const auto& part : rel) bad = bad || part == "..";
  if (bad)
    fail(ft.display, line,
         "@include " + std::string(arg) +
             ": expected a path relative to this file's directory (no '..')");
  const std::filesystem::path path = st.include_dir / rel;
  if (!st.included.insert(rel.lexically_normal().string()).second)
    fail(ft.display, line, "@include " + std::string(arg) + ": already included");
  std::string error;
  const auto text = read_whole(path, error);
  if (!text)
    fail(ft.display, line,
         "@include " + std::string(arg) + ": cannot read " + path.string() + ": " + error);
  parse_text(st, *text, FileText{path.string(), rel.filename().string()}, depth + 1);
}

void directive(ParseState& st, const Line& line, const FileText& ft, int depth) {
  std::istringstream words{std::string(line.body)};
  std::string name, arg, extra;
  words >> name >> arg >> extra;
  if (name != "@include" && name != "@allow")
    fail(ft.display, line.number,
         "syntax error: unknown directive '" + name + "' (known: @include, @allow)");
  if (arg.empty() || !extra.empty())
    fail(ft.display, line.number, "syntax error: " + name + " takes exactly one argument");
  if (name == "@include") return include_file(st, arg, ft, line.number, depth);
  if (arg != "module-loading")
    fail(ft.display, line.number,
         "unknown @allow '" + arg + "' (the only one is @allow module-loading)");
  if (depth > 0)
    fail(ft.display, line.number,
         "@allow module-loading belongs in the helper's own policy file, not in an included "
         "one");
  if (st.allow_modules_at) fail(ft.display, line.number, "@allow module-loading given twice");
  st.allow_modules_at = ft.display + ":" + std::to_string(line.number);
  st.policy.loads_modules = true;
}

void parse_text(ParseState& st, std::string_view text, const FileText& ft, int depth) {
  bool group_says_why = false;
  bool previous_says_why = false;  // the line directly above is a comment with text
  for (int number = 1; !text.empty(); ++number) {
    const auto nl = text.find('\n');
    const Line line = classify(text.substr(0, nl), number);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    switch (line.kind) {
      case LineKind::kBlank:
        group_says_why = false;
        break;
      case LineKind::kComment:
        group_says_why = group_says_why || line.says_why;
        break;
      case LineKind::kDirective:
        directive(st, line, ft, depth);
        break;
      case LineKind::kRule: {
        if (!group_says_why)
          fail(ft.display, line.number,
               "rules without a comment: put a comment block above this group saying why "
               "these syscalls are needed");
        const std::string name = add_rule_line(st, line, ft);
        if (is_risky_syscall(name) && !previous_says_why && !line.says_why)
          fail(ft.display, line.number,
               name +
                   " is a risky syscall and needs a comment of its own (on the line "
                   "directly above or at the end of this line) saying why");
        break;
      }
    }
    previous_says_why = line.kind == LineKind::kComment && line.says_why;
  }
}

ParsedPolicy finish(ParseState& st) {
  if (st.module_rule_error && !st.policy.loads_modules) throw PolicyError(*st.module_rule_error);
  if (st.policy.loads_modules) {
    const bool listed =
        std::any_of(st.policy.rules.begin(), st.policy.rules.end(),
                    [](const ParsedRule& r) { return contains(kModuleLoading, r.syscall); });
    if (!listed)
      throw PolicyError(*st.allow_modules_at +
                        ": @allow module-loading, but no init_module, finit_module or "
                        "delete_module rule uses it");
  }
  return std::move(st.policy);
}

}  // namespace

bool is_risky_syscall(std::string_view name) {
  return contains(kRiskySyscalls, name);
}

ParsedPolicy parse_policy_text(std::string_view text, const std::string& file,
                               const std::filesystem::path& include_dir) {
  ParseState st;
  st.include_dir = include_dir;
  parse_text(st, text, FileText{file, std::filesystem::path(file).filename().string()}, 0);
  return finish(st);
}

ParsedPolicy parse_policy_file(const std::filesystem::path& path) {
  std::string error;
  const auto text = read_whole(path, error);
  if (!text) throw PolicyError(path.string() + ": cannot read the policy: " + error);
  return parse_policy_text(*text, path.string(), path.parent_path());
}

}  // namespace ccinit::policy
