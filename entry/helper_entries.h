#pragma once

#include <span>
#include <string_view>

#include "helpers/runtime/reporter.h"
#include "policy/policy.h"
#include "proto/ccinit.pb.h"

// What the multi-call executable needs to become one helper: its code and its compiled
// seccomp policy. The table (entry/helper_entries.cc) is generated from
// helpers/helpers.table, so every helper listed there has exactly one entry.
namespace ccinit {

struct HelperEntry {
  std::string_view name;
  void (*run)(const wire::Request& request, helper::Reporter& reporter);
  const policy::Policy* policy;
};

extern const std::span<const HelperEntry> kHelperEntries;

}  // namespace ccinit
