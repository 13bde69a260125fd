#include "helpers/runtime/capabilities.h"

#include "helpers/runtime/proc_status.h"

#include <cap-ng.h>
#include <sys/prctl.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <stdexcept>
#include <string_view>

#include "common/file_io.h"
#include "common/sys_error.h"

namespace ccinit::helper {

namespace {

// Capability numbers are bits of a 64-bit set.
constexpr int kMaxCap = 63;

constexpr std::uint64_t bit(int cap) {
  return std::uint64_t{1} << cap;
}

// The five capability sets of this process.
struct CapSets {
  std::uint64_t effective = 0;
  std::uint64_t permitted = 0;
  std::uint64_t inheritable = 0;
  std::uint64_t bounding = 0;
  std::uint64_t ambient = 0;
};

std::string cap_name(int cap) {
  const char* name = capng_capability_to_name(static_cast<unsigned>(cap));
  return name ? std::string("cap_") + name : "cap_" + std::to_string(cap);
}

// The hex value of "Key:\t0000003fffffffff" in /proc/self/status text.
std::uint64_t status_set(std::string_view text, std::string_view key) {
  if (const auto field = proc_status_field(text, key)) {
    std::uint64_t value = 0;
    const auto [ptr, ec] = std::from_chars(field->data(), field->data() + field->size(), value, 16);
    if (ec == std::errc() && ptr != field->data()) return value;
  }
  throw std::runtime_error("/proc/self/status has no readable " + std::string(key) + " line");
}

// Without /proc (the mounter runs before it is mounted), libcap-ng asks the kernel
// directly: capget, and PR_CAPBSET_READ / PR_CAP_AMBIENT_IS_SET per capability.
CapSets read_without_proc() {
  if (capng_get_caps_process() != 0)
    throw std::runtime_error("cannot read the process capabilities (capng_get_caps_process)");
  CapSets sets;
  for (int cap = 0; cap <= kMaxCap; ++cap) {
    const auto has = [cap](capng_type_t set) {
      return capng_have_capability(set, static_cast<unsigned>(cap)) ? bit(cap) : 0;
    };
    sets.effective |= has(CAPNG_EFFECTIVE);
    sets.permitted |= has(CAPNG_PERMITTED);
    sets.inheritable |= has(CAPNG_INHERITABLE);
    sets.bounding |= has(CAPNG_BOUNDING_SET);
    sets.ambient |= has(CAPNG_AMBIENT);
  }
  return sets;
}

// All five sets from one read of /proc/self/status.
CapSets read_caps() {
  const auto text = read_file_if_exists("/proc/self/status");
  if (!text) return read_without_proc();
  return CapSets{status_set(*text, "CapEff"), status_set(*text, "CapPrm"),
                 status_set(*text, "CapInh"), status_set(*text, "CapBnd"),
                 status_set(*text, "CapAmb")};
}

// Bounding, permitted and effective become `keep` (less what the process never had);
// inheritable and ambient become empty.
void drop_to(const CapSets& now, std::uint64_t keep) {
  // Bounding set first, while CAP_SETPCAP is still in effect; only what is there to drop.
  for (int cap = 0; cap <= kMaxCap; ++cap) {
    if (!(now.bounding & bit(cap)) || (keep & bit(cap))) continue;
    if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0)
      throw SysError("cannot drop " + cap_name(cap) + " from the bounding set");
  }
  // Permitted and effective in one capset, inheritable cleared with them.
  capng_clear(CAPNG_SELECT_CAPS);
  for (int cap = 0; cap <= kMaxCap; ++cap) {
    if (!(now.permitted & keep & bit(cap))) continue;
    if (capng_update(CAPNG_ADD, static_cast<capng_type_t>(CAPNG_EFFECTIVE | CAPNG_PERMITTED),
                     static_cast<unsigned>(cap)) != 0)
      throw std::runtime_error("capng_update " + cap_name(cap) + " failed");
  }
  if (capng_apply(CAPNG_SELECT_CAPS) != 0) throw SysError("capng_apply (capset)");
  // capset has already emptied the ambient set with the inheritable one; say so anyway.
  if (now.ambient && ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0)
    throw SysError("prctl(PR_CAP_AMBIENT_CLEAR_ALL)");
}

// What the kernel now says, read back: anything outside `keep` left anywhere is an error.
void verify(std::uint64_t keep, bool bounding_reduced) {
  const CapSets now = read_caps();
  std::string leftovers;
  auto check = [&](std::uint64_t set, const char* set_name, std::uint64_t allowed) {
    for (int cap = 0; cap <= kMaxCap; ++cap) {
      if (!(set & bit(cap)) || (allowed & bit(cap))) continue;
      leftovers.append(" ").append(cap_name(cap)).append(" (").append(set_name).append(")");
    }
  };
  check(now.effective, "effective", keep);
  check(now.permitted, "permitted", keep);
  check(now.ambient, "ambient", 0);
  if (bounding_reduced) {
    check(now.bounding, "bounding", keep);
    check(now.inheritable, "inheritable", 0);
  }
  if (!leftovers.empty())
    throw std::runtime_error("capabilities still held after dropping them:" + leftovers);
}

void set_no_new_privs() {
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) throw SysError("prctl(PR_SET_NO_NEW_PRIVS)");
  if (::prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
    throw std::runtime_error("no_new_privs is not set after PR_SET_NO_NEW_PRIVS");
}

}  // namespace

void restrict_capabilities(const std::vector<int>& keep) {
  std::uint64_t keep_mask = 0;
  for (int cap : keep) {
    if (cap < 0 || cap > kMaxCap || !capng_capability_to_name(static_cast<unsigned>(cap)))
      throw std::runtime_error("unknown capability " + std::to_string(cap));
    keep_mask |= bit(cap);
  }
  const CapSets now = read_caps();
  // Run by hand without privileges there is nothing to drop, and the bounding set cannot
  // be changed without CAP_SETPCAP; no_new_privs still applies.
  const bool privileged = now.permitted != 0;
  if (privileged) drop_to(now, keep_mask);
  verify(keep_mask, privileged);
  set_no_new_privs();
}

std::string capability_names(const std::vector<int>& caps) {
  std::string out;
  for (int cap : caps) {
    if (!out.empty()) out += ',';
    out += cap_name(cap);
  }
  return out;
}

}  // namespace ccinit::helper
