#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "policy/policy.h"

// What a reviewer reads about a helper: its policy as rules with their source line and
// justification, and its row of helpers/helpers.table with each capability's justification.
// Every subcommand of policy-review (lint, explain, diff, score, doc) works on this model, and
// so can a later report per rule (which rules a test exercised): a rule's `id` is stable for
// an unchanged file.
namespace ccinit::policy::review {

// A `# unexercised: <reason>` comment line: why the rules it annotates stay although no test
// exercises them (policy-review coverage). It annotates the rule it is the own comment of (a
// line directly above it, or at its end), else every rule of the group whose comment block
// holds it. Its text is not part of the justification: it says why a rule is untested, not
// why it is needed.
struct UnexercisedNote {
  std::string file;  // base name of the policy file
  int line = 0;
  std::string reason;  // empty: a lint finding
  std::string where() const { return file + ":" + std::to_string(line); }
};

// One seccomp allow rule: the syscall is allowed when every check holds. A policy line with
// `||` or a masked `!=` stands for several rules, each with the line's source and comments.
struct ReviewRule {
  std::string syscall;
  std::vector<ArgCheck> checks;  // sorted by argument; empty: any arguments
  std::string file;              // base name of the policy file ("runtime.policy")
  int line = 0;
  int expansion = 0;   // which of the line's rules (0 for the first)
  std::string source;  // the rule as written ("socket: arg0 == AF_UNIX")
  // Its trailing comment, else the comment lines directly above it, else the last comment
  // block of its group above it (the one that speaks for the rules after it).
  std::string justification;
  std::string group_comment;  // the comment block of the rule's group
  bool own_comment = false;   // a comment on the line directly above or at the line's end
  // Its `# unexercised:` annotation, its own or its group's.
  std::optional<UnexercisedNote> unexercised;

  // "runtime.policy:12" or "runtime.policy:12#1" for the second rule of that line.
  std::string id() const;
  std::string where() const { return file + ":" + std::to_string(line); }
  // What a reviewer is shown as the reason: the rule's own comment, else its group's.
  const std::string& reason() const {
    return justification.empty() ? group_comment : justification;
  }
};

struct HelperPolicy {
  std::string helper;
  std::filesystem::path path;  // the helper's policy file
  bool loads_modules = false;
  std::vector<ReviewRule> rules;  // in file order, an include's rules where it is included
  // `# unexercised:` lines that annotate no rule (a header block, above a blank line).
  std::vector<UnexercisedNote> stray_notes;
};

// Reads a helper's policy and its includes as the build does (the build's checks apply:
// throws PolicyError with "file:line: message" on the first problem), keeping the comments.
HelperPolicy load_policy(const std::filesystem::path& path);

// The policies of every helper in a directory: each *.policy file that no other file there
// includes, by name. Throws PolicyError for an unreadable directory or a bad policy.
std::vector<HelperPolicy> load_policy_dir(const std::filesystem::path& dir);

// The *.policy files of a directory that no other file there includes (sorted).
std::vector<std::filesystem::path> helper_policy_files(const std::filesystem::path& dir);

// One capability a helper keeps, with the words of the table's comment that justify it
// (empty when the comment above the helper's row never names it).
struct KeptCapability {
  std::string name;
  std::string justification;
};

struct TableHelper {
  std::string name;
  int line = 0;
  std::vector<KeptCapability> capabilities;
  std::string comment;  // the comment block above the row, lines joined by '\n'
};

// helpers/helpers.table as text, with its comments. Throws PolicyError ("file:line: ...")
// on a malformed row.
std::vector<TableHelper> load_helper_table(const std::filesystem::path& table);

}  // namespace ccinit::policy::review
