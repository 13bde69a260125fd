#include "policy/review/observation.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <system_error>
#include <tuple>

#include "policy/policy_parser.h"
#include "policy/policy_text.h"

namespace ccinit::policy::review {

namespace {

namespace fs = std::filesystem;

constexpr std::string_view kLineForm =
    "expected '<helper> <syscall> [arg<N>=0x<hex>]... calls=<count> by=<comm>[,<comm>...]'";

[[noreturn]] void fail(const std::string& file, int line, const std::string& message) {
  throw PolicyError(file + ":" + std::to_string(line) + ": " + message);
}

std::vector<std::string> words_of(const std::string& line) {
  std::vector<std::string> words;
  std::istringstream in(line);
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

// A whole number in `text` of base 10 or 16; false when anything else is there.
bool parse_number(std::string_view text, int base, std::uint64_t& value) {
  if (text.empty()) return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  return ec == std::errc() && end == text.data() + text.size();
}

std::vector<ObservedCall> read_one(const fs::path& path) {
  std::ifstream in(path);
  if (!in) throw PolicyError(path.string() + ": cannot read");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_observations(text.str(), path.string());
}

}  // namespace

ObservedCall parse_observation_line(std::string_view raw, const std::string& file, int number) {
  const std::vector<std::string> words = words_of(std::string(raw));
  if (words.size() < 4)
    fail(file, number, std::string(kLineForm) + ", found '" + std::string(raw) + "'");
  ObservedCall call;
  call.file = file;
  call.line = number;
  call.helper = words[0];
  call.syscall = words[1];
  const std::size_t last_arg = words.size() - 2;
  for (std::size_t i = 2; i < last_arg; ++i) {
    const std::string& w = words[i];
    std::uint64_t arg = 0, value = 0;
    if (!w.starts_with("arg") || w.size() < 8 || w[4] != '=' ||
        !parse_number(std::string_view(w).substr(3, 1), 10, arg) || arg > 5 ||
        w.compare(5, 2, "0x") != 0 || w.size() > 7 + 16 ||
        !parse_number(std::string_view(w).substr(7), 16, value))
      fail(file, number, "'" + w + "': expected arg<0-5>=0x<hex, at most 16 digits>");
    if (!call.args.empty() && call.args.back().first >= arg)
      fail(file, number, "'" + w + "': the arguments must be listed once each, ascending");
    call.args.emplace_back(static_cast<unsigned>(arg), value);
  }
  const std::string& calls = words[last_arg];
  if (!calls.starts_with("calls=") ||
      !parse_number(std::string_view(calls).substr(6), 10, call.calls) || call.calls == 0)
    fail(file, number, "'" + calls + "': expected calls=<count> (a positive number)");
  const std::string& by = words[last_arg + 1];
  if (!by.starts_with("by=") || by.size() == 3)
    fail(file, number, "'" + by + "': expected by=<comm>[,<comm>...]");
  std::string comm;
  std::istringstream comms(by.substr(3));
  while (std::getline(comms, comm, ',')) {
    if (comm.empty()) fail(file, number, "'" + by + "': an empty comm");
    call.by.push_back(comm);
  }
  if (by.ends_with(',')) fail(file, number, "'" + by + "': an empty comm");
  return call;
}

std::string ObservedCall::call_text() const {
  std::string out = helper + " " + syscall;
  for (const auto& [arg, value] : args) out += " arg" + std::to_string(arg) + "=" + hex_text(value);
  return out;
}

std::string ObservedCall::line_text() const {
  std::string out = call_text() + " calls=" + std::to_string(calls) + " by=";
  for (std::size_t i = 0; i < by.size(); ++i) out += (i ? "," : "") + by[i];
  return out;
}

std::string observation_text(const std::vector<ObservedCall>& calls) {
  using Key = std::tuple<std::string, std::string, std::vector<std::pair<unsigned, std::uint64_t>>>;
  struct Seen {
    std::uint64_t calls = 0;
    std::set<std::string> by;
  };
  std::map<Key, Seen> merged;
  for (const ObservedCall& call : calls) {
    Seen& seen = merged[{call.helper, call.syscall, call.args}];
    seen.calls += call.calls;
    seen.by.insert(call.by.begin(), call.by.end());
  }
  std::string out = std::string(kObservationHeader) + "\n";
  for (const auto& [key, seen] : merged) {
    ObservedCall call;
    std::tie(call.helper, call.syscall, call.args) = key;
    call.calls = seen.calls;
    call.by.assign(seen.by.begin(), seen.by.end());
    out += call.line_text() + "\n";
  }
  return out;
}

std::vector<ObservedCall> parse_observations(std::string_view text, const std::string& file) {
  std::vector<ObservedCall> out;
  std::istringstream lines{std::string(text)};
  std::string raw;
  int number = 0;
  for (; std::getline(lines, raw); ++number) {
    if (!raw.empty() && raw.back() == '\r') raw.pop_back();
    if (number == 0) {
      if (raw != kObservationHeader)
        fail(file, 1,
             "not a policy observation: expected the first line '" +
                 std::string(kObservationHeader) + "', found '" + raw + "'");
      continue;
    }
    const auto first = raw.find_first_not_of(" \t");
    if (first == std::string::npos || raw[first] == '#') continue;
    out.push_back(parse_observation_line(raw, file, number + 1));
  }
  if (number == 0) fail(file, 1, "empty: expected '" + std::string(kObservationHeader) + "'");
  return out;
}

std::vector<ObservedCall> read_observations(const std::vector<fs::path>& paths) {
  std::vector<ObservedCall> out;
  for (const fs::path& path : paths) {
    std::error_code ec;
    std::vector<fs::path> files;
    if (fs::is_directory(path, ec)) {
      for (auto it = fs::recursive_directory_iterator(path, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
        if (it->path().extension() == ".observed" && it->is_regular_file())
          files.push_back(it->path());
      if (ec) throw PolicyError(path.string() + ": cannot list: " + ec.message());
      if (files.empty()) throw PolicyError(path.string() + ": no *.observed file in it");
      std::sort(files.begin(), files.end());
    } else if (fs::exists(path, ec)) {
      files.push_back(path);
    } else {
      throw PolicyError(path.string() + ": no such observation file or directory");
    }
    for (const fs::path& f : files) {
      auto calls = read_one(f);
      out.insert(out.end(), std::make_move_iterator(calls.begin()),
                 std::make_move_iterator(calls.end()));
    }
  }
  return out;
}

}  // namespace ccinit::policy::review
