#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "policy/policy.h"
#include "policy/review/observation.h"

// What ns-boot --observe writes: the calls the helpers' policies allowed during one boot, in
// the observation format that `policy-review coverage` reads (policy/review/observation.h).
// The arguments listed are those some rule of that syscall in the helper's compiled policy
// checks: what tells the rules apart, and nothing that differs on every call (pointers).
namespace ccinit::ns_boot {

// Under which helper's policy a call was made; a caller that could not be attributed has
// name "?" and no policy.
struct HelperPolicy {
  std::string_view name;
  const policy::Policy* policy = nullptr;
};

using policy::review::kUnattributed;

class ObservationLog {
 public:
  // One call of syscall `nr` with `args` (seccomp_data.args) by a process named `comm`.
  // Returns the call's line with `calls=1 by=<comm>` when its key or this comm is new (what
  // the VM's recorder prints at once, since the power-off ends it without warning), else "".
  std::string record(const HelperPolicy& helper, long nr, const std::array<std::uint64_t, 6>& args,
                     std::string_view comm);
  // The whole file, header first, one line per distinct call, sorted.
  std::string text() const;
  std::size_t distinct_calls() const { return seen_.size(); }

 private:
  struct Key {
    std::string helper;
    std::string syscall;
    std::vector<std::pair<unsigned, std::uint64_t>> args;
    auto operator<=>(const Key&) const = default;
  };
  struct Seen {
    std::size_t calls = 0;
    std::set<std::string> by;
  };
  static policy::review::ObservedCall call_of(const Key& key, const Seen& seen);
  const std::vector<unsigned>& checked_args(const policy::Policy& policy, std::string_view syscall);

  std::map<Key, Seen> seen_;
  std::map<std::pair<const policy::Policy*, std::string>, std::vector<unsigned>> checked_;
};

// `comm` as one token of the format: spaces, commas and other bytes that would split or
// break a line become '_'.
std::string comm_token(std::string_view comm);

}  // namespace ccinit::ns_boot
