#pragma once

#include <stdexcept>
#include <string>

#include "proto/ccinit.pb.h"

// What the extensions helper set up (wire::Extensions) as it travels: its result to PID 1,
// then PID 1's requests to the helpers after it and kata-agent's environment.
namespace ccinit {

// An Extensions that does not match the command line. what() is one line.
class ExtensionsError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws ExtensionsError unless `extensions` is what `config` asked for: `mounted` lists
// exactly the names of the command line's kata.extension.<name>.verity_params, sorted, each
// once; and `gpu` is set whenever an extension named "gpu" was mounted.
void check_extensions(const wire::Config& config, const wire::Extensions& extensions);

// "mounted gpu, coco; GPU extension in use", "none mounted", for the log and dry runs.
std::string describe_extensions(const wire::Extensions& extensions);

}  // namespace ccinit
