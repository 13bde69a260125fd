#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ccinit::testing {

// The lines of `text` without their newlines (console output, kmsg files, reports).
std::vector<std::string> split_lines(const std::string& text);

// Lower-case hex of every byte ("x\n" -> "780a"), e.g. to pass arbitrary bytes on a kernel
// command line to a test program.
std::string hex_encode(std::string_view bytes);

// The whole file; throws SysError (a std::runtime_error) naming it when it cannot be read.
std::string read_text(const std::string& path);

}  // namespace ccinit::testing
