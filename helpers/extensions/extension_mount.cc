#include "helpers/extensions/extension_mount.h"

#include <cerrno>
#include <string>

#include "common/sys_error.h"
#include "helpers/extensions/dm_request.h"
#include "helpers/extensions/extension_error.h"
#include "helpers/extensions/verity_table.h"

namespace ccinit::extensions {

namespace {

// Undoes a step when the scope is left by an exception; keep() once everything after it
// worked. A failure to undo is reported, never thrown over the error being handled.
template <typename Undo>
class UndoUnlessKept {
 public:
  UndoUnlessKept(helper::Reporter& reporter, std::string what, Undo undo)
      : reporter_(reporter), what_(std::move(what)), undo_(std::move(undo)) {}
  UndoUnlessKept(const UndoUnlessKept&) = delete;
  UndoUnlessKept& operator=(const UndoUnlessKept&) = delete;
  ~UndoUnlessKept() {
    if (kept_) return;
    try {
      undo_();
      reporter_.info("removed " + what_ + " after the failure");
    } catch (const std::exception& e) {
      reporter_.error("could not remove " + what_ + " after the failure: " + e.what());
    }
  }
  void keep() { kept_ = true; }

 private:
  helper::Reporter& reporter_;
  std::string what_;
  Undo undo_;
  bool kept_ = false;
};

}  // namespace

void mount_extension(const MatchedExtension& extension, const ExtensionPaths& paths,
                     DeviceMapper& device_mapper, DeviceNodes& nodes, ErofsMounter& mounter,
                     helper::Reporter& reporter) {
  const std::string& name = extension.params.name();
  const VerityTarget target = verity_target(extension.params, extension.disk);
  const std::string dm_name = dm_device_name(name);

  const DeviceNumber device = device_mapper.create(name);
  UndoUnlessKept created(reporter, "device-mapper device " + dm_name,
                         [&] { device_mapper.remove(name); });
  device_mapper.load_table(name, target);
  device_mapper.resume(name);

  nodes.make_directory(paths.mapper_dir());
  const std::string node = paths.mapper_node(dm_name);
  const bool made_node = nodes.make_block_node(node, device);
  UndoUnlessKept node_made(reporter, node, [&] { nodes.remove_node(node); });
  if (!made_node) node_made.keep();  // it was there already (checked): not ours to remove

  nodes.make_directory(paths.mount_root());
  const std::string mount_point = paths.mount_point(name);
  nodes.make_directory(mount_point);
  try {
    mounter.mount(node, mount_point);
  } catch (const SysError& e) {
    // The mount is the first read of the verified device; the kernel logs which block
    // failed, the reason line says what that means.
    if (e.code() != EIO) throw;
    throw ExtensionError(std::string(e.what()) +
                         " (dm-verity refused the image's first blocks: it does not match the "
                         "root hash of its verity_params, or the disk is corrupt)");
  }
  node_made.keep();
  created.keep();
}

}  // namespace ccinit::extensions
