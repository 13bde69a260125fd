#pragma once

#include <string>
#include <vector>

#include "policy/review/review_model.h"

// Two versions of the policies compared by meaning: a rule of one side is a change only when
// some syscall call it allows is not allowed by any rule of the other side. Reordered,
// reworded or re-split rules are no change; a loosened argument check is a widening.
namespace ccinit::policy::review {

// `rule` allows nothing that `others` (rules of any syscalls) do not allow. Exact for one
// covering rule and for a union of rules that split the same masked bits (what `||` and
// masked `!=` produce); a rule covered only by a union of ranges counts as not covered, so a
// reported widening may be an over-report but a missed one is not.
bool covered_by(const ReviewRule& rule, const std::vector<ReviewRule>& others);

struct HelperDiff {
  std::string helper;
  bool added = false;                // its policy only in NEW: everything it allows widens
  bool removed = false;              // its policy only in OLD
  std::vector<ReviewRule> widened;   // NEW rules OLD did not cover
  std::vector<ReviewRule> narrowed;  // OLD rules NEW does not cover
  // From the helper tables, when both sides have one.
  bool row_added = false;                      // its row only in NEW's table
  bool row_removed = false;                    // its row only in OLD's
  int row_line = 0;                            // the row's line in NEW's table (OLD's when removed)
  std::vector<std::string> capabilities_kept;  // by NEW, not by OLD
  std::vector<std::string> capabilities_dropped;  // kept by OLD, not by NEW
  bool widens() const {
    return added || row_added || !widened.empty() || !capabilities_kept.empty();
  }
};

// Every helper of either side that changed, by name.
std::vector<HelperDiff> diff_policies(const std::vector<HelperPolicy>& old_side,
                                      const std::vector<HelperPolicy>& new_side);

// Adds to `diffs` (kept sorted by helper) what the helper tables change: a capability NEW's
// row keeps that OLD's did not widens, a dropped one narrows; a row only in NEW widens.
void diff_capabilities(const std::vector<TableHelper>& old_table,
                       const std::vector<TableHelper>& new_table, std::vector<HelperDiff>& diffs);

}  // namespace ccinit::policy::review
