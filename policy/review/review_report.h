#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "policy/review/policy_diff.h"
#include "policy/review/review_model.h"
#include "policy/review/risk.h"

// What policy-review prints. Each function returns the text, so that tests read exactly what
// a reviewer sees.
namespace ccinit::policy::review {

// lint: the build's checks on every *.policy file of `policy_dir`, then a justification
// comment of its own (or the safe argument form) for every rule of a dangerous syscall, a
// justification in the table's comment for every capability a helper keeps, and a policy
// for every helper of the table. One "file:line: message" line per finding, in file order.
std::vector<std::string> lint(const std::filesystem::path& policy_dir,
                              const std::filesystem::path& table);

enum class Format { kText, kMarkdown, kJson };

// explain: a helper's capabilities with their justification and every rule it allows with
// its conditions in named constants, risk class, source line and justification.
std::string explain(const HelperPolicy& policy, const TableHelper* row, Format format);

// score: one line per helper and the total.
std::string scores_text(const std::vector<Score>& scores);
// The baseline file: "helper score" lines under a comment saying how to regenerate it.
std::string baseline_text(const std::vector<Score>& scores);
// Helpers whose score is above their baseline, or which have none; one line each.
std::vector<std::string> above_baseline(const std::vector<Score>& scores, std::string_view baseline,
                                        const std::string& baseline_name);

// diff: one line per widened and narrowed rule and capability.
std::string diff_text(const std::vector<HelperDiff>& diffs);

// The review document of every helper of the table (docs/policy-review.md).
std::string review_document(const std::vector<HelperPolicy>& policies,
                            const std::vector<TableHelper>& table);

}  // namespace ccinit::policy::review
