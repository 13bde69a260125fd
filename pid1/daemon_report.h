#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

// A helper's "daemon started" report is a claim by an untrusted process: PID 1 keeps each
// accepted one for the rest of the boot and prints its name, so it is bounded and checked.
namespace ccinit::pid1 {

inline constexpr std::size_t kMaxDaemonsPerHelper = 8;
inline constexpr std::size_t kMaxDaemonNameBytes = 64;

struct DaemonReportContext {
  pid_t helper = 0;                          // the reporting helper
  pid_t self = 0;                            // PID 1 (getpid(): the tests run it elsewhere)
  std::size_t accepted = 0;                  // reports already accepted from this helper
  std::function<bool(pid_t)> known_to_pid1;  // a pid PID 1 tracks already (helper, daemon)
};

// Why the report cannot be accepted (escaped text, to follow "protocol error: "), or nullopt.
// Accepted: at most kMaxDaemonsPerHelper per helper; a name of 1..kMaxDaemonNameBytes bytes
// of [A-Za-z0-9._-]; a live process started by the helper: the helper is among its
// ancestors (within 64 generations), or it is an orphan PID 1 adopted that PID 1 does not
// know (a daemon that forked away from its launcher: while a helper runs, before kata-agent
// starts, only that helper can have made one).
std::optional<std::string> check_daemon_report(std::string_view name, std::int64_t pid,
                                               const DaemonReportContext& context);

}  // namespace ccinit::pid1
