#include "helpers/extensions/device_mapper.h"

#include <fcntl.h>
#include <linux/dm-ioctl.h>
#include <sys/ioctl.h>

#include <cstdio>
#include <cstring>

#include "common/sys_error.h"
#include "helpers/extensions/extension_error.h"

namespace ccinit::extensions {

namespace {

struct ExpectedFlags {
  std::uint32_t set = 0;
  std::uint32_t clear = DM_BUFFER_FULL_FLAG;
  std::string_view meaning;  // what a missing or extra flag says
};

ExpectedFlags expected_flags(DmCall call) {
  switch (call) {
    case DmCall::kCreate:
    case DmCall::kRemove:
      return {};
    case DmCall::kTableLoad:
      return {DM_INACTIVE_PRESENT_FLAG, DM_BUFFER_FULL_FLAG, "no inactive table after the load"};
    case DmCall::kResume:
      return {DM_ACTIVE_PRESENT_FLAG | DM_READONLY_FLAG, DM_BUFFER_FULL_FLAG | DM_SUSPEND_FLAG,
              "not a live, resumed, read-only device"};
  }
  return {};
}

std::string hex(std::uint32_t value) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%x", value);
  return text;
}

}  // namespace

std::string_view dm_call_name(DmCall call) {
  switch (call) {
    case DmCall::kCreate:
      return "DM_DEV_CREATE";
    case DmCall::kTableLoad:
      return "DM_TABLE_LOAD";
    case DmCall::kResume:
      return "DM_DEV_SUSPEND (resume)";
    case DmCall::kRemove:
      return "DM_DEV_REMOVE";
  }
  return "?";
}

void check_dm_reply(DmCall call, std::string_view device, std::span<const std::byte> reply) {
  const std::string what = std::string(dm_call_name(call)) + " of " + std::string(device);
  if (reply.size() < sizeof(dm_ioctl))
    throw ExtensionError(what + ": reply of " + std::to_string(reply.size()) +
                         " bytes, shorter than struct dm_ioctl");
  dm_ioctl header;
  std::memcpy(&header, reply.data(), sizeof header);
  if (header.version[0] != kDmVersionMajor)
    throw ExtensionError(what + ": the kernel answered with device-mapper interface " +
                         std::to_string(header.version[0]) + "." +
                         std::to_string(header.version[1]) + ", not " +
                         std::to_string(kDmVersionMajor) + ".x");
  if (header.flags & DM_BUFFER_FULL_FLAG)
    throw ExtensionError(what + ": the kernel's reply did not fit (DM_BUFFER_FULL_FLAG)");
  const ExpectedFlags expected = expected_flags(call);
  if ((header.flags & expected.set) != expected.set || (header.flags & expected.clear) != 0)
    throw ExtensionError(what + ": reply flags " + hex(header.flags) + ": " +
                         std::string(expected.meaning));
  if (call == DmCall::kCreate && header.dev == 0)
    throw ExtensionError(what + ": the reply names no device number");
}

LinuxDeviceMapper::LinuxDeviceMapper(std::string control_path)
    : control_path_(std::move(control_path)) {}

std::vector<std::byte> LinuxDeviceMapper::issue(DmCall call, std::string_view extension_name,
                                                DmRequest request) {
  const std::string device = dm_device_name(extension_name);
  if (!control_) {
    control_.reset(::open(control_path_.c_str(), O_RDWR | O_CLOEXEC));
    if (!control_)
      throw SysError(std::string(dm_call_name(call)) + " of " + device + ": open " + control_path_ +
                     " (the device-mapper control node)");
  }
  if (::ioctl(control_.get(), request.command, request.bytes.data()) != 0)
    throw SysError(std::string(dm_call_name(call)) + " of " + device + " on " + control_path_);
  check_dm_reply(call, device, request.bytes);
  return std::move(request.bytes);
}

DeviceNumber LinuxDeviceMapper::create(std::string_view extension_name) {
  return dm_reply_device(issue(DmCall::kCreate, extension_name, dm_create_request(extension_name)));
}

void LinuxDeviceMapper::load_table(std::string_view extension_name, const VerityTarget& target) {
  issue(DmCall::kTableLoad, extension_name, dm_table_load_request(extension_name, target));
}

void LinuxDeviceMapper::resume(std::string_view extension_name) {
  issue(DmCall::kResume, extension_name, dm_resume_request(extension_name));
}

void LinuxDeviceMapper::remove(std::string_view extension_name) {
  issue(DmCall::kRemove, extension_name, dm_remove_request(extension_name));
}

}  // namespace ccinit::extensions
