#include "helpers/extensions/bind_mount.h"

#include "common/sys_error.h"

namespace ccinit::extensions {

void LinuxBindMounter::bind(const std::string& source, const std::string& target) {
  if (::mount(source.c_str(), target.c_str(), nullptr, MS_BIND, nullptr) != 0)
    throw SysError("bind " + source + " onto " + target);
}

void LinuxBindMounter::remount(const std::string& target, unsigned long flags,
                               const std::string& options) {
  if (::mount(nullptr, target.c_str(), nullptr, MS_REMOUNT | MS_BIND | flags, nullptr) != 0)
    throw SysError("remount the bind on " + target + " " + options);
}

void DryRunBindMounter::bind(const std::string& source, const std::string& target) {
  say_("would bind " + source + " onto " + target);
}

void DryRunBindMounter::remount(const std::string& target, unsigned long,
                                const std::string& options) {
  say_("would remount the bind on " + target + " " + options);
}

}  // namespace ccinit::extensions
