#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "policy/review/observation.h"
#include "policy/review/review_model.h"
#include "policy/review/review_report.h"

// policy-review coverage: which rules of the helpers' policies the tests exercised (issue
// "Minimality, measured"), from the calls the recorder observed. A rule is exercised by a call
// when every one of its checks holds on the recorded values; a rule of an included file
// (runtime.policy) is one rule for every helper, exercised when any helper exercised it. A
// rule no test exercises must say why it stays (`# unexercised: <reason>`).
namespace ccinit::policy::review {

// How the observed calls used one rule.
struct RuleUse {
  std::uint64_t calls = 0;
  std::map<std::string, std::uint64_t> helpers;  // calls per helper
  std::set<std::string> comms;
};

struct Coverage {
  std::map<std::string, RuleUse> uses;  // by ReviewRule::id()
  // "file:line: observed call no rule allows: ...": the recorder and the policy disagree.
  std::vector<std::string> findings;
  std::vector<ObservedCall> unattributed;  // helper `?`
};

// Whether every check of `rule` holds on the call's recorded values, compared as the filter
// does (unsigned 64-bit). Throws PolicyError "file:line: ..." naming the observation when
// the rule checks an argument the call does not list: the recorder lists every one a rule
// checks, so the observation is of another policy.
bool rule_allows(const ReviewRule& rule, const ObservedCall& call);

// Evaluates every observed call against its helper's rules of that syscall. Throws
// PolicyError "file:line: ..." for an unknown helper or syscall, or arguments that are not
// those the helper's rules of that syscall check.
Coverage measure_coverage(const std::vector<HelperPolicy>& policies,
                          const std::vector<ObservedCall>& calls);

struct CoverageReport {
  std::string text;
  // Every rule exercised or annotated, and no observed call that no rule allows.
  bool passes = false;
};

// Per helper every rule of its own file, then per included file its rules, each with its
// state: exercised (calls, by which helpers and comms), unexercised (annotated: reason) or
// UNEXERCISED (policy_dir/file:line and the rule as written); a summary line per helper and
// in total; the findings; notes on annotations of rules that were exercised and on calls no
// helper could be attributed. Format kText or kMarkdown.
CoverageReport coverage_report(const std::vector<HelperPolicy>& policies, const Coverage& coverage,
                               const std::filesystem::path& policy_dir, Format format);

}  // namespace ccinit::policy::review
