#include "helpers/mounter/linux_mount_system.h"

#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/file_io.h"
#include "common/sys_error.h"
#include "common/text_lines.h"
#include "common/unique_fd.h"
#include "common/mount_point.h"

namespace ccinit::mounter {

bool LinuxMountSystem::is_mount_point(const std::string& path) {
  return ccinit::is_mount_point(path);
}

bool LinuxMountSystem::exists(const std::string& path) {
  return path_exists(path);
}

bool LinuxMountSystem::filesystem_listed(std::string_view fstype) {
  if (!filesystems_) filesystems_ = read_file("/proc/filesystems");
  // Lines are "nodev\t<name>" or "\t<name>".
  bool listed = false;
  for_each_line(*filesystems_, [&](std::string_view line) {
    std::size_t tab = line.rfind('\t');
    if (tab != std::string_view::npos && line.substr(tab + 1) == fstype) listed = true;
  });
  return listed;
}

void LinuxMountSystem::make_directories(const std::string& path) {
  for (std::size_t slash = path.find('/', 1);; slash = path.find('/', slash + 1)) {
    std::string prefix = path.substr(0, slash);
    if (::mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) throw SysError("mkdir " + prefix);
    if (slash == std::string::npos) break;
  }
}

void LinuxMountSystem::mount(const MountSpec& spec) {
  const char* data = spec.data.empty() ? nullptr : spec.data.c_str();
  if (::mount(spec.fstype.c_str(), spec.target.c_str(), spec.fstype.c_str(), spec.flags, data) != 0)
    throw SysError("mount " + spec.fstype + " on " + spec.target + " (" +
                   describe_mount_options(spec) + ")");
}

void LinuxMountSystem::symlink(const std::string& target, const std::string& link) {
  if (::symlink(target.c_str(), link.c_str()) != 0)
    throw SysError("symlink " + link + " -> " + target);
}

bool LinuxMountSystem::link_up(const std::string& interface) {
  // Interface ioctls work on any socket; AF_UNIX needs no networking beyond the device.
  UniqueFd sock(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!sock) throw SysError("socket(AF_UNIX, SOCK_DGRAM) to configure " + interface);
  struct ifreq request {};
  if (interface.size() >= sizeof request.ifr_name)
    throw std::runtime_error("interface name too long: " + interface);
  std::memcpy(request.ifr_name, interface.c_str(), interface.size() + 1);
  if (::ioctl(sock.get(), SIOCGIFFLAGS, &request) != 0)
    throw SysError("SIOCGIFFLAGS on " + interface);
  if (request.ifr_flags & IFF_UP) return false;
  request.ifr_flags |= IFF_UP | IFF_RUNNING;
  if (::ioctl(sock.get(), SIOCSIFFLAGS, &request) != 0)
    throw SysError("SIOCSIFFLAGS (IFF_UP|IFF_RUNNING) on " + interface);
  return true;
}

void LinuxMountSystem::write_sysctl(const std::string& path, const std::string& value) {
  write_existing_file(path, value);
}

}  // namespace ccinit::mounter
