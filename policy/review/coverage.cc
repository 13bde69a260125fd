#include "policy/review/coverage.h"

#include <seccomp.h>

#include <algorithm>
#include <sstream>

#include "policy/policy_parser.h"
#include "policy/review/constant_names.h"

namespace ccinit::policy::review {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void fail(const ObservedCall& call, const std::string& message) {
  throw PolicyError(call.where() + ": " + message);
}

bool holds(const ArgCheck& check, std::uint64_t v) {
  switch (check.op) {
    case Op::kEq:
      return v == check.value;
    case Op::kNe:
      return v != check.value;
    case Op::kLt:
      return v < check.value;
    case Op::kLe:
      return v <= check.value;
    case Op::kGt:
      return v > check.value;
    case Op::kGe:
      return v >= check.value;
    case Op::kMaskedEq:
      return (v & check.mask) == check.value;
  }
  return false;
}

const HelperPolicy* find_policy(const std::vector<HelperPolicy>& policies,
                                const std::string& helper) {
  for (const auto& p : policies)
    if (p.helper == helper) return &p;
  return nullptr;
}

// The observation lists exactly the arguments the helper's rules of the syscall check.
void check_listed_arguments(const HelperPolicy& policy, const std::vector<const ReviewRule*>& rules,
                            const ObservedCall& call) {
  std::set<unsigned> checked;
  for (const ReviewRule* r : rules)
    for (const ArgCheck& c : r->checks) checked.insert(c.arg);
  for (const auto& [arg, value] : call.args)
    if (!checked.count(arg))
      fail(call, "arg" + std::to_string(arg) + " is recorded, but no rule of " + policy.helper +
                     " for " + call.syscall +
                     " checks it (an observation of another version of the policy?)");
}

std::string short_list(const std::set<std::string>& names, std::size_t shown = 4) {
  std::string out;
  std::size_t n = 0;
  for (const auto& name : names) {
    if (n++ == shown) return out + ",+" + std::to_string(names.size() - shown);
    out += (out.empty() ? "" : ",") + name;
  }
  return out;
}

std::string plural(std::uint64_t n, const std::string& word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

std::string use_text(const RuleUse& use, bool shared) {
  std::string out = plural(use.calls, "call");
  if (shared) {
    out += " from";
    bool first = true;
    for (const auto& [helper, calls] : use.helpers) {
      out += (first ? " " : ", ") + helper + " " + std::to_string(calls);
      first = false;
    }
    out += ";";
  }
  return out + " by " + short_list(use.comms);
}

std::string conditions_or_any(const ReviewRule& r) {
  const std::string c = conditions_text(r.syscall, r.checks);
  return r.syscall + ": " + (c.empty() ? "any arguments" : c);
}

std::string pad(std::string s, std::size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

std::string md_cell(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (c == '|') out += '\\';
    out += c == '\n' ? ' ' : c;
  }
  return out;
}

enum class State { kExercised, kAnnotated, kUnexercised };

struct RuleLine {
  const ReviewRule* rule = nullptr;
  State state = State::kUnexercised;
  const RuleUse* use = nullptr;
};

// A helper's own rules, or an included file's (one rule for every helper that includes it).
struct Section {
  std::string name;  // "mounter", "runtime.policy"
  std::string title;
  bool shared = false;
  std::vector<RuleLine> rules;
  int exercised = 0, annotated = 0, unexercised = 0;
};

std::vector<Section> sections_of(const std::vector<HelperPolicy>& policies,
                                 const Coverage& coverage, const fs::path& policy_dir) {
  std::vector<Section> out;
  std::map<std::string, Section> included;  // by file
  std::map<std::string, std::set<std::string>> includers;
  std::set<std::string> seen;  // rule ids of included files already placed
  auto line_of = [&](const ReviewRule& r) {
    RuleLine l{&r};
    const auto it = coverage.uses.find(r.id());
    if (it != coverage.uses.end()) {
      l.state = State::kExercised;
      l.use = &it->second;
    } else if (r.unexercised && !r.unexercised->reason.empty()) {
      l.state = State::kAnnotated;
    }
    return l;
  };
  for (const HelperPolicy& p : policies) {
    Section own;
    own.name = p.helper;
    own.title = p.helper + " (" + (policy_dir / p.path.filename()).string() + ")";
    for (const ReviewRule& r : p.rules) {
      if (r.file == p.path.filename().string()) {
        own.rules.push_back(line_of(r));
        continue;
      }
      includers[r.file].insert(p.helper);
      if (seen.insert(r.id()).second) included[r.file].rules.push_back(line_of(r));
    }
    out.push_back(std::move(own));
  }
  for (auto& [file, section] : included) {
    section.name = file;
    section.shared = true;
    std::string helpers;
    for (const auto& h : includers[file]) helpers += (helpers.empty() ? "" : ", ") + h;
    section.title = file + " (" + (policy_dir / file).string() + ", included by " + helpers + ")";
    out.push_back(std::move(section));
  }
  for (Section& s : out) {
    for (const RuleLine& l : s.rules) {
      s.exercised += l.state == State::kExercised;
      s.annotated += l.state == State::kAnnotated;
      s.unexercised += l.state == State::kUnexercised;
    }
  }
  return out;
}

std::string summary(const std::string& name, std::size_t rules, int exercised, int annotated,
                    int unexercised) {
  return name + ": " + plural(rules, "rule") + ", " + std::to_string(exercised) + " exercised, " +
         std::to_string(annotated) + " annotated, " + std::to_string(unexercised) + " unexercised";
}

// Notes on annotations that may go: every rule a `# unexercised:` annotates was exercised,
// or some were (the annotation may move to the others).
std::vector<std::string> annotation_notes(const std::vector<Section>& sections,
                                          const fs::path& policy_dir) {
  struct Annotated {
    int rules = 0;
    std::vector<std::string> exercised;
  };
  std::map<std::pair<std::string, int>, Annotated> by_note;
  for (const Section& s : sections) {
    for (const RuleLine& l : s.rules) {
      if (!l.rule->unexercised) continue;
      Annotated& a = by_note[{l.rule->unexercised->file, l.rule->unexercised->line}];
      ++a.rules;
      if (l.state == State::kExercised) a.exercised.push_back(l.rule->id());
    }
  }
  std::vector<std::string> out;
  for (const auto& [note, a] : by_note) {
    if (a.exercised.empty()) continue;
    const std::string where =
        (policy_dir / note.first).string() + ":" + std::to_string(note.second);
    if (static_cast<int>(a.exercised.size()) == a.rules) {
      out.push_back(where + ": every rule this `unexercised:` annotates was exercised (" +
                    plural(a.rules, "rule") + "): the annotation may be dropped");
    } else {
      std::string ids;
      for (const auto& id : a.exercised) ids += (ids.empty() ? "" : ", ") + id;
      out.push_back(where + ": " + std::to_string(a.exercised.size()) + " of the " +
                    plural(a.rules, "rule") + " this `unexercised:` annotates were exercised (" +
                    ids + "): the annotation may move to the others");
    }
  }
  return out;
}

std::string state_detail(const RuleLine& l, bool shared) {
  switch (l.state) {
    case State::kExercised: {
      std::string out = use_text(*l.use, shared);
      if (l.rule->unexercised)
        out += " (yet annotated unexercised at " + l.rule->unexercised->where() + ")";
      return out;
    }
    case State::kAnnotated:
      return "annotated: " + l.rule->unexercised->reason;
    case State::kUnexercised: {
      // The line as written, when it says more than the rule (`||`, reordered constants).
      std::string out = l.rule->source == conditions_or_any(*l.rule) ||
                                (l.rule->checks.empty() && l.rule->source == l.rule->syscall)
                            ? std::string()
                            : "line `" + l.rule->source + "`";
      if (l.rule->unexercised)
        out += (out.empty() ? "" : "; ") + std::string("its `unexercised:` at ") +
               l.rule->unexercised->where() + " gives no reason";
      return out;
    }
  }
  return {};
}

}  // namespace

bool rule_allows(const ReviewRule& rule, const ObservedCall& call) {
  for (const ArgCheck& check : rule.checks) {
    const auto it = std::find_if(call.args.begin(), call.args.end(),
                                 [&](const auto& a) { return a.first == check.arg; });
    if (it == call.args.end())
      fail(call, "arg" + std::to_string(check.arg) + " is not recorded, but " + rule.id() +
                     " checks it (an observation of another version of the policy?)");
    if (!holds(check, it->second)) return false;
  }
  return true;
}

Coverage measure_coverage(const std::vector<HelperPolicy>& policies,
                          const std::vector<ObservedCall>& calls) {
  Coverage out;
  for (const ObservedCall& call : calls) {
    if (seccomp_syscall_resolve_name(call.syscall.c_str()) == __NR_SCMP_ERROR)
      fail(call, "unknown syscall '" + call.syscall + "'");
    if (call.helper == kUnattributed) {
      out.unattributed.push_back(call);
      continue;
    }
    const HelperPolicy* policy = find_policy(policies, call.helper);
    if (!policy) fail(call, "unknown helper '" + call.helper + "' (it has no policy)");
    std::vector<const ReviewRule*> rules;
    for (const ReviewRule& r : policy->rules)
      if (r.syscall == call.syscall) rules.push_back(&r);
    if (!rules.empty()) check_listed_arguments(*policy, rules, call);
    bool allowed = false;
    for (const ReviewRule* r : rules) {
      if (!rule_allows(*r, call)) continue;
      allowed = true;
      RuleUse& use = out.uses[r->id()];
      use.calls += call.calls;
      use.helpers[call.helper] += call.calls;
      use.comms.insert(call.by.begin(), call.by.end());
    }
    if (!allowed)
      out.findings.push_back(call.where() + ": observed call no rule allows: " + call.call_text() +
                             " (" + plural(call.calls, "call") + " by " +
                             short_list({call.by.begin(), call.by.end()}) + "): the recorder and " +
                             policy->path.filename().string() + " disagree");
  }
  return out;
}

CoverageReport coverage_report(const std::vector<HelperPolicy>& policies, const Coverage& coverage,
                               const fs::path& policy_dir, Format format) {
  const std::vector<Section> sections = sections_of(policies, coverage, policy_dir);
  std::size_t rules = 0;
  int exercised = 0, annotated = 0, unexercised = 0;
  for (const Section& s : sections) {
    rules += s.rules.size();
    exercised += s.exercised;
    annotated += s.annotated;
    unexercised += s.unexercised;
  }
  std::uint64_t unattributed_calls = 0;
  for (const ObservedCall& c : coverage.unattributed) unattributed_calls += c.calls;
  std::string total = summary("total", rules, exercised, annotated, unexercised) + "; " +
                      plural(coverage.findings.size(), "observed call") + " no rule allows; " +
                      plural(unattributed_calls, "call") + " no helper could be attributed";
  std::vector<std::string> notes = annotation_notes(sections, policy_dir);
  for (const ObservedCall& c : coverage.unattributed)
    notes.push_back(c.where() + ": calls no helper could be attributed: " + c.call_text() + " (" +
                    plural(c.calls, "call") + " by " + short_list({c.by.begin(), c.by.end()}) +
                    ")");
  const std::string verdict =
      unexercised == 0
          ? std::string()
          : plural(unexercised, "rule") +
                " no test exercised without `# unexercised: <reason>` in its comment or its "
                "group's: exercise it in a test, remove it, or say why it stays";

  std::ostringstream out;
  if (format == Format::kMarkdown) {
    out << "# Policy coverage\n\n| policy | rules | exercised | annotated | unexercised |\n"
        << "| --- | --- | --- | --- | --- |\n";
    for (const Section& s : sections)
      out << "| " << s.name << " | " << s.rules.size() << " | " << s.exercised << " | "
          << s.annotated << " | " << s.unexercised << " |\n";
    out << "| total | " << rules << " | " << exercised << " | " << annotated << " | " << unexercised
        << " |\n";
    for (const Section& s : sections) {
      out << "\n## " << s.title << "\n\n| state | rule | conditions | calls or reason |\n"
          << "| --- | --- | --- | --- |\n";
      for (const RuleLine& l : s.rules) {
        const char* state = l.state == State::kExercised   ? "exercised"
                            : l.state == State::kAnnotated ? "unexercised (annotated)"
                                                           : "**UNEXERCISED**";
        out << "| " << state << " | " << l.rule->id() << " | `"
            << md_cell(conditions_or_any(*l.rule)) << "` | " << md_cell(state_detail(l, s.shared))
            << " |\n";
      }
    }
    out << "\n" << total << ".\n";
    if (!coverage.findings.empty() || !notes.empty() || !verdict.empty()) out << "\n";
    for (const auto& f : coverage.findings) out << "- " << md_cell(f) << "\n";
    if (!verdict.empty()) out << "- " << verdict << "\n";
    for (const auto& n : notes) out << "- note: " << md_cell(n) << "\n";
  } else {
    for (const Section& s : sections) {
      out << s.title << "\n";
      std::size_t width = 0;
      for (const RuleLine& l : s.rules) width = std::max(width, l.rule->id().size());
      for (const RuleLine& l : s.rules) {
        if (l.state == State::kUnexercised) {
          const std::string where =
              (policy_dir / l.rule->file).string() + ":" + std::to_string(l.rule->line);
          const std::string detail = state_detail(l, s.shared);
          out << "  UNEXERCISED  " << where << ": " << conditions_or_any(*l.rule)
              << (detail.empty() ? "" : " (" + detail + ")") << "\n";
          continue;
        }
        out << "  " << pad(l.state == State::kExercised ? "exercised" : "unexercised", 11) << "  "
            << pad(l.rule->id(), width) << "  " << conditions_or_any(*l.rule) << "  "
            << state_detail(l, s.shared) << "\n";
      }
      out << "  " << summary(s.name, s.rules.size(), s.exercised, s.annotated, s.unexercised)
          << "\n\n";
    }
    out << total << "\n";
    for (const auto& f : coverage.findings) out << f << "\n";
    if (!verdict.empty()) out << verdict << "\n";
    for (const auto& n : notes) out << "note: " << n << "\n";
  }
  return {out.str(), coverage.findings.empty() && unexercised == 0};
}

}  // namespace ccinit::policy::review
