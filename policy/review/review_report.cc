#include "policy/review/review_report.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>

#include "policy/policy_parser.h"
#include "policy/policy_text.h"
#include "policy/review/constant_names.h"

namespace ccinit::policy::review {

namespace fs = std::filesystem;

namespace {

std::string one_line(const std::string& text) {
  std::string out = text;
  std::replace(out.begin(), out.end(), '\n', ' ');
  return out;
}

// The conditions as Markdown: code, or "any arguments".
std::string conditions_cell(const ReviewRule& r) {
  const std::string c = conditions_text(r.syscall, r.checks);
  return c.empty() ? "any arguments" : "`" + c + "`";
}

std::string conditions_or_any(const ReviewRule& r) {
  const std::string c = conditions_text(r.syscall, r.checks);
  return c.empty() ? "any arguments" : c;
}

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

// A Markdown table cell: '|' would end it.
std::string cell(const std::string& text) {
  std::string out;
  for (const char c : one_line(text)) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

const char* op_name(Op op) {
  switch (op) {
    case Op::kEq:
      return "eq";
    case Op::kNe:
      return "ne";
    case Op::kLt:
      return "lt";
    case Op::kLe:
      return "le";
    case Op::kGt:
      return "gt";
    case Op::kGe:
      return "ge";
    case Op::kMaskedEq:
      return "masked_eq";
  }
  return "?";
}

// The justification, and the rule's `unexercised:` annotation after it.
std::string justification_cell(const ReviewRule& r) {
  if (!r.unexercised) return r.reason();
  const std::string note = "*Unexercised:* " + r.unexercised->reason;
  return r.reason().empty() ? note : r.reason() + " " + note;
}

std::string pad(std::string s, std::size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

}  // namespace

// ---------------------------------------------------------------------------------------
// lint

std::vector<std::string> lint(const fs::path& policy_dir, const fs::path& table) {
  std::vector<std::string> findings;
  std::set<std::string> seen;
  auto add = [&](const std::string& f) {
    if (seen.insert(f).second) findings.push_back(f);
  };
  std::vector<fs::path> all;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(policy_dir, ec))
    if (e.path().extension() == ".policy") all.push_back(e.path());
  if (ec) throw PolicyError(policy_dir.string() + ": cannot list the policies: " + ec.message());
  std::sort(all.begin(), all.end());
  std::set<fs::path> refused;
  for (const auto& f : all) {
    try {
      parse_policy_file(f);
    } catch (const PolicyError& e) {
      add(e.what());
      refused.insert(f);
    }
  }
  std::set<std::string> helpers;
  for (const auto& f : helper_policy_files(policy_dir)) {
    helpers.insert(f.stem().string());
    if (refused.count(f)) continue;
    HelperPolicy p;
    try {
      p = load_policy(f);
    } catch (const PolicyError& e) {
      add(e.what());  // an included file the build refuses
      continue;
    }
    for (const ReviewRule& r : p.rules) {
      if (r.unexercised && r.unexercised->reason.empty())
        add((policy_dir / r.unexercised->file).string() + ":" +
            std::to_string(r.unexercised->line) +
            ": `unexercised:` without a reason: say why the rules it annotates stay although "
            "no test exercises them");
    }
    for (const UnexercisedNote& n : p.stray_notes)
      add((policy_dir / n.file).string() + ":" + std::to_string(n.line) +
          ": this `unexercised:` annotates no rule: put it in the comment directly above a "
          "rule, at the rule's end, or in the comment block of the rule's group");
    for (const ReviewRule& r : p.rules) {
      if (!is_dangerous(r.syscall) || r.own_comment || has_safe_form(r)) continue;
      const std::string_view form = safe_form(r.syscall);
      add((policy_dir / r.file).string() + ":" + std::to_string(r.line) + ": " + r.syscall +
          " is dangerous (" + std::string(risk_name(risk_of(r))) +
          ") and needs a justification comment of its own (the line directly above or at the "
          "end of the line)" +
          (form.empty() ? std::string() : " or its safe argument form " + std::string(form)));
    }
  }
  std::set<std::string> in_table;
  for (const TableHelper& h : load_helper_table(table)) {
    in_table.insert(h.name);
    const std::string where = table.string() + ":" + std::to_string(h.line) + ": ";
    if (!helpers.count(h.name))
      add(where + h.name + " has no policy " + (policy_dir / (h.name + ".policy")).string());
    for (const KeptCapability& c : h.capabilities)
      if (c.justification.empty())
        add(where + h.name + " keeps " + c.name +
            ", but the comment above its row does not say why");
  }
  for (const auto& name : helpers)
    if (!in_table.count(name))
      add((policy_dir / (name + ".policy")).string() + ":1: no helper " + name + " in " +
          table.string());
  return findings;
}

// ---------------------------------------------------------------------------------------
// explain

std::string explain(const HelperPolicy& policy, const TableHelper* row, Format format) {
  const std::vector<KeptCapability> caps = row ? row->capabilities : std::vector<KeptCapability>{};
  const Score score = score_helper(policy, caps);
  const std::string prologue =
      "Fixed prologue (no policy can change it): foreign architectures and x32 killed; ptrace, "
      "bpf, kexec_load, kexec_file_load and reboot killed; clone3 answered ENOSYS; " +
      std::string(policy.loads_modules ? "module loading allowed by `@allow module-loading`"
                                       : "init_module, finit_module and delete_module killed") +
      "; everything not allowed below kills the process.";
  std::ostringstream out;
  if (format == Format::kJson) {
    out << "{\"helper\": " << json_string(policy.helper)
        << ", \"policy\": " << json_string(policy.path.filename().string())
        << ", \"loads_modules\": " << (policy.loads_modules ? "true" : "false")
        << ", \"capabilities\": [";
    for (std::size_t i = 0; i < caps.size(); ++i)
      out << (i ? ", " : "") << "{\"name\": " << json_string(caps[i].name)
          << ", \"justification\": " << json_string(caps[i].justification) << "}";
    out << "], \"score\": " << score.total << ", \"rules\": [";
    for (std::size_t i = 0; i < policy.rules.size(); ++i) {
      const ReviewRule& r = policy.rules[i];
      out << (i ? ",\n  " : "\n  ") << "{\"id\": " << json_string(r.id())
          << ", \"syscall\": " << json_string(r.syscall)
          << ", \"conditions\": " << json_string(conditions_text(r.syscall, r.checks))
          << ", \"checks\": [";
      for (std::size_t j = 0; j < r.checks.size(); ++j) {
        const ArgCheck& c = r.checks[j];
        out << (j ? ", " : "") << "{\"arg\": " << c.arg << ", \"op\": \"" << op_name(c.op)
            << "\", \"mask\": " << c.mask << ", \"value\": " << c.value << "}";
      }
      out << "], \"risk\": " << json_string(risk_name(risk_of(r)))
          << ", \"file\": " << json_string(r.file) << ", \"line\": " << r.line
          << ", \"source\": " << json_string(r.source)
          << ", \"justification\": " << json_string(one_line(r.reason())) << ", \"unexercised\": "
          << (r.unexercised ? json_string(r.unexercised->reason) : std::string("null")) << "}";
    }
    out << "\n]}\n";
    return out.str();
  }
  if (format == Format::kMarkdown) {
    out << "## " << policy.helper << "\n\n";
    if (row) out << "Score " << score.total << ". ";
    out << "Policy `policy/" << policy.path.filename().string() << "`, " << policy.rules.size()
        << " rules for " << score.syscalls << " syscalls (critical " << score.by_risk[3]
        << ", high " << score.by_risk[2] << ", medium " << score.by_risk[1] << ", low "
        << score.by_risk[0] << ").\n\n";
    out << "Capabilities kept (`helpers/helpers.table`):\n\n";
    if (caps.empty()) out << "- none\n";
    for (const auto& c : caps)
      out << "- `" << c.name
          << "`: " << (c.justification.empty() ? "(no justification)" : c.justification) << "\n";
    out << "\n" << prologue << "\n\n";
    out << "| syscall | conditions | risk | source | justification |\n";
    out << "| --- | --- | --- | --- | --- |\n";
    for (const ReviewRule& r : policy.rules)
      out << "| `" << r.syscall << "` | " << cell(conditions_cell(r)) << " | "
          << risk_name(risk_of(r)) << " | " << r.where() << " | " << cell(justification_cell(r))
          << " |\n";
    out << "\n";
    return out.str();
  }
  out << "helper " << policy.helper << " (policy " << policy.path.string() << ", score "
      << score.total << ")\n";
  out << "capabilities:\n";
  if (caps.empty()) out << "  none\n";
  for (const auto& c : caps)
    out << "  " << pad(c.name, 16) << " "
        << (c.justification.empty() ? "(no justification)" : c.justification) << "\n";
  out << prologue << "\n";
  out << "allowed:\n";
  std::size_t width = 0;
  for (const ReviewRule& r : policy.rules) width = std::max(width, r.syscall.size());
  for (const ReviewRule& r : policy.rules) {
    out << "  " << pad(r.syscall, width) << "  " << pad(std::string(risk_name(risk_of(r))), 8)
        << "  " << pad(r.where(), 28) << "  " << conditions_or_any(r) << "\n";
    out << "  " << pad("", width) << "    why: " << one_line(r.reason()) << "\n";
    if (r.unexercised)
      out << "  " << pad("", width) << "    unexercised: " << r.unexercised->reason << "\n";
  }
  return out.str();
}

// ---------------------------------------------------------------------------------------
// score

std::string scores_text(const std::vector<Score>& scores) {
  std::ostringstream out;
  out << "helper            syscalls critical high medium low broad caps exec  score\n";
  int total = 0;
  char line[160];
  for (const Score& s : scores) {
    std::snprintf(line, sizeof line, "%-17s %8d %8d %4d %6d %3d %5d %4d %4s %6d\n",
                  s.helper.c_str(), s.syscalls, s.by_risk[3], s.by_risk[2], s.by_risk[1],
                  s.by_risk[0], s.broad, s.capabilities, s.exec ? "yes" : "no", s.total);
    out << line;
    total += s.total;
  }
  std::snprintf(line, sizeof line, "%-17s %60d\n", "total", total);
  out << line;
  return out.str();
}

std::string baseline_text(const std::vector<Score>& scores) {
  std::string out =
      "# The exposure score of each helper's policy and capabilities, as policy-review score\n"
      "# computes it. A test fails when a helper's score rises above its line here: a change\n"
      "# that widens a helper on purpose updates this file with\n"
      "#   build/release/bin/policy-review score --write-baseline policy/review/scores.txt\n";
  for (const Score& s : scores) out += s.helper + " " + std::to_string(s.total) + "\n";
  return out;
}

std::vector<std::string> above_baseline(const std::vector<Score>& scores, std::string_view baseline,
                                        const std::string& baseline_name) {
  std::map<std::string, int> limit;
  std::istringstream in{std::string(baseline)};
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream words(line);
    std::string name;
    int value = 0;
    if (words >> name >> value) limit[name] = value;
  }
  std::vector<std::string> out;
  for (const Score& s : scores) {
    const auto it = limit.find(s.helper);
    if (it == limit.end()) {
      out.push_back(baseline_name + ": " + s.helper + " (score " + std::to_string(s.total) +
                    ") has no baseline");
    } else if (s.total > it->second) {
      out.push_back(baseline_name + ": " + s.helper + " scores " + std::to_string(s.total) +
                    ", above its baseline " + std::to_string(it->second));
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// diff

std::string diff_text(const std::vector<HelperDiff>& diffs) {
  std::ostringstream out;
  for (const HelperDiff& d : diffs) {
    if (d.added) out << d.helper << ": new helper: everything it allows widens\n";
    if (d.removed) out << d.helper << ": helper removed\n";
    for (const ReviewRule& r : d.widened)
      out << d.helper << ": widens: " << r.syscall << ": " << conditions_or_any(r) << " ("
          << r.where() << ")\n";
    for (const ReviewRule& r : d.narrowed)
      out << d.helper << ": narrows: " << r.syscall << ": " << conditions_or_any(r) << " (was "
          << r.where() << ")\n";
    const std::string row = "helpers.table:" + std::to_string(d.row_line);
    if (d.row_added) out << d.helper << ": new row in the helper table (" << row << ")\n";
    if (d.row_removed) out << d.helper << ": row removed from the helper table\n";
    for (const auto& c : d.capabilities_kept)
      out << d.helper << ": widens: keeps " << c << " (" << row << ")\n";
    for (const auto& c : d.capabilities_dropped)
      out << d.helper << ": narrows: no longer keeps " << c << " (" << (d.row_removed ? "was " : "")
          << row << ")\n";
  }
  if (diffs.empty()) out << "no change in what any helper allows\n";
  return out.str();
}

// ---------------------------------------------------------------------------------------
// the review document

std::string review_document(const std::vector<HelperPolicy>& policies,
                            const std::vector<TableHelper>& table) {
  std::ostringstream out;
  out << "# Seccomp policy review\n\n"
         "Generated by `policy-review doc` from `policy/*.policy` and `helpers/helpers.table`;\n"
         "do not edit. Regenerate with\n"
         "`build/release/bin/policy-review doc --output docs/policy-review.md` (a test fails\n"
         "when this file is stale).\n\n"
         "Each rule is one seccomp allow rule: the syscall with its argument conditions after\n"
         "expansion (`||` and a masked `!=` give one rule each), the policy line it comes from\n"
         "and the comment that justifies it. Risk classes: critical (kernel code, namespaces,\n"
         "mounts, exec), high (a dangerous syscall outside its safe argument form), medium (in\n"
         "its safe form, or changing files or socket traffic), low (the rest). A rule that no\n"
         "test exercises (`policy-review coverage` over the tests' observation files) carries\n"
         "`# unexercised: <reason>` in its own comment or its group's, shown after the\n"
         "justification.\n\n"
         "Exposure score: "
      << score_weights_text() << ".\n\n";
  std::vector<Score> scores;
  std::vector<std::pair<const HelperPolicy*, const TableHelper*>> rows;
  for (const TableHelper& h : table) {
    for (const HelperPolicy& p : policies) {
      if (p.helper != h.name) continue;
      scores.push_back(score_helper(p, h.capabilities));
      rows.emplace_back(&p, &h);
    }
  }
  out << "```\n" << scores_text(scores) << "```\n\n";
  for (const auto& [p, h] : rows) out << explain(*p, h, Format::kMarkdown);
  std::string text = out.str();
  while (text.ends_with("\n\n")) text.pop_back();
  return text;
}

}  // namespace ccinit::policy::review
