#include "policy/review/constant_names.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdio>
#include <vector>

#include "policy/named_constants.h"
#include "policy/policy_text.h"

namespace ccinit::policy::review {

namespace {

// kProtocol: a number that names a protocol only when not 0 (socket's protocol 0 is both
// IPPROTO_IP and NETLINK_ROUTE: the family decides, so 0 stays a number).
enum class Kind { kNumber, kFlags, kEnum, kProtocol, kMode, kCloneFlags };

struct Meaning {
  Kind kind = Kind::kNumber;
  std::array<std::string_view, 7> prefixes = {};
};

struct ArgMeaning {
  std::string_view syscall;
  unsigned arg;
  Meaning meaning;
};

// clang-format off
const ArgMeaning kMeanings[] = {
    {"socket", 0, {Kind::kEnum, {"AF_"}}},       {"socket", 1, {Kind::kFlags, {"SOCK_"}}},
    {"socket", 2, {Kind::kProtocol, {"NETLINK_", "IPPROTO_"}}},
    {"socketpair", 0, {Kind::kEnum, {"AF_"}}},   {"socketpair", 1, {Kind::kFlags, {"SOCK_"}}},
    {"openat", 2, {Kind::kFlags, {"O_"}}},       {"open", 1, {Kind::kFlags, {"O_"}}},
    {"pipe2", 1, {Kind::kFlags, {"O_"}}},        {"dup3", 2, {Kind::kFlags, {"O_"}}},
    {"mmap", 2, {Kind::kFlags, {"PROT_"}}},      {"mmap", 3, {Kind::kFlags, {"MAP_"}}},
    {"mprotect", 2, {Kind::kFlags, {"PROT_"}}},  {"pkey_mprotect", 2, {Kind::kFlags, {"PROT_"}}},
    {"mremap", 3, {Kind::kFlags, {"MREMAP_"}}},  {"madvise", 2, {Kind::kEnum, {"MADV_"}}},
    {"clone", 0, {Kind::kCloneFlags, {"CLONE_"}}}, {"unshare", 0, {Kind::kFlags, {"CLONE_"}}},
    {"setns", 1, {Kind::kFlags, {"CLONE_"}}},    {"prctl", 0, {Kind::kEnum, {"PR_"}}},
    {"kill", 1, {Kind::kEnum, {"SIG"}}},         {"tkill", 1, {Kind::kEnum, {"SIG"}}},
    {"tgkill", 2, {Kind::kEnum, {"SIG"}}},       {"rt_sigprocmask", 0, {Kind::kEnum, {"SIG_"}}},
    {"fcntl", 1, {Kind::kEnum, {"F_"}}},
    {"ioctl", 1, {Kind::kEnum, {"SIOC", "TC", "TIOC", "FIO", "BLK", "LOOP_", "DM_"}}},
    {"mount", 3, {Kind::kFlags, {"MS_"}}},       {"umount2", 1, {Kind::kFlags, {"MNT_", "UMOUNT_"}}},
    {"mkdir", 1, {Kind::kMode, {}}},             {"mkdirat", 2, {Kind::kMode, {}}},
    {"chmod", 1, {Kind::kMode, {}}},             {"fchmod", 1, {Kind::kMode, {}}},
    {"fchmodat", 2, {Kind::kMode, {}}},          {"mknod", 1, {Kind::kEnum, {"S_IF"}}},
    {"mknodat", 2, {Kind::kEnum, {"S_IF"}}},     {"unlinkat", 2, {Kind::kFlags, {"AT_"}}},
    {"newfstatat", 3, {Kind::kFlags, {"AT_"}}},  {"finit_module", 2, {Kind::kFlags, {"MODULE_INIT_"}}},
    {"eventfd2", 1, {Kind::kFlags, {"EFD_"}}},   {"timerfd_create", 0, {Kind::kEnum, {"CLOCK_"}}},
    {"timerfd_create", 1, {Kind::kFlags, {"TFD_"}}}, {"epoll_create1", 0, {Kind::kFlags, {"EPOLL_"}}},
    {"inotify_init1", 0, {Kind::kFlags, {"IN_"}}}, {"memfd_create", 1, {Kind::kFlags, {"MFD_"}}},
    {"getrandom", 2, {Kind::kFlags, {"GRND_"}}}, {"prlimit64", 1, {Kind::kEnum, {"RLIMIT_"}}},
    {"clock_gettime", 0, {Kind::kEnum, {"CLOCK_"}}}, {"clock_nanosleep", 0, {Kind::kEnum, {"CLOCK_"}}},
    {"clock_nanosleep", 1, {Kind::kFlags, {"TIMER_"}}},
    {"futex", 1, {Kind::kFlags, {"FUTEX_"}}},
};
// Names that mean the same value as another one of their family and read worse.
constexpr std::string_view kAliases[] = {"AF_LOCAL", "O_RDONLY", "SIG_BLOCK"};
// clang-format on

Meaning meaning_of(std::string_view syscall, unsigned arg) {
  for (const ArgMeaning& m : kMeanings)
    if (m.syscall == syscall && m.arg == arg) return m.meaning;
  return {};
}

bool in_family(std::string_view name, const Meaning& m) {
  if (std::find(std::begin(kAliases), std::end(kAliases), name) != std::end(kAliases)) return false;
  // "SIG" is the signals, not SIG_BLOCK and its kin.
  for (std::string_view p : m.prefixes) {
    if (p.empty() || !name.starts_with(p)) continue;
    if (p == "SIG" && name.starts_with("SIG_")) continue;
    return true;
  }
  return false;
}

std::string number_text(std::uint64_t value) {
  return value < 10 ? std::to_string(value) : hex_text(value);
}

std::string octal_text(std::uint64_t value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0%llo", static_cast<unsigned long long>(value));
  return buf;
}

// The family's constant with exactly this value ("" when none).
std::string exact_name(std::uint64_t value, const Meaning& m) {
  for (const NamedConstant& c : named_constants())
    if (c.value == value && in_family(c.name, m)) return std::string(c.name);
  return {};
}

// The value as A|B|C of the family's non-zero constants, widest first, with any bits no
// constant names left as a number.
std::string flags_text(std::uint64_t value, const Meaning& m) {
  if (value == 0) return "0";
  if (std::string exact = exact_name(value, m); !exact.empty()) return exact;
  std::vector<NamedConstant> family;
  for (const NamedConstant& c : named_constants())
    if (c.value != 0 && in_family(c.name, m)) family.push_back(c);
  std::stable_sort(family.begin(), family.end(),
                   [](const NamedConstant& a, const NamedConstant& b) {
                     const int pa = std::popcount(a.value), pb = std::popcount(b.value);
                     return pa != pb ? pa > pb : a.value < b.value;
                   });
  std::vector<NamedConstant> chosen;
  std::uint64_t rest = value;
  for (const NamedConstant& c : family) {
    if ((rest & c.value) == c.value) {
      chosen.push_back(c);
      rest &= ~c.value;
    }
  }
  std::sort(chosen.begin(), chosen.end(),
            [](const NamedConstant& a, const NamedConstant& b) { return a.value < b.value; });
  std::string out;
  for (const NamedConstant& c : chosen) out += (out.empty() ? "" : "|") + std::string(c.name);
  if (rest != 0) out += (out.empty() ? "" : "|") + hex_text(rest);
  return out;
}

}  // namespace

std::string value_text(std::string_view syscall, unsigned arg, std::uint64_t value) {
  const Meaning m = meaning_of(syscall, arg);
  switch (m.kind) {
    case Kind::kNumber:
      return number_text(value);
    case Kind::kMode:
      return octal_text(value);
    case Kind::kProtocol:
      if (value == 0) return "0";
      [[fallthrough]];
    case Kind::kEnum: {
      const std::string name = exact_name(value, m);
      return name.empty() ? number_text(value) : name;
    }
    case Kind::kFlags:
      return flags_text(value, m);
    case Kind::kCloneFlags: {
      // The low byte of clone's flags is the exit signal.
      const std::uint64_t signal = value & 0xff;
      std::string out = flags_text(value & ~std::uint64_t{0xff}, m);
      if (signal == 0) return out;
      const std::string sig = exact_name(signal, Meaning{Kind::kEnum, {"SIG"}});
      const std::string sig_text = sig.empty() ? number_text(signal) : sig;
      return out == "0" ? sig_text : out + "|" + sig_text;
    }
  }
  return number_text(value);
}

bool has_named_meaning(std::string_view syscall, unsigned arg) {
  return meaning_of(syscall, arg).kind != Kind::kNumber;
}

std::string conditions_text(std::string_view syscall, std::span<const ArgCheck> checks) {
  std::string out;
  for (const ArgCheck& c : checks) {
    if (!out.empty()) out += " && ";
    out += "arg" + std::to_string(c.arg);
    if (c.op == Op::kMaskedEq) out += " & " + value_text(syscall, c.arg, c.mask);
    out += std::string(" ") + op_text(c.op) + " " + value_text(syscall, c.arg, c.value);
  }
  return out;
}

}  // namespace ccinit::policy::review
