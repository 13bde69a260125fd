#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

// Who the helpers are, from the one table helpers/helpers.table (CMake generates
// helper_table_data.h from it): PID 1's plan, the nvrc.timeout.<helper> keys and each
// helper's --help read it here.
namespace ccinit {

enum class HelperStage {
  kFirst,    // runs before the kernel command line can be read; its timeout is fixed
  kPlanned,  // runs when the mode needs it; nvrc.timeout.<name> sets its timeout
};

struct HelperInfo {
  std::string_view name;
  std::uint32_t default_timeout_seconds;
  HelperStage stage;
  std::span<const int> capabilities;  // CAP_* kept; all others are dropped
  std::string_view purpose;           // one line, for --help and the boot plan
};

inline constexpr std::string_view kHelperDir = "/usr/libexec/ccinit";

}  // namespace ccinit

#include "common/helper_table_data.h"  // generated: inline constexpr HelperInfo kHelpers[]

namespace ccinit {

// The table entry named `name`, or nullptr.
const HelperInfo* find_helper(std::string_view name);

// The table entry named `name`; a name that is not in the table is a programming error
// (std::logic_error).
const HelperInfo& helper_info(std::string_view name);

// /usr/libexec/ccinit/<name>: where PID 1 starts the helper and cmake --install puts it.
std::string helper_path(const HelperInfo& helper);

}  // namespace ccinit
