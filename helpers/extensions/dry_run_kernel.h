#pragma once

#include <functional>
#include <string>

#include "helpers/extensions/device_mapper.h"
#include "helpers/extensions/device_nodes.h"
#include "helpers/extensions/erofs_mount.h"

// The kernel operations of --dry-run: each says, through `say` (the reporter's info), the
// exact step it would take, and changes nothing.
namespace ccinit::extensions {

using Say = std::function<void(const std::string&)>;

class DryRunDeviceMapper : public DeviceMapper {
 public:
  explicit DryRunDeviceMapper(Say say) : say_(std::move(say)) {}
  // Says so and returns device number 0:0 (the kernel picks the real one).
  DeviceNumber create(std::string_view extension_name) override;
  void load_table(std::string_view extension_name, const VerityTarget& target) override;
  void resume(std::string_view extension_name) override;
  void remove(std::string_view extension_name) override;

 private:
  Say say_;
};

class DryRunDeviceNodes : public DeviceNodes {
 public:
  explicit DryRunDeviceNodes(Say say) : say_(std::move(say)) {}
  void make_directory(const std::string& path) override;
  // Says so and returns false: it made nothing.
  bool make_block_node(const std::string& path, DeviceNumber device) override;
  void remove_node(const std::string& path) override;

 private:
  Say say_;
};

class DryRunErofsMounter : public ErofsMounter {
 public:
  explicit DryRunErofsMounter(Say say) : say_(std::move(say)) {}
  void mount(const std::string& device, const std::string& target) override;

 private:
  Say say_;
};

}  // namespace ccinit::extensions
