#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "common/unique_fd.h"
#include "policy/policy_stages.h"
#include "policy/policy_text.h"

// Expansion: a policy's includes read where they are included, and each rule line's
// conditions turned into the seccomp rules they stand for.
namespace ccinit::policy::detail {

void fail(const std::string& file, int line, const std::string& message) {
  throw PolicyError(file + ":" + std::to_string(line) + ": " + message);
}

namespace {

// `argN & MASK != VALUE` becomes one rule per other value of the masked bits.
constexpr int kMaxNotEqualMaskBits = 4;
// What one line may expand into; more is a policy nobody can review.
constexpr std::size_t kMaxRulesPerLine = 64;

std::string describe(unsigned arg, std::uint64_t mask, std::string_view op, std::uint64_t v) {
  return "arg" + std::to_string(arg) + " & " + hex_text(mask) + " " + std::string(op) + " " +
         hex_text(v);
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

}  // namespace

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
// Files and includes

namespace {

struct FileText {
  std::string display;  // the path in error messages
  std::string base;     // the base name in rule texts
};

struct ParseState {
  ParsedPolicy policy;
  std::filesystem::path include_dir;
  std::set<std::string> included;
  Validator validator;
};

// Adds the rules of one line; returns the syscall's name.
std::string add_rule_line(ParseState& st, const Line& line, const FileText& ft) {
  RuleLine rule = parse_rule_line(line.body, ft.display, line.number);
  st.validator.check_syscall(rule.syscall, ft.display, line.number);
  const std::string where = ft.base + ":" + std::to_string(line.number);
  const std::string text = where + ": " + std::string(line.body);
  for (auto& checks : expand(rule.alternatives, ft.display, line.number)) {
    st.validator.check_rule(rule.syscall, checks, where, ft.display, line.number);
    st.policy.rules.push_back(ParsedRule{rule.syscall, std::move(checks), text});
  }
  return rule.syscall;
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
  st.validator.allow_module_loading(ft.display + ":" + std::to_string(line.number), depth > 0,
                                    ft.display, line.number);
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
        Validator::check_group_comment(group_says_why, ft.display, line.number);
        const std::string name = add_rule_line(st, line, ft);
        Validator::check_own_comment(name, previous_says_why || line.says_why, ft.display,
                                     line.number);
        break;
      }
    }
    previous_says_why = line.kind == LineKind::kComment && line.says_why;
  }
}

}  // namespace

}  // namespace ccinit::policy::detail

namespace ccinit::policy {

ParsedPolicy parse_policy_text(std::string_view text, const std::string& file,
                               const std::filesystem::path& include_dir) {
  detail::ParseState st;
  st.include_dir = include_dir;
  detail::parse_text(st, text,
                     detail::FileText{file, std::filesystem::path(file).filename().string()}, 0);
  st.validator.finish(st.policy);
  return std::move(st.policy);
}

ParsedPolicy parse_policy_file(const std::filesystem::path& path) {
  std::string error;
  const auto text = detail::read_whole(path, error);
  if (!text) throw PolicyError(path.string() + ": cannot read the policy: " + error);
  return parse_policy_text(*text, path.string(), path.parent_path());
}

}  // namespace ccinit::policy
