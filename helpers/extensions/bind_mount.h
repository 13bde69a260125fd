#pragma once

#include <sys/mount.h>

#include <functional>
#include <string>

namespace ccinit::extensions {

// The flags of the read-only remounts of the GPU extension's binds: the firmware directory
// (noexec too: the kernel reads firmware, nothing runs it) and the linker cache.
inline constexpr unsigned long kFirmwareBindFlags = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
inline constexpr char kFirmwareBindOptions[] = "ro,nosuid,nodev,noexec";
inline constexpr unsigned long kCacheBindFlags = MS_RDONLY | MS_NOSUID | MS_NODEV;
inline constexpr char kCacheBindOptions[] = "ro,nosuid,nodev";

// Binds a file or directory over another and makes the bind read-only. An interface so the
// GPU extension's steps are tested with a fake; LinuxBindMounter is mount(2),
// DryRunBindMounter says what it would do.
class BindMounter {
 public:
  virtual ~BindMounter() = default;
  // mount(source, target, MS_BIND): a bind of `source` alone, never its submounts.
  virtual void bind(const std::string& source, const std::string& target) = 0;
  // mount(target, MS_REMOUNT|MS_BIND|flags): a bind's own flags; `flags` (kFirmwareBindFlags
  // or kCacheBindFlags) include MS_RDONLY. `options` is their text, for messages.
  virtual void remount(const std::string& target, unsigned long flags,
                       const std::string& options) = 0;
};

class LinuxBindMounter : public BindMounter {
 public:
  void bind(const std::string& source, const std::string& target) override;
  void remount(const std::string& target, unsigned long flags, const std::string& options) override;
};

class DryRunBindMounter : public BindMounter {
 public:
  explicit DryRunBindMounter(std::function<void(const std::string&)> say) : say_(std::move(say)) {}
  void bind(const std::string& source, const std::string& target) override;
  void remount(const std::string& target, unsigned long flags, const std::string& options) override;

 private:
  std::function<void(const std::string&)> say_;
};

}  // namespace ccinit::extensions
