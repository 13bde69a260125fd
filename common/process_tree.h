#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

// What ccinit reads of other processes from /proc: PID 1 to check a helper's daemon reports
// and to find what a helper left running, gpu-configurator to tell whether a syslog line
// came from the daemon it started.
namespace ccinit {

struct ProcEntry {
  pid_t pid = 0;
  pid_t ppid = 0;
  char state = '?';  // R, S, D, Z, ... as in /proc/<pid>/stat
  std::string comm;  // raw: chosen by the process itself, escape before printing

  bool alive() const { return state != 'Z' && state != 'X' && state != 'x'; }
};

// /proc/<pid>/stat, or nullopt when there is no such process (or no /proc).
std::optional<ProcEntry> read_proc_entry(pid_t pid);

// Every process /proc shows. Throws SysError when /proc cannot be listed.
std::vector<ProcEntry> list_processes();

// Parses the text of a /proc/<pid>/stat file: the comm is between the first '(' and the
// last ')' (it may contain both, and spaces). nullopt when malformed.
std::optional<ProcEntry> parse_proc_stat(std::string_view text);

// Whether `pid` is `ancestor` or one of its descendants, by the parent chain in /proc (at
// most 64 generations, so a racing read cannot loop). False when either is gone.
bool is_same_or_descendant(pid_t pid, pid_t ancestor);

}  // namespace ccinit
