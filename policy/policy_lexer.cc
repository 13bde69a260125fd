#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "common/hex_digits.h"
#include "policy/named_constants.h"
#include "policy/policy_stages.h"

// Lexing and parsing: a line's kind, then the tokens and conditions of a rule line.
namespace ccinit::policy::detail {

namespace {

// libseccomp takes at most this many comparisons per rule (one per argument).
constexpr unsigned kMaxArgs = 6;

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r");
  return s.substr(first, last - first + 1);
}

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
      const int d = hex_digit_value(c);
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

}  // namespace

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

RuleLine parse_rule_line(std::string_view body, const std::string& file, int line) {
  RuleParser parser(body, file, line);
  RuleLine out;
  out.syscall = parser.syscall();
  out.alternatives = parser.alternatives();
  return out;
}

}  // namespace ccinit::policy::detail
