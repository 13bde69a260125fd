#pragma once

#include <string>

// Where the tests find the source tree and what the build made.
namespace ccinit::testing {

std::string source_dir();
// The build's bin directory: the shipped executables and the test programs.
std::string bin_dir();

}  // namespace ccinit::testing
