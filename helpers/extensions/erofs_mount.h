#pragma once

#include <sys/mount.h>

#include <string>

namespace ccinit::extensions {

// How every extension is mounted: read-only, no set-uid, no device nodes. Not noexec:
// extensions ship binaries (the GPU extension's NVIDIA tools).
inline constexpr unsigned long kExtensionMountFlags = MS_RDONLY | MS_NOSUID | MS_NODEV;
inline constexpr char kExtensionMountOptions[] = "ro,nosuid,nodev";

// Mounts an extension's verified device. An interface so the sequence is tested with a
// fake; LinuxErofsMounter is mount(2), DryRunErofsMounter (dry_run_kernel.h) says what it
// would do.
class ErofsMounter {
 public:
  virtual ~ErofsMounter() = default;
  // Mounts the EROFS on `device` (a /dev/mapper node) at `target` with kExtensionMountFlags.
  virtual void mount(const std::string& device, const std::string& target) = 0;
};

class LinuxErofsMounter : public ErofsMounter {
 public:
  void mount(const std::string& device, const std::string& target) override;
};

}  // namespace ccinit::extensions
