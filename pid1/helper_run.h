#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "pid1/log.h"
#include "pid1/reaper.h"
#include "pid1/syslog_sink.h"
#include "proto/ccinit.pb.h"

namespace ccinit::pid1 {

// How supervising one helper ended.
enum class OutcomeKind {
  kOk,
  kCannotStart,       // detail: why (exec's error, or the failed set-up step)
  kExitedNonZero,     // wait_status; last_output
  kKilledBySignal,    // wait_status
  kKilledBySeccomp,   // detail: the syscall from the audit record, empty when unknown
  kFailedResult,      // detail: the helper's error text; wait_status
  kNoResult,          // exited 0 without a result; last_output
  kProtocolError,     // detail: what was wrong with the event stream
  kTimeout,           // timeout
  kInterrupted,       // shutdown_signal: SIGTERM/SIGINT/SIGPWR arrived meanwhile
  kSupervisionError,  // detail: the failed call in PID 1 (poll, write, read, ...)
  kLeftProcesses,     // detail: what it left running (pid and escaped comm), now killed
};

struct HelperOutcome {
  OutcomeKind kind = OutcomeKind::kSupervisionError;
  std::string detail;
  int wait_status = 0;
  int shutdown_signal = 0;
  std::string last_output;  // the helper's last line of stdout/stderr, escaped
  std::chrono::seconds timeout{0};
  std::optional<wire::Detected> detected;      // kOk only: the mode decision the helper sent
  std::optional<wire::Extensions> extensions;  // kOk only: what the helper set up

  bool ok() const { return kind == OutcomeKind::kOk; }
};

// The one text for an outcome, to follow "helper <name> failed: ": "exited with status 3;
// last output: ...", "killed by its seccomp policy (SIGSYS) in syscall socket", "timed out
// after 30 s", ...
std::string describe_outcome(const HelperOutcome& outcome);

struct HelperInvocation {
  std::string name;  // mounter, lockdown, ...
  std::string path;  // /usr/libexec/ccinit/<name>
  std::chrono::seconds timeout;
  wire::Request request;
};

// Starts one helper with an empty environment, stdin at EOF, stdout/stderr captured into
// the log, the request on fd 3 and its events on fd 4 (nothing else open), then supervises
// it until it has exited and its event stream ended, or the timeout passed. Orphans exiting
// meanwhile are reaped, and syslog messages (once there is a SyslogSink) drained. A helper
// that succeeded must have left nothing running but the daemons it reported (checked,
// at most kMaxDaemonsPerHelper): anything else is killed and is the outcome. Never throws:
// whatever fails, in the helper or in the supervision, is the outcome, and the helper is
// killed and reaped (or, when it cannot be reaped within a few seconds, given up on)
// before this returns.
HelperOutcome run_helper(const HelperInvocation& invocation, int signal_fd, Reaper& reaper,
                         Log& log, SyslogSink* syslog) noexcept;

}  // namespace ccinit::pid1
