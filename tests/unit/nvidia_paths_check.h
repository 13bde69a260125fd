#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

// For the GPU extension's tests: which paths the recorded command lines name that are not the
// extension's.
namespace ccinit::testing {

// The absolute paths a command line (Command::text()) names: each word starting with '/', and
// the value of each --flag=/path.
inline std::vector<std::string> named_paths(std::string_view command_text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= command_text.size()) {
    std::size_t end = command_text.find(' ', start);
    if (end == std::string_view::npos) end = command_text.size();
    std::string_view word = command_text.substr(start, end - start);
    if (word.starts_with("--"))
      if (const std::size_t eq = word.find('='); eq != std::string_view::npos)
        word.remove_prefix(eq + 1);
    if (word.starts_with('/')) out.emplace_back(word);
    start = end + 1;
  }
  return out;
}

// The paths `calls` name that are neither `root` itself, nor under it, nor in `guest_paths`
// (the guest's own files the tools are told about, and /sbin/modprobe).
inline std::vector<std::string> paths_not_from(const std::vector<std::string>& calls,
                                               const std::string& root,
                                               const std::set<std::string>& guest_paths) {
  std::vector<std::string> out;
  for (const std::string& call : calls)
    for (const std::string& path : named_paths(call))
      if (path != root && !path.starts_with(root + "/") && !guest_paths.contains(path))
        out.push_back(path + " (in: " + call + ")");
  return out;
}

}  // namespace ccinit::testing
