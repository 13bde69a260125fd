#include "policy/review/risk.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <linux/sockios.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <termios.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>
#include <span>

#include "policy/policy_parser.h"

namespace ccinit::policy::review {

namespace {

bool in(std::span<const std::string_view> list, std::string_view name) {
  return std::find(list.begin(), list.end(), name) != list.end();
}

// Beyond the build's list (is_risky_syscall): syscalls the fixed prologue refuses anyway,
// and others that reach other processes, kernel state or device nodes.
constexpr std::string_view kMoreDangerous[] = {"ptrace",
                                               "bpf",
                                               "kexec_load",
                                               "kexec_file_load",
                                               "reboot",
                                               "mknod",
                                               "mknodat",
                                               "pidfd_getfd",
                                               "pidfd_send_signal",
                                               "process_vm_readv",
                                               "process_madvise",
                                               "rt_sigqueueinfo",
                                               "rt_tgsigqueueinfo",
                                               "memfd_create",
                                               "swapon",
                                               "swapoff",
                                               "sethostname",
                                               "setdomainname",
                                               "settimeofday",
                                               "clock_settime",
                                               "clock_adjtime",
                                               "adjtimex",
                                               "syslog",
                                               "acct",
                                               "quotactl",
                                               "name_to_handle_at",
                                               "iopl",
                                               "ioperm",
                                               "fanotify_init",
                                               "mount_setattr",
                                               "fspick",
                                               "kcmp",
                                               "move_pages",
                                               "migrate_pages",
                                               "uselib",
                                               "vhangup"};

// Kernel code, namespaces, mounts, exec, the kernel's widest attack surfaces, other
// processes' memory.
constexpr std::string_view kCritical[] = {"init_module",
                                          "finit_module",
                                          "delete_module",
                                          "mount",
                                          "umount2",
                                          "move_mount",
                                          "fsopen",
                                          "fsmount",
                                          "fsconfig",
                                          "fspick",
                                          "open_tree",
                                          "mount_setattr",
                                          "pivot_root",
                                          "chroot",
                                          "setns",
                                          "unshare",
                                          "clone",
                                          "clone3",
                                          "fork",
                                          "vfork",
                                          "execve",
                                          "execveat",
                                          "ptrace",
                                          "bpf",
                                          "kexec_load",
                                          "kexec_file_load",
                                          "reboot",
                                          "perf_event_open",
                                          "userfaultfd",
                                          "io_uring_setup",
                                          "io_uring_enter",
                                          "io_uring_register",
                                          "keyctl",
                                          "add_key",
                                          "request_key",
                                          "process_vm_writev",
                                          "process_vm_readv",
                                          "pidfd_getfd",
                                          "open_by_handle_at",
                                          "iopl",
                                          "ioperm",
                                          "swapon",
                                          "swapoff",
                                          "seccomp",
                                          "personality"};

// Changing files, and talking over a socket once one exists.
constexpr std::string_view kMedium[] = {
    "unlink",    "unlinkat", "rename",    "renameat",   "renameat2",  "mkdir",    "mkdirat",
    "rmdir",     "symlink",  "symlinkat", "link",       "linkat",     "chmod",    "fchmod",
    "fchmodat",  "chown",    "fchown",    "fchownat",   "lchown",     "truncate", "ftruncate",
    "utimensat", "listen",   "accept",    "accept4",    "sendto",     "sendmsg",  "sendmmsg",
    "recvfrom",  "recvmsg",  "recvmmsg",  "setsockopt", "pidfd_open", "setsid",   "flock"};

const ArgCheck* check_on(const ReviewRule& rule, unsigned arg) {
  for (const ArgCheck& c : rule.checks)
    if (c.arg == arg) return &c;
  return nullptr;
}

std::uint64_t mask_of(const ArgCheck& c) {
  return c.op == Op::kEq ? ~std::uint64_t{0} : c.op == Op::kMaskedEq ? c.mask : 0;
}

// The argument is compared (masked or not) so that all of `bits` must be 0.
bool bits_clear(const ReviewRule& rule, unsigned arg, std::uint64_t bits) {
  const ArgCheck* c = check_on(rule, arg);
  return c && (mask_of(*c) & bits) == bits && (c->value & bits) == 0;
}

// The argument equals one of `values`.
bool equals_one_of(const ReviewRule& rule, unsigned arg,
                   std::initializer_list<std::uint64_t> values) {
  const ArgCheck* c = check_on(rule, arg);
  return c && c->op == Op::kEq && std::find(values.begin(), values.end(), c->value) != values.end();
}

// The file type bits are compared and name no device.
bool no_device_node(const ReviewRule& rule, unsigned arg) {
  const ArgCheck* c = check_on(rule, arg);
  if (!c || (mask_of(*c) & S_IFMT) != S_IFMT) return false;
  const std::uint64_t type = c->value & S_IFMT;
  return type == S_IFREG || type == S_IFIFO || type == S_IFSOCK;
}

constexpr std::uint64_t kNewNamespaces = CLONE_NEWNS | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET |
                                         CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWCGROUP;

struct SafeForm {
  std::string_view words;
  bool (*holds)(const ReviewRule&);
};

const std::map<std::string_view, SafeForm>& safe_forms() {
  static const std::map<std::string_view, SafeForm> forms = {
      {"mmap",
       {"arg2 & PROT_EXEC == 0 (never executable)",
        [](const ReviewRule& r) { return bits_clear(r, 2, PROT_EXEC); }}},
      {"mprotect",
       {"arg2 & PROT_EXEC == 0 (never executable)",
        [](const ReviewRule& r) { return bits_clear(r, 2, PROT_EXEC); }}},
      {"pkey_mprotect",
       {"arg2 & PROT_EXEC == 0 (never executable)",
        [](const ReviewRule& r) { return bits_clear(r, 2, PROT_EXEC); }}},
      {"clone",
       {"arg0 & CLONE_NEW* == 0 (no new namespace)",
        [](const ReviewRule& r) { return bits_clear(r, 0, kNewNamespaces); }}},
      {"socket",
       {"arg0 == AF_UNIX (local sockets only)",
        [](const ReviewRule& r) { return equals_one_of(r, 0, {AF_UNIX}); }}},
      {"socketpair",
       {"arg0 == AF_UNIX (local sockets only)",
        [](const ReviewRule& r) { return equals_one_of(r, 0, {AF_UNIX}); }}},
      {"prctl",
       {"arg0 == a query or PR_SET_NAME, PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS",
        [](const ReviewRule& r) {
          return equals_one_of(
              r, 0,
              {PR_SET_NAME, PR_GET_NAME, PR_SET_PDEATHSIG, PR_GET_PDEATHSIG, PR_SET_NO_NEW_PRIVS,
               PR_GET_NO_NEW_PRIVS, PR_GET_DUMPABLE, PR_CAPBSET_READ, PR_GET_KEEPCAPS,
               PR_GET_SECUREBITS, PR_GET_SECCOMP});
        }}},
      {"ioctl",
       {"arg1 == a read-only query (TCGETS, TIOCGWINSZ, FIONREAD, SIOCGIF*, BLK*GET*)",
        [](const ReviewRule& r) {
          return equals_one_of(
              r, 1,
              {TCGETS, TIOCGWINSZ, FIONREAD, FIOCLEX, FIONCLEX, FIONBIO, SIOCGIFFLAGS, SIOCGIFINDEX,
               SIOCGIFMTU, SIOCGIFADDR, BLKGETSIZE64, BLKSSZGET, BLKROGET});
        }}},
      {"mknod",
       {"arg1 & S_IFMT == S_IFREG, S_IFIFO or S_IFSOCK (no device node)",
        [](const ReviewRule& r) { return no_device_node(r, 1); }}},
      {"mknodat",
       {"arg2 & S_IFMT == S_IFREG, S_IFIFO or S_IFSOCK (no device node)",
        [](const ReviewRule& r) { return no_device_node(r, 2); }}},
  };
  return forms;
}

bool opens_read_only(const ReviewRule& rule) {
  const unsigned arg = rule.syscall == "openat" ? 2 : 1;
  const ArgCheck* c = check_on(rule, arg);
  return c && (mask_of(*c) & (O_ACCMODE | O_CREAT | O_TRUNC)) == (O_ACCMODE | O_CREAT | O_TRUNC) &&
         (c->value & (O_ACCMODE | O_CREAT | O_TRUNC)) == O_RDONLY;
}

}  // namespace

std::string_view risk_name(Risk risk) {
  switch (risk) {
    case Risk::kLow:
      return "low";
    case Risk::kMedium:
      return "medium";
    case Risk::kHigh:
      return "high";
    case Risk::kCritical:
      return "critical";
  }
  return "?";
}

bool is_dangerous(std::string_view syscall) {
  return is_risky_syscall(syscall) || in(kMoreDangerous, syscall);
}

std::string_view safe_form(std::string_view syscall) {
  const auto& forms = safe_forms();
  const auto it = forms.find(syscall);
  return it == forms.end() ? std::string_view() : it->second.words;
}

bool has_safe_form(const ReviewRule& rule) {
  const auto& forms = safe_forms();
  const auto it = forms.find(rule.syscall);
  return it != forms.end() && it->second.holds(rule);
}

Risk risk_of(const ReviewRule& rule) {
  const std::string_view s = rule.syscall;
  if (has_safe_form(rule))
    return s == "mmap" || s == "mprotect" || s == "pkey_mprotect" ? Risk::kLow : Risk::kMedium;
  if (in(kCritical, s)) return Risk::kCritical;
  if (is_dangerous(s)) return Risk::kHigh;
  if (in(kMedium, s)) return Risk::kMedium;
  if (s == "openat" || s == "open" || s == "openat2" || s == "creat")
    return opens_read_only(rule) ? Risk::kLow : Risk::kMedium;
  return Risk::kLow;
}

int capability_weight(std::string_view capability) {
  static const std::map<std::string_view, int> weights = {
      {"CAP_SYS_MODULE", 30}, {"CAP_SYS_RAWIO", 30},    {"CAP_SYS_ADMIN", 25},
      {"CAP_SYS_PTRACE", 25}, {"CAP_DAC_OVERRIDE", 12}, {"CAP_SETUID", 12},
      {"CAP_NET_ADMIN", 12},  {"CAP_SETGID", 10},       {"CAP_MKNOD", 10},
      {"CAP_NET_RAW", 10},    {"CAP_CHOWN", 6}};
  const auto it = weights.find(capability);
  return it == weights.end() ? 8 : it->second;
}

Score score_helper(const HelperPolicy& policy, const std::vector<KeptCapability>& capabilities) {
  Score score;
  score.helper = policy.helper;
  std::map<std::string, Risk> riskiest;
  std::set<std::string> broad;
  for (const ReviewRule& r : policy.rules) {
    const Risk risk = risk_of(r);
    auto [it, inserted] = riskiest.emplace(r.syscall, risk);
    if (!inserted) it->second = std::max(it->second, risk);
    if (r.checks.empty() && is_dangerous(r.syscall)) broad.insert(r.syscall);
    if (r.syscall == "execve" || r.syscall == "execveat") score.exec = true;
  }
  score.syscalls = static_cast<int>(riskiest.size());
  for (const auto& [name, risk] : riskiest) {
    ++score.by_risk[static_cast<int>(risk)];
    score.total += kRiskWeight[static_cast<int>(risk)];
  }
  score.broad = static_cast<int>(broad.size());
  score.total += score.broad * kBroadWeight;
  for (const auto& cap : capabilities) score.capabilities += capability_weight(cap.name);
  score.total += score.capabilities;
  if (score.exec) score.total += kExecWeight;
  return score;
}

std::string score_weights_text() {
  return "score = sum over allowed syscalls of the weight of its riskiest rule (low " +
         std::to_string(kRiskWeight[0]) + ", medium " + std::to_string(kRiskWeight[1]) + ", high " +
         std::to_string(kRiskWeight[2]) + ", critical " + std::to_string(kRiskWeight[3]) + ") + " +
         std::to_string(kBroadWeight) +
         " per dangerous syscall allowed with any arguments + each capability kept "
         "(CAP_SYS_MODULE 30, CAP_SYS_RAWIO 30, CAP_SYS_ADMIN 25, CAP_SYS_PTRACE 25, "
         "CAP_DAC_OVERRIDE 12, CAP_SETUID 12, CAP_NET_ADMIN 12, CAP_SETGID 10, CAP_MKNOD 10, "
         "CAP_NET_RAW 10, CAP_CHOWN 6, any other 8) + " +
         std::to_string(kExecWeight) +
         " when the helper may execve (its tools run under the same filter and capabilities)";
}

}  // namespace ccinit::policy::review
