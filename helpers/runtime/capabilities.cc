#include "helpers/runtime/capabilities.h"

#include <cap-ng.h>
#include <sys/prctl.h>

#include <algorithm>
#include <stdexcept>

#include "common/sys_error.h"

namespace ccinit::helper {

namespace {

// Capability numbers are bits of a 64-bit set.
constexpr int kMaxCap = 63;

bool wanted(const std::vector<int>& keep, int cap) {
  return std::find(keep.begin(), keep.end(), cap) != keep.end();
}

std::string cap_name(int cap) {
  const char* name = capng_capability_to_name(static_cast<unsigned>(cap));
  return name ? std::string("cap_") + name : "cap_" + std::to_string(cap);
}

void read_process_caps() {
  if (capng_get_caps_process() != 0)
    throw std::runtime_error("cannot read the process capabilities (capng_get_caps_process)");
}

bool holds_any_capability() {
  for (int cap = 0; cap <= kMaxCap; ++cap) {
    if (capng_have_capability(CAPNG_PERMITTED, static_cast<unsigned>(cap))) return true;
  }
  return false;
}

// Bounding, permitted and effective become `keep` (less what the process never had);
// inheritable and ambient become empty.
void drop_to(const std::vector<int>& keep) {
  std::vector<int> permitted, bounding;
  for (int cap : keep) {
    if (capng_have_capability(CAPNG_PERMITTED, static_cast<unsigned>(cap)))
      permitted.push_back(cap);
    if (capng_have_capability(CAPNG_BOUNDING_SET, static_cast<unsigned>(cap)))
      bounding.push_back(cap);
  }
  capng_clear(CAPNG_SELECT_ALL);
  for (int cap : permitted) {
    if (capng_update(CAPNG_ADD, static_cast<capng_type_t>(CAPNG_EFFECTIVE | CAPNG_PERMITTED),
                     static_cast<unsigned>(cap)) != 0)
      throw std::runtime_error("capng_update " + cap_name(cap) + " failed");
  }
  for (int cap : bounding) {
    if (capng_update(CAPNG_ADD, CAPNG_BOUNDING_SET, static_cast<unsigned>(cap)) != 0)
      throw std::runtime_error("capng_update " + cap_name(cap) + " (bounding set) failed");
  }
  // Bounding set first (needs CAP_SETPCAP, still held then), then capset, then ambient.
  const int rc = capng_apply(CAPNG_SELECT_ALL);
  if (rc != 0)
    throw SysError("capng_apply (bounding set, capabilities, ambient set) failed with " +
                   std::to_string(rc));
}

// What the kernel now says, read back: anything outside `keep` left anywhere is an error.
void verify(const std::vector<int>& keep, bool bounding_reduced) {
  read_process_caps();
  std::string leftovers;
  auto check = [&](capng_type_t set, const char* set_name, bool allow_keep) {
    for (int cap = 0; cap <= kMaxCap; ++cap) {
      if (!capng_have_capability(set, static_cast<unsigned>(cap))) continue;
      if (allow_keep && wanted(keep, cap)) continue;
      leftovers.append(" ").append(cap_name(cap)).append(" (").append(set_name).append(")");
    }
  };
  check(CAPNG_EFFECTIVE, "effective", true);
  check(CAPNG_PERMITTED, "permitted", true);
  check(CAPNG_AMBIENT, "ambient", false);
  if (bounding_reduced) {
    check(CAPNG_BOUNDING_SET, "bounding", true);
    check(CAPNG_INHERITABLE, "inheritable", false);
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
  for (int cap : keep) {
    if (cap < 0 || cap > kMaxCap || !capng_capability_to_name(static_cast<unsigned>(cap)))
      throw std::runtime_error("unknown capability " + std::to_string(cap));
  }
  read_process_caps();
  // Run by hand without privileges there is nothing to drop, and the bounding set cannot
  // be changed without CAP_SETPCAP; no_new_privs still applies.
  const bool privileged = holds_any_capability();
  if (privileged) drop_to(keep);
  verify(keep, privileged);
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
