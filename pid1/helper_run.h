#pragma once

#include <chrono>
#include <string>

#include "pid1/log.h"
#include "pid1/reaper.h"
#include "pid1/syslog_sink.h"
#include "proto/ccinit.pb.h"

namespace ccinit::pid1 {

struct HelperOutcome {
  bool ok = false;
  // Why it failed, ready to follow "helper <name> failed: ".
  std::string reason;
  // A SIGTERM/SIGINT/SIGPWR arrived meanwhile: the caller powers off for that reason.
  int shutdown_signal = 0;
};

struct HelperInvocation {
  std::string name;  // mounter, lockdown, ...
  std::string path;  // /usr/libexec/ccinit/<name>
  std::chrono::seconds timeout;
  wire::Request request;
};

// Starts one helper with an empty environment, stdin at EOF, stdout/stderr captured into
// the log, the request on fd 3 and its events on fd 4 (nothing else open), then supervises
// it until it has exited and its event stream ended, or the timeout passed. Orphans exiting
// meanwhile are reaped, and syslog messages (once there is a SyslogSink) drained. Any failure
// is judged into HelperOutcome::reason.
HelperOutcome run_helper(const HelperInvocation& invocation, int signal_fd, Reaper& reaper,
                         Log& log, SyslogSink* syslog);

}  // namespace ccinit::pid1
