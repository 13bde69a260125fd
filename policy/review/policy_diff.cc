#include "policy/review/policy_diff.h"

#include <array>
#include <bit>
#include <cstdint>
#include <map>
#include <optional>
#include <set>

namespace ccinit::policy::review {

namespace {

constexpr std::uint64_t kAll = ~std::uint64_t{0};
// Splitting a rule into the cases of other rules' masked bits stops here (2^12 cases).
constexpr int kMaxSplitBits = 12;

// The values one argument may take under a rule: any, those with (x & mask) == value, a
// range, or all but one.
struct ArgSet {
  enum Kind { kAny, kMasked, kRange, kNot } kind = kAny;
  std::uint64_t mask = 0, value = 0;  // kMasked; kNot uses value
  std::uint64_t lo = 0, hi = kAll;    // kRange
};

// nullopt when the check allows no value (`arg0 < 0`).
std::optional<ArgSet> set_of(const ArgCheck& c) {
  ArgSet s;
  switch (c.op) {
    case Op::kEq:
      return ArgSet{ArgSet::kMasked, kAll, c.value};
    case Op::kMaskedEq:
      return ArgSet{ArgSet::kMasked, c.mask, c.value};
    case Op::kNe:
      return ArgSet{ArgSet::kNot, 0, c.value};
    case Op::kLt:
      if (c.value == 0) return std::nullopt;
      s = {ArgSet::kRange, 0, 0, 0, c.value - 1};
      return s;
    case Op::kLe:
      s = {ArgSet::kRange, 0, 0, 0, c.value};
      return s;
    case Op::kGt:
      if (c.value == kAll) return std::nullopt;
      s = {ArgSet::kRange, 0, 0, c.value + 1, kAll};
      return s;
    case Op::kGe:
      s = {ArgSet::kRange, 0, 0, c.value, kAll};
      return s;
  }
  return s;
}

// Every value of `a` is in `b`.
bool implies(const ArgSet& a, const ArgSet& b) {
  if (b.kind == ArgSet::kAny) return true;
  if (b.kind == ArgSet::kRange && b.lo == 0 && b.hi == kAll) return true;
  switch (a.kind) {
    case ArgSet::kAny:
      return false;
    case ArgSet::kMasked: {
      const std::uint64_t lo = a.value, hi = a.value | ~a.mask;
      if (b.kind == ArgSet::kMasked)
        return (b.mask & ~a.mask) == 0 && (a.value & b.mask) == b.value;
      if (b.kind == ArgSet::kRange) return lo >= b.lo && hi <= b.hi;
      return (b.value & a.mask) != a.value;  // kNot: the excluded value is not in `a`
    }
    case ArgSet::kRange:
      if (b.kind == ArgSet::kRange) return a.lo >= b.lo && a.hi <= b.hi;
      if (b.kind == ArgSet::kNot) return b.value < a.lo || b.value > a.hi;
      return a.lo == a.hi && (a.lo & b.mask) == b.value;
    case ArgSet::kNot:
      return b.kind == ArgSet::kNot && a.value == b.value;
  }
  return false;
}

// A rule as one set per argument (six arguments); nullopt when it allows nothing.
using Box = std::array<ArgSet, 6>;

std::optional<Box> box_of(const std::vector<ArgCheck>& checks) {
  Box box{};
  for (const ArgCheck& c : checks) {
    const auto s = set_of(c);
    if (!s || c.arg >= box.size()) return std::nullopt;
    box[c.arg] = *s;
  }
  return box;
}

bool box_implies(const Box& a, const Box& b) {
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!implies(a[i], b[i])) return false;
  return true;
}

bool covered_by_one(const Box& box, const std::vector<Box>& others) {
  for (const Box& o : others)
    if (box_implies(box, o)) return true;
  return false;
}

}  // namespace

bool covered_by(const ReviewRule& rule, const std::vector<ReviewRule>& others) {
  const auto box = box_of(rule.checks);
  if (!box) return true;  // allows nothing
  std::vector<Box> boxes;
  for (const ReviewRule& o : others) {
    if (o.syscall != rule.syscall) continue;
    if (auto b = box_of(o.checks)) boxes.push_back(*b);
  }
  if (covered_by_one(*box, boxes)) return true;
  // Split the rule into the cases of the bits the other rules mask on each argument it
  // leaves free or masks partly: `arg2 & PROT_EXEC == 0` is covered by the three rules of
  // `arg2 & PROT_WRITE|PROT_EXEC != PROT_EXEC` ... only case by case.
  std::vector<std::pair<unsigned, std::uint64_t>> split_bits;  // (arg, one bit)
  for (unsigned arg = 0; arg < box->size(); ++arg) {
    const ArgSet& a = (*box)[arg];
    if (a.kind != ArgSet::kAny && a.kind != ArgSet::kMasked) continue;
    std::uint64_t bits = 0;
    for (const Box& o : boxes)
      if (o[arg].kind == ArgSet::kMasked) bits |= o[arg].mask;
    if (a.kind == ArgSet::kMasked) bits &= ~a.mask;
    for (std::uint64_t m = bits; m != 0; m &= m - 1) split_bits.emplace_back(arg, m & -m);
  }
  if (split_bits.empty() || split_bits.size() > kMaxSplitBits) return false;
  for (std::uint64_t assignment = 0; assignment < (std::uint64_t{1} << split_bits.size());
       ++assignment) {
    Box part = *box;
    for (std::size_t i = 0; i < split_bits.size(); ++i) {
      auto [arg, bit] = split_bits[i];
      ArgSet& s = part[arg];
      if (s.kind == ArgSet::kAny) s = ArgSet{ArgSet::kMasked, 0, 0};
      s.mask |= bit;
      if (assignment & (std::uint64_t{1} << i)) s.value |= bit;
    }
    if (!covered_by_one(part, boxes)) return false;
  }
  return true;
}

std::vector<HelperDiff> diff_policies(const std::vector<HelperPolicy>& old_side,
                                      const std::vector<HelperPolicy>& new_side) {
  std::map<std::string, const HelperPolicy*> olds, news;
  for (const auto& p : old_side) olds[p.helper] = &p;
  for (const auto& p : new_side) news[p.helper] = &p;
  std::map<std::string, HelperDiff> diffs;
  for (const auto& [name, n] : news) {
    HelperDiff d;
    d.helper = name;
    const auto o = olds.find(name);
    if (o == olds.end()) {
      d.added = true;
      d.widened = n->rules;
    } else {
      for (const ReviewRule& r : n->rules)
        if (!covered_by(r, o->second->rules)) d.widened.push_back(r);
      for (const ReviewRule& r : o->second->rules)
        if (!covered_by(r, n->rules)) d.narrowed.push_back(r);
    }
    if (d.added || !d.widened.empty() || !d.narrowed.empty()) diffs[name] = std::move(d);
  }
  for (const auto& [name, o] : olds) {
    if (news.count(name)) continue;
    HelperDiff d;
    d.helper = name;
    d.removed = true;
    d.narrowed = o->rules;
    diffs[name] = std::move(d);
  }
  std::vector<HelperDiff> out;
  for (auto& [name, d] : diffs) out.push_back(std::move(d));
  return out;
}

void diff_capabilities(const std::vector<TableHelper>& old_table,
                       const std::vector<TableHelper>& new_table, std::vector<HelperDiff>& diffs) {
  std::map<std::string, const TableHelper*> olds, news;
  for (const auto& h : old_table) olds[h.name] = &h;
  for (const auto& h : new_table) news[h.name] = &h;
  std::map<std::string, HelperDiff> by_name;
  for (auto& d : diffs) by_name[d.helper] = std::move(d);
  auto names_of = [](const TableHelper* h) {
    std::set<std::string> names;
    if (h)
      for (const auto& c : h->capabilities) names.insert(c.name);
    return names;
  };
  auto diff_of = [&](const std::string& name) -> HelperDiff& {
    HelperDiff& d = by_name[name];
    d.helper = name;
    return d;
  };
  for (const auto& [name, n] : news) {
    const auto o = olds.find(name);
    const TableHelper* old_row = o == olds.end() ? nullptr : o->second;
    const auto kept = names_of(n), had = names_of(old_row);
    std::vector<std::string> added, dropped;
    for (const auto& c : kept)
      if (!had.count(c)) added.push_back(c);
    for (const auto& c : had)
      if (!kept.count(c)) dropped.push_back(c);
    if (old_row && added.empty() && dropped.empty()) continue;
    HelperDiff& d = diff_of(name);
    d.row_added = !old_row;
    d.row_line = n->line;
    d.capabilities_kept = added;
    d.capabilities_dropped = dropped;
  }
  for (const auto& [name, o] : olds) {
    if (news.count(name)) continue;
    HelperDiff& d = diff_of(name);
    d.row_removed = true;
    d.row_line = o->line;
    for (const auto& c : o->capabilities) d.capabilities_dropped.push_back(c.name);
  }
  diffs.clear();
  for (auto& [name, d] : by_name) diffs.push_back(std::move(d));
}

}  // namespace ccinit::policy::review
