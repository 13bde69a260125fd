#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// The observation files `ns-boot --observe FILE` writes: the calls each helper (and the tools
// it started, under its filter) really made in a test, one line per distinct call:
//
//   # ccinit policy observation v1
//   <helper> <syscall>[ arg<N>=0x<hex>]... calls=<count> by=<comm>[,<comm>...]
//
// The arguments listed are those some rule of that syscall in the helper's policy checks,
// ascending. Helper `?`: a call no helper could be attributed to.
namespace ccinit::policy::review {

inline constexpr std::string_view kObservationHeader = "# ccinit policy observation v1";
inline constexpr std::string_view kUnattributed = "?";

struct ObservedCall {
  std::string file;  // the observation file, as named on the command line
  int line = 0;
  std::string helper;
  std::string syscall;
  std::vector<std::pair<unsigned, std::uint64_t>> args;  // (argument, value), ascending
  std::uint64_t calls = 0;
  std::vector<std::string> by;  // the callers' comm

  std::string where() const { return file + ":" + std::to_string(line); }
  // The line as written (without `calls=` and `by=`): "mounter mount arg3=0xe".
  std::string call_text() const;
  // The whole line: "mounter mount arg3=0xe calls=2 by=mounter".
  std::string line_text() const;
};

// One call line of an observation file (neither the header nor a comment); `file` and
// `number` name it in errors and in the result. Throws PolicyError "file:line: ...".
ObservedCall parse_observation_line(std::string_view line, const std::string& file, int number);

// An observation file's text: the header, then one line per distinct call (the calls of equal
// call_text() merged: counts summed, callers united), ordered by helper, syscall, arguments.
std::string observation_text(const std::vector<ObservedCall>& calls);

// Parses one observation file's text; `file` names it in errors. Throws PolicyError
// "file:line: ..." on the first malformed line (a missing header is one, on line 1).
std::vector<ObservedCall> parse_observations(std::string_view text, const std::string& file);

// The observations of files and directories (every *.observed file below one, in name
// order). Throws PolicyError for a path that is neither, a directory without any, an
// unreadable or malformed file.
std::vector<ObservedCall> read_observations(const std::vector<std::filesystem::path>& paths);

}  // namespace ccinit::policy::review
