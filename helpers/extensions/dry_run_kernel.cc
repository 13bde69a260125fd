#include "helpers/extensions/dry_run_kernel.h"

namespace ccinit::extensions {

DeviceNumber DryRunDeviceMapper::create(std::string_view extension_name) {
  say_("would create device-mapper device " + dm_device_name(extension_name) + " (" +
       std::string(dm_call_name(DmCall::kCreate)) + ")");
  return {};
}

void DryRunDeviceMapper::load_table(std::string_view extension_name, const VerityTarget& target) {
  say_("would load the read-only table of " + dm_device_name(extension_name) + " (" +
       std::string(dm_call_name(DmCall::kTableLoad)) + "): " + verity_table_line(target));
}

void DryRunDeviceMapper::resume(std::string_view extension_name) {
  say_("would make that table live: " + std::string(dm_call_name(DmCall::kResume)) + " of " +
       dm_device_name(extension_name));
}

void DryRunDeviceMapper::remove(std::string_view extension_name) {
  say_("would remove device-mapper device " + dm_device_name(extension_name) + " (" +
       std::string(dm_call_name(DmCall::kRemove)) + ")");
}

void DryRunDeviceNodes::make_directory(const std::string& path) {
  say_("would create directory " + path + " (0755) unless it exists");
}

bool DryRunDeviceNodes::make_block_node(const std::string& path, DeviceNumber) {
  say_("would make block device node " + path + " (0600) with the number the create returns");
  return false;
}

void DryRunDeviceNodes::remove_node(const std::string& path) {
  say_("would remove " + path);
}

void DryRunErofsMounter::mount(const std::string& device, const std::string& target) {
  say_("would mount erofs " + device + " on " + target + " (" + kExtensionMountOptions + ")");
}

}  // namespace ccinit::extensions
