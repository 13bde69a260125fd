#pragma once

#include <filesystem>
#include <optional>
#include <string>

// One side of `policy-review diff`: the policies and, when known, the helper table of a
// source tree, a bare policy directory, or a git revision.
namespace ccinit::policy::review {

class PolicySource {
 public:
  // `spec` as given on the command line:
  // - `git:REV`: policy/ and helpers/helpers.table of that revision of the git repository of
  //   the current directory, unpacked into a temporary directory removed with this object;
  // - a source-tree root (a directory with policy/): its policy/ and helpers/helpers.table;
  // - else a policy directory, without a table.
  // `table` (--old-table, --new-table) replaces the side's table. Throws PolicyError, one
  // line naming `spec`: a bad revision, no such directory, git or tar missing or failing.
  PolicySource(const std::string& spec, const std::optional<std::filesystem::path>& table);
  PolicySource(const PolicySource&) = delete;
  PolicySource& operator=(const PolicySource&) = delete;

  const std::string& name() const { return name_; }
  const std::filesystem::path& policy_dir() const { return policy_dir_; }
  const std::optional<std::filesystem::path>& table() const { return table_; }

 private:
  void unpack_revision(const std::string& rev);

  // The temporary directory of a git revision, removed with everything in it when the source
  // goes, or when its constructor throws after making it.
  struct Scratch {
    std::filesystem::path path;
    Scratch() = default;
    Scratch(const Scratch&) = delete;
    Scratch& operator=(const Scratch&) = delete;
    ~Scratch();
  };

  std::string name_;
  std::filesystem::path policy_dir_;
  std::optional<std::filesystem::path> table_;
  Scratch scratch_;
};

}  // namespace ccinit::policy::review
