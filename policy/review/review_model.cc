#include "policy/review/review_model.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <set>
#include <sstream>

#include "policy/policy_parser.h"
#include "policy/policy_stages.h"

// The model is read with the parser's own stages (policy_stages.h): the same lines, tokens
// and expansion as the build, plus the comments the build only checks for.
namespace ccinit::policy::review {

namespace {

namespace fs = std::filesystem;

std::string trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r");
  return std::string(s.substr(first, last - first + 1));
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  if (!in) throw PolicyError(path.string() + ": cannot read");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string join(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) {
    if (!out.empty()) out += '\n';
    out += l;
  }
  return out;
}

// The text after '#', trimmed ("" without one). A section heading ("--- the tool runner ---")
// reads as "the tool runner:".
std::string comment_of(std::string_view raw) {
  const auto hash = raw.find('#');
  if (hash == std::string_view::npos) return {};
  std::string text = trim(raw.substr(hash + 1));
  if (!text.starts_with("---")) return text;
  const auto first = text.find_first_not_of("- ");
  const auto last = text.find_last_not_of("- ");
  if (first == std::string::npos) return {};
  return text.substr(first, last - first + 1) + ":";
}

// A `# unexercised: <reason>` line's note, from its comment text.
std::optional<UnexercisedNote> note_of(const std::string& comment, const std::string& file,
                                       int line) {
  constexpr std::string_view kTag = "unexercised:";
  if (!comment.starts_with(kTag)) return std::nullopt;
  return UnexercisedNote{file, line, trim(std::string_view(comment).substr(kTag.size()))};
}

void walk(HelperPolicy& out, const fs::path& path, int depth) {
  const std::string text = read_text(path);
  const std::string file = path.filename().string();
  std::vector<std::string> group;  // the current group's comment block (above its first rule)
  bool group_has_rules = false;
  std::vector<std::string> above;  // comment lines directly above the current line
  std::string recent;              // the last comment block of this group
  // `# unexercised:` notes: the group's (in its comment block) and the one directly above.
  std::optional<UnexercisedNote> group_note, above_note;
  std::vector<UnexercisedNote> notes;
  std::set<int> attached;  // lines of the notes that annotate a rule
  std::istringstream lines(text);
  std::string raw;
  for (int number = 1; std::getline(lines, raw); ++number) {
    const detail::Line line = detail::classify(raw, number);
    const std::string comment = comment_of(raw);
    switch (line.kind) {
      case detail::LineKind::kBlank:
        group.clear();
        group_has_rules = false;
        above.clear();
        recent.clear();
        group_note.reset();
        above_note.reset();
        break;
      case detail::LineKind::kComment:
        if (auto note = note_of(comment, file, number)) {
          notes.push_back(*note);
          if (!group_has_rules) group_note = note;
          above_note = note;
        } else if (!comment.empty()) {
          if (!group_has_rules) group.push_back(comment);
          above.push_back(comment);
        } else {
          above.clear();
          above_note.reset();
        }
        break;
      case detail::LineKind::kDirective: {
        std::istringstream words{std::string(line.body)};
        std::string name, arg;
        words >> name >> arg;
        if (name == "@include" && depth == 0) walk(out, path.parent_path() / arg, depth + 1);
        if (name == "@allow" && arg == "module-loading") out.loads_modules = true;
        above.clear();
        above_note.reset();
        break;
      }
      case detail::LineKind::kRule: {
        if (!above.empty()) recent = join(above);
        std::string trailing = comment;
        std::optional<UnexercisedNote> note = note_of(comment, file, number);
        if (note) {
          notes.push_back(*note);
          trailing.clear();
        }
        if (!note) note = above_note ? above_note : group_note;
        if (note) attached.insert(note->line);
        const detail::RuleLine rule = detail::parse_rule_line(line.body, path.string(), number);
        const auto expanded = detail::expand(rule.alternatives, path.string(), number);
        for (std::size_t i = 0; i < expanded.size(); ++i) {
          ReviewRule r;
          r.syscall = rule.syscall;
          r.checks = expanded[i];
          r.file = file;
          r.line = number;
          r.expansion = static_cast<int>(i);
          r.source = std::string(line.body);
          r.justification = !trailing.empty() ? trailing : !above.empty() ? join(above) : recent;
          r.group_comment = join(group);
          r.own_comment = !trailing.empty() || !above.empty();
          r.unexercised = note;
          out.rules.push_back(std::move(r));
        }
        above.clear();
        above_note.reset();
        group_has_rules = true;
        break;
      }
    }
  }
  for (const auto& n : notes)
    if (!attached.count(n.line)) out.stray_notes.push_back(n);
}

}  // namespace

std::string ReviewRule::id() const {
  return where() + (expansion == 0 ? "" : "#" + std::to_string(expansion));
}

HelperPolicy load_policy(const fs::path& path) {
  // The build's checks first: a policy the build refuses is not reviewed.
  parse_policy_file(path);
  HelperPolicy out;
  out.helper = path.stem().string();
  out.path = path;
  walk(out, path, 0);
  return out;
}

std::vector<fs::path> helper_policy_files(const fs::path& dir) {
  std::error_code ec;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".policy") files.push_back(entry.path());
  }
  if (ec) throw PolicyError(dir.string() + ": cannot list the policies: " + ec.message());
  std::set<std::string> included;
  for (const auto& f : files) {
    std::istringstream lines(read_text(f));
    std::string raw;
    for (int number = 1; std::getline(lines, raw); ++number) {
      const detail::Line line = detail::classify(raw, number);
      if (line.kind != detail::LineKind::kDirective) continue;
      std::istringstream words{std::string(line.body)};
      std::string name, arg;
      words >> name >> arg;
      if (name == "@include") included.insert(fs::path(arg).filename().string());
    }
  }
  std::erase_if(files, [&](const fs::path& f) { return included.count(f.filename().string()); });
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<HelperPolicy> load_policy_dir(const fs::path& dir) {
  std::vector<HelperPolicy> out;
  for (const auto& f : helper_policy_files(dir)) out.push_back(load_policy(f));
  return out;
}

// ---------------------------------------------------------------------------------------
// helpers/helpers.table

namespace {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string part;
  std::istringstream in(s);
  while (std::getline(in, part, sep)) out.push_back(trim(part));
  return out;
}

bool starts_capability_item(const std::string& line) {
  return line.starts_with("CAP_");
}

// The words of the comment that justify `cap`: its own item ("CAP_X, CAP_Y  why...", with the
// more deeply indented lines that continue it), else the clause of the comment naming it.
std::string justification_for(const std::vector<std::string>& raw_lines, const std::string& cap) {
  for (std::size_t i = 0; i < raw_lines.size(); ++i) {
    const std::string line = trim(raw_lines[i]);
    if (!starts_capability_item(line)) continue;
    const auto gap = line.find("  ");
    const std::string names = line.substr(0, gap);
    bool named = false;
    for (const auto& n : split(names, ',')) named = named || n == cap;
    if (!named) continue;
    std::string text = gap == std::string::npos ? std::string() : trim(line.substr(gap));
    for (std::size_t j = i + 1; j < raw_lines.size(); ++j) {
      const std::string next = trim(raw_lines[j]);
      const bool continues =
          raw_lines[j].find_first_not_of(' ') > 4 && !starts_capability_item(next);
      if (!continues || next.empty()) break;
      text += " " + next;
    }
    return text;
  }
  std::string all;
  for (const auto& l : raw_lines) all += (all.empty() ? "" : " ") + trim(l);
  std::size_t start = 0;
  while (start < all.size()) {
    std::size_t end = all.find_first_of(";.", start);
    // A '.' inside a word (kernel.modules_disabled) does not end a clause.
    while (end != std::string::npos && all[end] == '.' && end + 1 < all.size() &&
           all[end + 1] != ' ')
      end = all.find_first_of(";.", end + 1);
    const std::string clause =
        trim(all.substr(start, end == std::string::npos ? end : end - start));
    const auto at = clause.find(cap);
    const auto after = at == std::string::npos ? 0 : at + cap.size();
    if (at != std::string::npos &&
        (after >= clause.size() || !(std::isupper(clause[after]) || clause[after] == '_')))
      return clause;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return {};
}

}  // namespace

std::vector<TableHelper> load_helper_table(const fs::path& table) {
  std::istringstream lines(read_text(table));
  std::vector<TableHelper> out;
  std::vector<std::string> block;  // comment lines above the row (text after '#', untrimmed)
  std::string raw;
  for (int number = 1; std::getline(lines, raw); ++number) {
    const std::string t = trim(raw);
    if (t.empty()) {
      block.clear();
      continue;
    }
    if (t.front() == '#') {
      std::string text = t.substr(1);
      if (trim(text).empty()) {
        block.clear();
      } else {
        block.push_back(text.starts_with(" ") ? text.substr(1) : text);
      }
      continue;
    }
    const auto fields = split(raw, '|');
    if (fields.size() != 5)
      throw PolicyError(table.string() + ":" + std::to_string(number) +
                        ": expected 5 fields separated by '|', found " +
                        std::to_string(fields.size()));
    TableHelper h;
    h.name = fields[0];
    h.line = number;
    std::vector<std::string> trimmed;
    for (const auto& b : block) trimmed.push_back(trim(b));
    h.comment = join(trimmed);
    std::istringstream caps(fields[3]);
    std::string cap;
    while (caps >> cap) {
      if (cap == "none") continue;
      h.capabilities.push_back({cap, justification_for(block, cap)});
    }
    out.push_back(std::move(h));
    block.clear();
  }
  return out;
}

}  // namespace ccinit::policy::review
