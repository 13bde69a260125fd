#pragma once

#include <optional>
#include <string_view>

namespace ccinit::helper {

// The value of the "Key:\tvalue" line of /proc/<pid>/status text, without the blanks around
// it; nullopt when no line has that key. The capability drop and the confinement report
// both read their sets back this way.
std::optional<std::string_view> proc_status_field(std::string_view status_text,
                                                  std::string_view key);

}  // namespace ccinit::helper
