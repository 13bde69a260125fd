#include "tests/support/ns_boot/observer.h"

#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

#include "common/decimal.h"
#include "common/file_io.h"
#include "common/process_tree.h"
#include "common/seccomp_notification.h"
#include "common/sys_error.h"
#include "entry/helper_entries.h"
#include "helpers/runtime/proc_status.h"

namespace ccinit::ns_boot {

namespace {

// Notifications still queued when the guest is gone are answered up to this many.
constexpr int kMaxDrained = 100000;
// Parent chains longer than this are not followed (a racing read cannot loop).
constexpr int kMaxGenerations = 64;

std::string proc_path(pid_t pid, const char* file) {
  return "/proc/" + std::to_string(pid) + "/" + file;
}

struct TaskStat {
  ProcEntry entry;
  unsigned long long start_time = 0;
};

// /proc/<pid>/stat with the start time (field 22), which ProcEntry leaves out; nullopt when
// the process is gone.
std::optional<TaskStat> read_task_stat(pid_t pid) {
  const std::optional<std::string> text = read_file_if_exists(proc_path(pid, "stat"));
  if (!text) return std::nullopt;
  std::optional<ProcEntry> entry = parse_proc_stat(*text);
  if (!entry) return std::nullopt;
  // Fields after the comm, from the state (field 3) on.
  std::string_view rest = std::string_view(*text).substr(text->rfind(')') + 2);
  for (int field = 3; field < 22; ++field) {
    const auto space = rest.find(' ');
    if (space == std::string_view::npos) return std::nullopt;
    rest.remove_prefix(space + 1);
  }
  auto start = parse_decimal<unsigned long long>(rest.substr(0, rest.find(' ')));
  if (!start) return std::nullopt;
  return TaskStat{std::move(*entry), *start};
}

// The basename of argv[0], "" when the process is gone or has none.
std::string program_name(pid_t pid) {
  const std::optional<std::string> cmdline = read_file_if_exists(proc_path(pid, "cmdline"));
  if (!cmdline) return "";
  const std::string argv0 = cmdline->substr(0, cmdline->find('\0'));
  return argv0.substr(argv0.rfind('/') + 1);
}

HelperPolicy helper_named(const std::string& name) {
  for (const HelperEntry& entry : kHelperEntries)
    if (entry.name == name) return {entry.name, entry.policy};
  return {kUnattributed, nullptr};
}

}  // namespace

std::optional<int> seccomp_filter_count(pid_t pid) {
  const std::optional<std::string> status = read_file_if_exists(proc_path(pid, "status"));
  if (!status || status->empty()) return std::nullopt;
  const auto field = helper::proc_status_field(*status, "Seccomp_filters");
  if (!field) throw std::runtime_error("/proc/<pid>/status has no Seccomp_filters (Linux 5.9+)");
  auto count = parse_decimal<int>(*field);
  if (!count) throw std::runtime_error("Seccomp_filters: " + std::string(*field));
  return count;
}

std::optional<Attribution::Caller> Attribution::of(pid_t tid) {
  // PID 1 (the base itself) makes most of the calls, and is never under a helper's policy.
  if (tid == pid1_) return std::nullopt;
  std::optional<TaskStat> stat = read_task_stat(tid);
  if (!stat) return std::nullopt;
  const Identity identity{tid, stat->start_time};
  if (auto known = known_.find(identity); known != known_.end())
    return Caller{known->second, std::move(stat->entry.comm)};
  const std::optional<int> filters = seccomp_filter_count(tid);
  // Not cached: a helper makes calls before its own filter is in place.
  if (!filters || *filters <= base_) return std::nullopt;
  const HelperPolicy helper = helper_above(tid, stat->entry.ppid);
  known_.emplace(identity, helper);
  return Caller{helper, std::move(stat->entry.comm)};
}

HelperPolicy Attribution::helper_above(pid_t tid, pid_t parent) {
  pid_t top = tid;
  for (int generation = 0; generation < kMaxGenerations && parent > 0 && parent != pid1_;
       ++generation) {
    const std::optional<TaskStat> stat = read_task_stat(parent);
    if (!stat) break;
    if (auto known = known_.find({parent, stat->start_time}); known != known_.end())
      return known->second;
    const std::optional<int> filters = seccomp_filter_count(parent);
    // An unconfined ancestor (PID 1) ends the chain: filters are inherited, so nothing
    // above it can be a helper's.
    if (!filters || *filters <= base_) break;
    top = parent;
    parent = stat->entry.ppid;
  }
  return helper_named(program_name(top));
}

Observer::Observer(UniqueFd handover, std::string file)
    : handover_(std::move(handover)), file_(std::move(file)), stop_(make_pipe()) {}

Observer::~Observer() {
  if (thread_.joinable()) {
    stop_.write_end.reset();
    thread_.join();
  }
}

void Observer::start(pid_t pid1) {
  thread_ = std::thread([this, pid1] { run(pid1); });
}

std::string Observer::finish() {
  if (thread_.joinable()) {
    stop_.write_end.reset();  // the recorder sees POLLHUP
    thread_.join();
  }
  if (!error_.empty()) return error_;
  try {
    std::string text = log_.text();
    text += "# " + std::to_string(answered_) + " calls answered, " +
            std::to_string(log_.distinct_calls()) + " distinct under a helper's policy\n";
    write_file_atomically(file_, text, 0644);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

bool serve_notification(int listener, Attribution& attribution, const RecordCall& record,
                        std::string& error) {
  const std::optional<seccomp_notif> call = receive_held_call(listener);
  if (!call) return false;
  try {
    const std::optional<Attribution::Caller> caller = attribution.of(static_cast<pid_t>(call->pid));
    // What /proc said is about the caller only if the call is still waiting for its answer.
    if (caller && still_held(listener, *call))
      record(*caller, call->data.nr, held_call_args(*call));
  } catch (const std::exception& e) {
    error = e.what();  // reported at the end; the call is answered all the same
  }
  answer_held_call(listener, *call);
  return true;
}

void Observer::answer_one(int listener, Attribution& attribution) {
  const RecordCall record = [this](const Attribution::Caller& caller, long nr,
                                   const std::array<std::uint64_t, 6>& args) {
    log_.record(caller.helper, nr, args, caller.comm);
  };
  if (serve_notification(listener, attribution, record, error_)) ++answered_;
}

void Observer::run(pid_t pid1) {
  try {
    UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid1, 0)));
    if (!pidfd) throw SysError("pidfd_open (the guest's PID 1)");
    int number = -1;
    std::size_t got = 0;
    while (got < sizeof number) {
      const ssize_t n =
          ::read(handover_.get(), reinterpret_cast<char*>(&number) + got, sizeof number - got);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw SysError("read the listener's number");
      if (n == 0) return;  // the guest's setup failed before its filter: nothing to record
      got += static_cast<std::size_t>(n);
    }
    UniqueFd listener(static_cast<int>(::syscall(SYS_pidfd_getfd, pidfd.get(), number, 0)));
    if (!listener) throw SysError("pidfd_getfd (the seccomp listener of the guest's PID 1)");
    const std::optional<int> base = seccomp_filter_count(pid1);
    if (!base) throw std::runtime_error("the guest's PID 1 is gone");
    Attribution attribution(pid1, *base);
    for (;;) {
      pollfd fds[2] = {{listener.get(), POLLIN, 0}, {stop_.read_end.get(), POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0) {
        if (errno == EINTR) continue;
        throw SysError("poll");
      }
      if (fds[0].revents & POLLIN)
        answer_one(listener.get(), attribution);
      else if (fds[0].revents & (POLLHUP | POLLERR))
        break;  // no task is left under the filter
      if (fds[1].revents & (POLLIN | POLLHUP)) {
        for (int i = 0; i < kMaxDrained && readable_now(listener.get()); ++i)
          answer_one(listener.get(), attribution);
        break;
      }
    }
  } catch (const std::exception& e) {
    error_ = e.what();
    // Calls nobody answers would hold the guest until its timeout: end it now.
    ::kill(pid1, SIGKILL);
  }
}

}  // namespace ccinit::ns_boot
