#include "policy/review/policy_source.h"

#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/process_runner.h"
#include "common/wait_status.h"
#include "policy/policy_parser.h"

namespace ccinit::policy::review {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kGitPrefix = "git:";

// An executable named `name` in $PATH, as a shell would find it: the runner takes absolute
// paths only.
std::optional<fs::path> find_in_path(const std::string& name) {
  const char* path = ::getenv("PATH");
  std::istringstream dirs(path ? path : "");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const fs::path candidate = fs::path(dir.empty() ? "." : dir) / name;
    if (::access(candidate.c_str(), X_OK) == 0 && !fs::is_directory(candidate))
      return fs::absolute(candidate);
  }
  return std::nullopt;
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

PolicySource::PolicySource(const std::string& spec, const std::optional<fs::path>& table)
    : name_(spec) {
  if (spec.starts_with(kGitPrefix)) {
    unpack_revision(spec.substr(kGitPrefix.size()));
  } else if (std::error_code ec; fs::is_directory(fs::path(spec) / "policy", ec)) {
    policy_dir_ = fs::path(spec) / "policy";
    if (fs::exists(fs::path(spec) / "helpers/helpers.table", ec))
      table_ = fs::path(spec) / "helpers/helpers.table";
  } else if (fs::is_directory(spec, ec)) {
    policy_dir_ = spec;
  } else {
    throw PolicyError(spec +
                      ": no such directory (expected a source tree, a policy directory "
                      "or git:REV)");
  }
  if (table) table_ = table;
}

PolicySource::Scratch::~Scratch() {
  if (path.empty()) return;
  std::error_code ignored;
  fs::remove_all(path, ignored);
}

void PolicySource::unpack_revision(const std::string& rev) {
  auto fail = [&](const std::string& why) { throw PolicyError(name_ + ": " + why); };
  // A revision starting with '-' would be read as an option.
  if (rev.empty() || rev.front() == '-') fail("not a revision");
  const auto git = find_in_path("git");
  if (!git) fail("git is not in PATH");
  const auto tar = find_in_path("tar");
  if (!tar) fail("tar is not in PATH");

  tools::ProcessRunner runner({});
  std::error_code ec;
  const std::string here = fs::current_path(ec).string();
  // Every command runs at the repository's top: `git archive` refuses to run in some of its
  // subdirectories, and `REV:policy` is the top's policy/ anyway.
  const auto top = runner.run({git->string(), {"rev-parse", "--show-toplevel"}}, true);
  if (!top.ok() || trimmed(top.output).empty())
    fail("the current directory " + here + " is not in a git repository");
  auto run_git = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"-C", trimmed(top.output)});
    return runner.run({git->string(), std::move(args)}, true);
  };
  const auto commit = run_git({"rev-parse", "--verify", "--quiet", rev + "^{commit}"});
  if (!commit.ok() || trimmed(commit.output).empty())
    fail("not a revision of the git repository of " + here);
  const std::string id = trimmed(commit.output);

  std::string pattern = (fs::temp_directory_path() / "policy-review-git.XXXXXX").string();
  if (!::mkdtemp(pattern.data())) fail("mkdtemp " + pattern + ": " + std::strerror(errno));
  scratch_.path = fs::absolute(pattern);
  const fs::path tree = scratch_.path / "tree";
  fs::create_directories(tree / "helpers");
  // `REV:policy` names the tree from the repository's top, wherever the current directory is.
  const fs::path archive = scratch_.path / "policy.tar";
  if (!run_git({"archive", "--format=tar", "--prefix=policy/", "--output=" + archive.string(),
                id + ":policy"})
           .ok())
    fail("no policy/ directory in that revision");
  const auto unpacked =
      runner.run({tar->string(), {"-x", "-f", archive.string(), "-C", tree.string()}}, false);
  if (!unpacked.ok())
    fail("cannot unpack its policy/: tar " + describe_wait_status(unpacked.wait_status));
  policy_dir_ = tree / "policy";
  // A revision without the table is compared without capabilities.
  const auto table = run_git({"cat-file", "blob", id + ":helpers/helpers.table"});
  if (table.ok()) {
    std::ofstream out(tree / "helpers/helpers.table");
    out << table.output;
    if (!out.flush()) fail("cannot write its helper table in " + tree.string());
    table_ = tree / "helpers/helpers.table";
  }
}

}  // namespace ccinit::policy::review
