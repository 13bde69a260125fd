#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "policy/review/policy_diff.h"
#include "policy/review/review_model.h"
#include "policy/review/review_report.h"
#include "tests/testlib/paths.h"
#include "tests/testlib/run_program.h"
#include "tests/testlib/temp_dir.h"

// policy-review diff beyond two policy directories: the capabilities of the helper tables,
// and git revisions.
namespace ccinit::policy::review {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

constexpr const char* kPolicy = "# io\nread\nwrite\n";

std::string table_row(const std::string& helper, const std::string& caps) {
  return "# " + helper + ": " + caps + " for the test.\n" + helper + " | 30 | planned | " + caps +
         " | a test helper\n";
}

class PolicyReviewDiffTest : public ::testing::Test {
 protected:
  // A source tree `root` with policy/h.policy and helpers/helpers.table.
  fs::path tree(const std::string& root, const std::string& policy, const std::string& table) {
    fs::create_directories(dir_ / root / "policy");
    fs::create_directories(dir_ / root / "helpers");
    dir_.write(root + "/policy/h.policy", policy);
    dir_.write(root + "/helpers/helpers.table", table);
    return dir_ / root;
  }
  std::vector<TableHelper> load_rows(const std::string& table) {
    return load_helper_table(dir_.write("rows.table", table));
  }
  ccinit::testing::ProgramRun review(std::vector<std::string> args,
                                     ccinit::testing::RunOptions options = {}) {
    args.insert(args.begin(), ccinit::testing::bin_dir() + "/policy-review");
    return ccinit::testing::run_program(args, options);
  }
  TempDir dir_{"policy_review_diff_test"};
};

// --- capabilities ----------------------------------------------------------------------

TEST_F(PolicyReviewDiffTest, ACapabilityNewKeepsIsAWideningAndADroppedOneANarrowing) {
  const fs::path old_tree = tree("old", kPolicy, table_row("h", "CAP_SYS_ADMIN"));
  const fs::path new_tree = tree("new", kPolicy, table_row("h", "CAP_SYS_ADMIN CAP_NET_ADMIN"));
  const auto widening = review({"diff", old_tree, new_tree});
  EXPECT_TRUE(widening.exited_with(1)) << widening.describe();
  EXPECT_EQ(widening.out, "h: widens: keeps CAP_NET_ADMIN (helpers.table:2)\n");
  const auto narrowing = review({"diff", new_tree, old_tree});
  EXPECT_TRUE(narrowing.exited_with(0)) << narrowing.describe();
  EXPECT_EQ(narrowing.out, "h: narrows: no longer keeps CAP_NET_ADMIN (helpers.table:2)\n");
  const auto same = review({"diff", old_tree, old_tree});
  EXPECT_TRUE(same.exited_with(0)) << same.describe();
  EXPECT_EQ(same.out, "no change in what any helper allows\n");
}

TEST_F(PolicyReviewDiffTest, AHelperOnlyInNewsTableWidens) {
  std::vector<HelperDiff> diffs;
  diff_capabilities(load_rows(table_row("h", "none")),
                    load_rows(table_row("h", "none") + "\n" + table_row("g", "CAP_MKNOD")), diffs);
  ASSERT_EQ(diffs.size(), 1u);
  EXPECT_TRUE(diffs[0].widens());
  EXPECT_EQ(diff_text(diffs),
            "g: new row in the helper table (helpers.table:5)\n"
            "g: widens: keeps CAP_MKNOD (helpers.table:5)\n");

  std::vector<HelperDiff> removed;
  diff_capabilities(load_rows(table_row("h", "none") + "\n" + table_row("g", "CAP_MKNOD")),
                    load_rows(table_row("h", "none")), removed);
  ASSERT_EQ(removed.size(), 1u);
  EXPECT_FALSE(removed[0].widens());
  EXPECT_EQ(diff_text(removed),
            "g: row removed from the helper table\n"
            "g: narrows: no longer keeps CAP_MKNOD (was helpers.table:5)\n");
}

TEST_F(PolicyReviewDiffTest, PolicyAndCapabilityChangesOfAHelperAreReportedTogether) {
  const fs::path old_tree = tree("old", kPolicy, table_row("h", "CAP_MKNOD"));
  const fs::path new_tree =
      tree("new", std::string(kPolicy) + "# files\nopenat\n", table_row("h", "none"));
  const auto run = review({"diff", old_tree, new_tree});
  EXPECT_TRUE(run.exited_with(1)) << run.describe();
  EXPECT_EQ(run.out,
            "h: widens: openat: any arguments (h.policy:5)\n"
            "h: narrows: no longer keeps CAP_MKNOD (helpers.table:2)\n");
}

TEST_F(PolicyReviewDiffTest, BarePolicyDirectoriesCompareCapabilitiesOnlyWithTheTablesGiven) {
  const fs::path old_tree = tree("old", kPolicy, table_row("h", "none"));
  const fs::path new_tree = tree("new", kPolicy, table_row("h", "CAP_CHOWN"));
  const auto without = review({"diff", old_tree / "policy", new_tree / "policy"});
  EXPECT_TRUE(without.exited_with(0)) << without.describe();
  EXPECT_EQ(without.out, "no change in what any helper allows\ncapabilities not compared: " +
                             (old_tree / "policy").string() +
                             " has no helper table (give a source tree with "
                             "helpers/helpers.table, or --old-table FILE)\n");
  const auto with =
      review({"diff", "--old-table", old_tree / "helpers/helpers.table", "--new-table",
              new_tree / "helpers/helpers.table", old_tree / "policy", new_tree / "policy"});
  EXPECT_TRUE(with.exited_with(1)) << with.describe();
  EXPECT_EQ(with.out, "h: widens: keeps CAP_CHOWN (helpers.table:2)\n");
}

TEST_F(PolicyReviewDiffTest, ASideThatIsNoDirectoryIsAOneLineError) {
  const fs::path old_tree = tree("old", kPolicy, table_row("h", "none"));
  const auto run = review({"diff", old_tree, dir_ / "nothing"});
  EXPECT_TRUE(run.exited_with(2)) << run.describe();
  EXPECT_EQ(run.err, "policy-review: " + (dir_ / "nothing").string() +
                         ": no such directory (expected a source tree, a policy directory or "
                         "git:REV)\n");
}

// --- git revisions ---------------------------------------------------------------------

std::optional<std::string> git_path() {
  const char* path = ::getenv("PATH");
  std::istringstream dirs(path ? path : "");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const std::string candidate = dir + "/git";
    if (!dir.empty() && ::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return std::nullopt;
}

TEST_F(PolicyReviewDiffTest, GitRevisionsAreComparedFromTheRepositoryOfTheCurrentDirectory) {
  const auto git = git_path();
  if (!git) GTEST_SKIP() << "git is not installed";
  const fs::path repo = tree("repo", kPolicy, table_row("h", "CAP_SYS_ADMIN"));
  fs::create_directories(dir_ / "tmp");
  fs::create_directories(dir_ / "home");
  // The temporary directories of the revisions go to dir_/tmp, to check that they are gone.
  const std::vector<std::string> env = {std::string("PATH=") + ::getenv("PATH"),
                                        "TMPDIR=" + (dir_ / "tmp").string(),
                                        "HOME=" + (dir_ / "home").string()};
  auto in = [&](const fs::path& where) {
    ccinit::testing::RunOptions options;
    options.env = env;
    options.stderr_to_stdout = true;
    const std::string dir = where.string();
    options.in_child = [dir]() -> const char* {
      return ::chdir(dir.c_str()) == 0 ? nullptr : "chdir";
    };
    return options;
  };
  auto run_git = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {*git, "-c", "user.name=test", "-c", "user.email=test@example.org"});
    const auto run = ccinit::testing::run_program(args, in(repo));
    ASSERT_TRUE(run.exited_with(0)) << run.describe();
  };
  run_git({"init", "-q"});
  run_git({"add", "policy", "helpers"});
  run_git({"commit", "-q", "-m", "first"});
  dir_.write("repo/policy/h.policy", std::string(kPolicy) + "# files\nopenat\n");
  dir_.write("repo/helpers/helpers.table", table_row("h", "CAP_SYS_ADMIN CAP_MKNOD"));
  run_git({"commit", "-q", "-a", "-m", "second"});

  // From a subdirectory too: the revision's policy/ is the repository's, not the directory's.
  const auto widening = review({"diff", "git:HEAD~1", "git:HEAD"}, in(repo / "helpers"));
  EXPECT_TRUE(widening.exited_with(1)) << widening.describe();
  EXPECT_EQ(widening.out,
            "h: widens: openat: any arguments (h.policy:5)\n"
            "h: widens: keeps CAP_MKNOD (helpers.table:2)\n");
  // A revision against the working tree.
  const auto narrowing = review({"diff", ".", "git:HEAD~1"}, in(repo));
  EXPECT_TRUE(narrowing.exited_with(0)) << narrowing.describe();
  EXPECT_EQ(narrowing.out,
            "h: narrows: openat: any arguments (was h.policy:5)\n"
            "h: narrows: no longer keeps CAP_MKNOD (helpers.table:2)\n");

  const auto bad = review({"diff", "git:no-such-branch", "."}, in(repo));
  EXPECT_TRUE(bad.exited_with(2)) << bad.describe();
  EXPECT_EQ(bad.out, "policy-review: git:no-such-branch: not a revision of the git repository of " +
                         repo.string() + "\n");
  EXPECT_TRUE(fs::is_empty(dir_ / "tmp")) << "the revisions' temporary directories are removed";
}

}  // namespace
}  // namespace ccinit::policy::review
