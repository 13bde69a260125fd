#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/unique_fd.h"
#include "helpers/extensions/block_sysfs_value.h"
#include "helpers/extensions/dm_request.h"
#include "helpers/extensions/verity_table.h"

namespace ccinit::extensions {

// The device-mapper calls that set up and undo one extension's verity device, named by the
// extension ("gpu" for the device extension-gpu). An interface so the sequence is tested
// with a fake; LinuxDeviceMapper is the kernel's, DryRunDeviceMapper (dry_run_kernel.h) says
// what it would do. Each call throws on failure.
class DeviceMapper {
 public:
  virtual ~DeviceMapper() = default;
  // DM_DEV_CREATE, without a table: the new device's number, for its /dev/mapper node.
  virtual DeviceNumber create(std::string_view extension_name) = 0;
  // DM_TABLE_LOAD of the verity target, read-only, into the inactive slot.
  virtual void load_table(std::string_view extension_name, const VerityTarget& target) = 0;
  // DM_DEV_SUSPEND without DM_SUSPEND_FLAG: the loaded table goes live.
  virtual void resume(std::string_view extension_name) = 0;
  // DM_DEV_REMOVE: undoes create (and whatever table it has).
  virtual void remove(std::string_view extension_name) = 0;
};

// Which call a reply answers, for check_dm_reply.
enum class DmCall { kCreate, kTableLoad, kResume, kRemove };

// "DM_DEV_CREATE", "DM_TABLE_LOAD", "DM_DEV_SUSPEND (resume)", "DM_DEV_REMOVE".
std::string_view dm_call_name(DmCall call);

// Checks what the kernel wrote back into a request's buffer after the ioctl succeeded: a
// whole dm_ioctl, the interface's major version (kDmVersionMajor: the kernel writes its own
// version into the reply), no DM_BUFFER_FULL_FLAG, and the state the call must leave:
// create a device number; table load an inactive table (DM_INACTIVE_PRESENT_FLAG); resume a
// live table (DM_ACTIVE_PRESENT_FLAG), not suspended, and read-only (DM_READONLY_FLAG: the
// kernel marks the disk read-only when the live table was loaded without write access).
// Throws ExtensionError naming the call and the device.
void check_dm_reply(DmCall call, std::string_view device, std::span<const std::byte> reply);

// The kernel's device-mapper through its control node, as kata-agent drives it (no
// libdevmapper, no udev). The node is opened (O_RDWR|O_CLOEXEC) at the first call, so the
// object can exist before dm_mod is loaded. Errors name the ioctl, the device, the control
// node and errno.
class LinuxDeviceMapper : public DeviceMapper {
 public:
  explicit LinuxDeviceMapper(std::string control_path);
  DeviceNumber create(std::string_view extension_name) override;
  void load_table(std::string_view extension_name, const VerityTarget& target) override;
  void resume(std::string_view extension_name) override;
  void remove(std::string_view extension_name) override;

 private:
  // Runs the request's ioctl, checks the reply, returns it.
  std::vector<std::byte> issue(DmCall call, std::string_view extension_name, DmRequest request);

  std::string control_path_;
  UniqueFd control_;
};

}  // namespace ccinit::extensions
