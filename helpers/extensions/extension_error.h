#pragma once

#include <stdexcept>

namespace ccinit::extensions {

// Why an extension image cannot be set up: one line naming the extension, the device or
// file, and the value (escaped). Any of these fails the boot: nothing is mounted unverified.
class ExtensionError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace ccinit::extensions
