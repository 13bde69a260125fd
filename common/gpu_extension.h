#pragma once

#include <string>

#include "common/nvidia_paths.h"

// Whether the GPU extension is in use: one rule for the extensions helper (which reports it to
// PID 1) and for a helper run by hand on a live guest (which has no report to read).
namespace ccinit::nvidia {

// The multiarch directory the extension's libraries are in: <root>/usr/lib/<triplet>, the
// layout nvidia-ctk expects once it strips the driver root (a flat directory broke CUDA).
#if defined(__x86_64__)
inline constexpr char kLibTriplet[] = "x86_64-linux-gnu";
#elif defined(__aarch64__)
inline constexpr char kLibTriplet[] = "aarch64-linux-gnu";
#else
#error "the GPU extension's library triplet is known for x86_64 and aarch64 only"
#endif

// True when `root` (kGpuExtensionRoot) is a directory that is the root of a read-only mount;
// false when nothing is there. Stricter than NVRC's "is a directory" on purpose: the NVIDIA
// driver is never taken from a tree that is not a read-only mount of its own (a plain or
// writable directory could be anyone's). Anything else there (a plain directory, a writable
// mount, a file, a symlink) throws std::runtime_error naming `root` and why; a failed system
// call throws SysError.
bool gpu_extension_in_use(const std::string& root = std::string(kGpuExtensionRoot));

}  // namespace ccinit::nvidia
