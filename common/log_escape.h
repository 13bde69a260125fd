#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace ccinit {

// Makes untrusted text (command-line values, helper and daemon output) safe inside one log
// line: bytes outside printable ASCII and the backslash become \xNN, so nothing can forge a
// record of its own; text longer than max_bytes is cut and ends in "...".
std::string escape_for_log(std::string_view text, std::size_t max_bytes = 80);

}  // namespace ccinit
