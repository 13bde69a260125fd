// policy-review: a reviewer's tool for the helpers' seccomp policies (README, "Reviewing the
// seccomp policies"). Reads policy/*.policy and helpers/helpers.table; needs no guest.
#include <cstdio>
#include <exception>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "policy/policy_parser.h"
#include "policy/review/coverage.h"
#include "policy/review/policy_source.h"
#include "policy/review/review_report.h"

namespace {

namespace fs = std::filesystem;
using namespace ccinit::policy;
using namespace ccinit::policy::review;

constexpr const char* kUsage =
    "usage: policy-review [--policy-dir DIR] [--table FILE] COMMAND\n"
    "  lint                           the build's checks, dangerous syscalls without their own\n"
    "                                 justification, capabilities without one (exit 1 on "
    "findings)\n"
    "  explain HELPER [--format text|markdown|json]\n"
    "                                 capabilities and every allowed rule, with its risk class\n"
    "  diff [--old-table FILE] [--new-table FILE] OLD NEW\n"
    "                                 what NEW's policies allow and NEW's helper table keeps\n"
    "                                 that OLD's did not, and the reverse, by meaning (exit 1\n"
    "                                 when NEW widens a helper). OLD, NEW: a source tree (with\n"
    "                                 policy/ and helpers/helpers.table), a policy directory\n"
    "                                 (capabilities compared only with the --*-table options)\n"
    "                                 or git:REV (that revision of the current directory's\n"
    "                                 git repository)\n"
    "  score [--threshold N] [--baseline FILE] [--write-baseline FILE]\n"
    "                                 each helper's exposure score (exit 1 above N or FILE)\n"
    "  doc [--output FILE | --check FILE]\n"
    "                                 the review document of every helper\n"
    "  coverage [--format text|markdown] PATH...\n"
    "                                 which rules the calls observed in the tests exercised\n"
    "                                 (PATH: observation files of ns-boot --observe, or\n"
    "                                 directories of *.observed files); exit 1 on a rule no\n"
    "                                 test exercised without `# unexercised: <reason>` in its\n"
    "                                 comment or its group's, or a call no rule allows\n"
    "DIR defaults to policy, FILE to helpers/helpers.table (run from the source tree).\n"
    "Exit status: 0 clean, 1 findings/widening/above the limit, 2 bad usage or input.";

// Exit statuses.
constexpr int kClean = 0;
constexpr int kFindings = 1;
constexpr int kBadInput = 2;

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  if (!in) throw PolicyError(path.string() + ": cannot read");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  if (!out.flush()) throw PolicyError(path.string() + ": cannot write");
}

struct Args {
  std::vector<std::string> words;
  std::size_t next = 0;
  bool done() const { return next >= words.size(); }
  std::string take(const std::string& what) {
    if (done()) throw UsageError("missing " + what);
    return words[next++];
  }
};

const TableHelper* find_row(const std::vector<TableHelper>& table, const std::string& name) {
  for (const auto& h : table)
    if (h.name == name) return &h;
  return nullptr;
}

std::vector<Score> all_scores(const fs::path& dir, const fs::path& table) {
  const auto rows = load_helper_table(table);
  std::vector<Score> scores;
  for (const auto& p : load_policy_dir(dir)) {
    const TableHelper* row = find_row(rows, p.helper);
    scores.push_back(score_helper(p, row ? row->capabilities : std::vector<KeptCapability>{}));
  }
  return scores;
}

int run(Args& args) {
  fs::path dir = "policy";
  fs::path table = "helpers/helpers.table";
  while (!args.done() && args.words[args.next].starts_with("--")) {
    const std::string opt = args.take("an option");
    if (opt == "--policy-dir") {
      dir = args.take("--policy-dir DIR");
    } else if (opt == "--table") {
      table = args.take("--table FILE");
    } else if (opt == "--help") {
      std::puts(kUsage);
      return kClean;
    } else {
      throw UsageError("unknown option '" + opt + "'");
    }
  }
  const std::string command = args.take("a command");
  if (command == "lint") {
    if (!args.done()) throw UsageError("lint takes no argument");
    const auto findings = lint(dir, table);
    for (const auto& f : findings) std::printf("%s\n", f.c_str());
    return findings.empty() ? kClean : kFindings;
  }
  if (command == "explain") {
    const std::string helper = args.take("HELPER");
    Format format = Format::kText;
    while (!args.done()) {
      const std::string opt = args.take("an option");
      if (opt != "--format") throw UsageError("explain: unknown option '" + opt + "'");
      const std::string f = args.take("--format text|markdown|json");
      if (f == "text") {
        format = Format::kText;
      } else if (f == "markdown") {
        format = Format::kMarkdown;
      } else if (f == "json") {
        format = Format::kJson;
      } else {
        throw UsageError("--format " + f + ": expected text, markdown or json");
      }
    }
    const fs::path path = dir / (helper + ".policy");
    if (!fs::exists(path)) throw UsageError("explain " + helper + ": no policy " + path.string());
    const auto rows = load_helper_table(table);
    std::fputs(explain(load_policy(path), find_row(rows, helper), format).c_str(), stdout);
    return kClean;
  }
  if (command == "diff") {
    std::vector<std::string> sides;
    std::optional<fs::path> old_table, new_table;
    while (!args.done()) {
      const std::string word = args.take("OLD");
      if (word == "--old-table") {
        old_table = args.take("--old-table FILE");
      } else if (word == "--new-table") {
        new_table = args.take("--new-table FILE");
      } else if (word.starts_with("--")) {
        throw UsageError("diff: unknown option '" + word + "'");
      } else {
        sides.push_back(word);
      }
    }
    if (sides.size() != 2)
      throw UsageError("diff takes OLD and NEW (a source tree, a policy directory or git:REV)");
    const PolicySource old_side(sides[0], old_table);
    const PolicySource new_side(sides[1], new_table);
    auto diffs = diff_policies(load_policy_dir(old_side.policy_dir()),
                               load_policy_dir(new_side.policy_dir()));
    std::string note;
    if (old_side.table() && new_side.table()) {
      diff_capabilities(load_helper_table(*old_side.table()), load_helper_table(*new_side.table()),
                        diffs);
    } else {
      const PolicySource& without = old_side.table() ? new_side : old_side;
      note = "capabilities not compared: " + without.name() +
             " has no helper table (give a source tree with helpers/helpers.table, or " +
             (old_side.table() ? "--new-table" : "--old-table") + " FILE)\n";
    }
    std::fputs((diff_text(diffs) + note).c_str(), stdout);
    for (const auto& d : diffs)
      if (d.widens()) return kFindings;
    return kClean;
  }
  if (command == "score") {
    std::optional<long> threshold;
    std::string baseline, write_baseline;
    while (!args.done()) {
      const std::string opt = args.take("an option");
      if (opt == "--threshold") {
        const std::string n = args.take("--threshold N");
        char* end = nullptr;
        const long v = std::strtol(n.c_str(), &end, 10);
        if (n.empty() || *end != '\0' || v < 0)
          throw UsageError("--threshold " + n + ": expected a non-negative number");
        threshold = v;
      } else if (opt == "--baseline") {
        baseline = args.take("--baseline FILE");
      } else if (opt == "--write-baseline") {
        write_baseline = args.take("--write-baseline FILE");
      } else {
        throw UsageError("score: unknown option '" + opt + "'");
      }
    }
    const auto scores = all_scores(dir, table);
    std::fputs(scores_text(scores).c_str(), stdout);
    if (!write_baseline.empty()) write_file(write_baseline, baseline_text(scores));
    int status = kClean;
    if (threshold) {
      for (const auto& s : scores) {
        if (s.total <= *threshold) continue;
        std::printf("%s scores %d, above the threshold %ld\n", s.helper.c_str(), s.total,
                    *threshold);
        status = kFindings;
      }
    }
    if (!baseline.empty()) {
      for (const auto& line : above_baseline(scores, read_file(baseline), baseline)) {
        std::printf("%s\n", line.c_str());
        status = kFindings;
      }
      if (status == kFindings)
        std::printf(
            "a widening on purpose updates the baseline: policy-review score "
            "--write-baseline %s\n",
            baseline.c_str());
    }
    return status;
  }
  if (command == "doc") {
    std::string output, check;
    while (!args.done()) {
      const std::string opt = args.take("an option");
      if (opt == "--output") {
        output = args.take("--output FILE");
      } else if (opt == "--check") {
        check = args.take("--check FILE");
      } else {
        throw UsageError("doc: unknown option '" + opt + "'");
      }
    }
    const std::string doc = review_document(load_policy_dir(dir), load_helper_table(table));
    if (!check.empty()) {
      if (read_file(check) == doc) return kClean;
      std::printf(
          "%s is stale: the policies or the helper table changed. Regenerate it from the "
          "source tree with\n  build/release/bin/policy-review doc --output %s\n",
          check.c_str(), check.c_str());
      return kFindings;
    }
    if (output.empty()) {
      std::fputs(doc.c_str(), stdout);
    } else {
      write_file(output, doc);
    }
    return kClean;
  }
  if (command == "coverage") {
    Format format = Format::kText;
    std::vector<fs::path> paths;
    while (!args.done()) {
      const std::string word = args.take("PATH");
      if (word == "--format") {
        const std::string f = args.take("--format text|markdown");
        if (f == "text") {
          format = Format::kText;
        } else if (f == "markdown") {
          format = Format::kMarkdown;
        } else {
          throw UsageError("--format " + f + ": expected text or markdown");
        }
      } else if (word.starts_with("--")) {
        throw UsageError("coverage: unknown option '" + word + "'");
      } else {
        paths.emplace_back(word);
      }
    }
    if (paths.empty())
      throw UsageError("coverage: missing PATH (an observation file or directory)");
    const auto policies = load_policy_dir(dir);
    const auto coverage = measure_coverage(policies, read_observations(paths));
    const auto report = coverage_report(policies, coverage, dir, format);
    std::fputs(report.text.c_str(), stdout);
    return report.passes ? kClean : kFindings;
  }
  throw UsageError("unknown command '" + command + "'");
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  for (int i = 1; i < argc; ++i) args.words.emplace_back(argv[i]);
  try {
    return run(args);
  } catch (const UsageError& e) {
    std::fprintf(stderr, "policy-review: %s\n%s\n", e.what(), kUsage);
    return kBadInput;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "policy-review: %s\n", e.what());
    return kBadInput;
  }
}
