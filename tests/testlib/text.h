#pragma once

#include <string>
#include <vector>

namespace ccinit::testing {

// The lines of `text` without their newlines (console output, kmsg files, reports).
std::vector<std::string> split_lines(const std::string& text);

// The whole file; throws SysError (a std::runtime_error) naming it when it cannot be read.
std::string read_text(const std::string& path);

}  // namespace ccinit::testing
