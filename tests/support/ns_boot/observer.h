#pragma once

#include <sys/types.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "common/pipe.h"
#include "common/unique_fd.h"
#include "tests/support/ns_boot/observation_log.h"

// The recorder of ns-boot --observe, in the top-level ns-boot process (outside the guest's
// PID namespace, so the machine's /proc names the callers). It takes the listener of the
// guest's observer filter (observer_filter.h), answers every notification
// SECCOMP_USER_NOTIF_FLAG_CONTINUE, and records each call made under a helper's policy
// against that helper; at the end it writes the observation file.
namespace ccinit::ns_boot {

// Which helper's policy a caller is under, from /proc.
//
// A process's seccomp filter count (/proc/<tid>/status, Seccomp_filters) at most the
// guest PID 1's (`base`, taken once its observer filter is in place) means no helper filter
// yet: PID 1, the agent, or a helper before it confined itself; such calls are not recorded.
// Above it, the helper is the argv[0] (basename) of the topmost process of the caller's
// parent chain whose count is above base: the helper itself, of which every tool it starts
// is a descendant. Each attribution is kept per (pid, start time), so a pid the kernel
// reuses is never mistaken for the process it once was, a confined process (which stays
// confined) is looked up once, and a daemon that was seen before its parent exited stays
// its helper's after it was reparented to PID 1. A confined caller whose chain names no
// helper is "?".
class Attribution {
 public:
  Attribution(pid_t pid1, int base) : pid1_(pid1), base_(base) {}
  struct Caller {
    HelperPolicy helper;
    std::string comm;  // /proc/<tid>/comm, raw
  };
  // nullopt: not under a helper's policy, or gone.
  std::optional<Caller> of(pid_t tid);

 private:
  using Identity = std::pair<pid_t, unsigned long long>;  // pid and start time
  HelperPolicy helper_above(pid_t tid, pid_t parent);

  pid_t pid1_;
  int base_;
  std::map<Identity, HelperPolicy> known_;
};

// Seccomp_filters of /proc/<pid>/status, nullopt when the process is gone. Throws when the
// kernel does not report it (before Linux 5.9).
std::optional<int> seccomp_filter_count(pid_t pid);

// One call the recorder saw under a helper's policy.
using RecordCall = std::function<void(const Attribution::Caller& caller, long nr,
                                      const std::array<std::uint64_t, 6>& args)>;

// Receives one notification from `listener`, passes a call made under a helper's policy to
// `record` (only while the caller still waits, so /proc spoke of it) and answers it
// SECCOMP_USER_NOTIF_FLAG_CONTINUE. What attribution or `record` throws lands in `error`
// (the call is answered all the same: the guest must not hang on the recorder). Returns
// whether a notification was received. Throws SysError when the listener fails. Shared by
// ns-boot's recorder and the VM's (tests/support/observe_init).
bool serve_notification(int listener, Attribution& attribution, const RecordCall& record,
                        std::string& error);

class Observer {
 public:
  // `handover`: the read end of the pipe the guest's PID 1 writes its listener's number to;
  // `file`: where the observation goes.
  Observer(UniqueFd handover, std::string file);
  Observer(const Observer&) = delete;
  Observer& operator=(const Observer&) = delete;
  ~Observer();

  // Starts the recorder (a thread) for the guest whose PID 1 is `pid1` (as ns-boot sees it).
  void start(pid_t pid1);
  // Once the guest's PID 1 has been reaped (its whole namespace is gone): answers what is
  // still queued, stops the recorder and writes the file atomically. Returns what went
  // wrong, or "" when the file was written.
  std::string finish();

 private:
  void run(pid_t pid1);
  void answer_one(int listener, Attribution& attribution);

  UniqueFd handover_;
  std::string file_;
  Pipe stop_;
  std::thread thread_;
  std::string error_;  // written by the recorder thread, read after it was joined
  ObservationLog log_;
  std::size_t answered_ = 0;
};

}  // namespace ccinit::ns_boot
