#pragma once

#include <string>
#include <string_view>

namespace ccinit::pid1 {

// Helper and daemon text is untrusted: control bytes become \xNN so a line from a helper
// can never forge a record of its own (a newline followed by "ccinit: power off: ...").
std::string sanitize_for_log(std::string_view text, std::size_t max_len = 1024);

}  // namespace ccinit::pid1
