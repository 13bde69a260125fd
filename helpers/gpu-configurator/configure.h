#pragma once

#include <string>

#include "helpers/gpu-configurator/gpu_steps.h"
#include "helpers/runtime/reporter.h"
#include "proto/ccinit.pb.h"

namespace ccinit::gpu {

// Where the helper looks at the machine. Parameters so tests use fake trees; the helper
// passes the defaults and nothing on the command line can change them.
struct HostPaths {
  std::string sysfs_root = "/sys";
  std::string dev_root = "/dev";  // for tdx_guest / sev-guest
};

// The helper's job: decide the mode (detect-mode step), then in GPU mode run the GPU steps
// through `runner`. Throws std::runtime_error with a one-line reason on failure.
void configure(const wire::Request& request, helper::Reporter& reporter, const HostPaths& host,
               ToolRunner& runner);

// True when a TDX or SEV-SNP guest device exists under `dev_root`.
bool is_confidential_guest(const std::string& dev_root);

}  // namespace ccinit::gpu
