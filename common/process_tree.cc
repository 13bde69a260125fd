#include "common/process_tree.h"

#include <fcntl.h>
#include <unistd.h>

#include <charconv>
#include <memory>

#include "common/decimal.h"
#include "common/file_io.h"
#include "common/sys_error.h"
#include "common/unique_fd.h"

namespace ccinit {

namespace {}  // namespace

std::optional<ProcEntry> parse_proc_stat(std::string_view text) {
  const auto open = text.find('(');
  const auto close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open ||
      open < 2 || text.size() < close + 2)
    return std::nullopt;
  ProcEntry entry;
  auto pid = parse_decimal<pid_t>(text.substr(0, open - 1));
  // After ") ": the state, a space, the ppid, a space.
  std::string_view rest = text.substr(close + 2);
  if (!pid || rest.size() < 3 || rest[1] != ' ') return std::nullopt;
  entry.pid = *pid;
  entry.comm = std::string(text.substr(open + 1, close - open - 1));
  entry.state = rest[0];
  rest.remove_prefix(2);
  auto ppid = parse_decimal<pid_t>(rest.substr(0, rest.find(' ')));
  if (!ppid) return std::nullopt;
  entry.ppid = *ppid;
  return entry;
}

std::optional<ProcEntry> read_proc_entry(pid_t pid) {
  char path[32];
  std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
  UniqueFd fd(::open(path, O_RDONLY | O_CLOEXEC));
  if (!fd) return std::nullopt;
  // comm is at most 16 bytes: the fields up to the ppid fit with room to spare.
  char buf[512];
  ssize_t n;
  while ((n = ::read(fd.get(), buf, sizeof buf)) < 0 && errno == EINTR) {
  }
  if (n <= 0) return std::nullopt;
  return parse_proc_stat({buf, static_cast<std::size_t>(n)});
}

std::vector<ProcEntry> list_processes() {
  const std::optional<std::vector<std::string>> names = list_directory("/proc");
  if (!names) throw SysError("list /proc", ENOENT);
  std::vector<ProcEntry> entries;
  for (const std::string& name : *names) {
    auto pid = parse_decimal<pid_t>(name);
    if (!pid) continue;
    // Gone since the listing: it is nobody's leftover.
    if (auto entry = read_proc_entry(*pid)) entries.push_back(std::move(*entry));
  }
  return entries;
}

bool is_same_or_descendant(pid_t pid, pid_t ancestor) {
  constexpr int kMaxGenerations = 64;
  if (ancestor <= 0) return false;
  for (int generation = 0; generation < kMaxGenerations && pid > 0; ++generation) {
    if (pid == ancestor) return true;
    const std::optional<ProcEntry> entry = read_proc_entry(pid);
    if (!entry) return false;
    pid = entry->ppid;
  }
  return false;
}

}  // namespace ccinit
