#pragma once

#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/sys_error.h"
#include "helpers/extensions/block_events.h"
#include "helpers/extensions/device_mapper.h"
#include "helpers/extensions/device_nodes.h"
#include "helpers/extensions/erofs_mount.h"
#include "tests/unit/fake_tool_runner.h"

namespace ccinit::extensions::testing {

// Every kernel operation of the extension setup, in the order it happened, as one readable
// line each ("dm create extension-gpu", "mknod /dev/mapper/extension-gpu 253:0"). Paths are
// shown without the fake root, so expectations read like the guest's. An operation listed
// in `fail` throws its message instead (after being recorded).
struct OperationLog {
  std::string root;  // cut from the front of recorded paths
  std::vector<std::string> ops;
  std::map<std::string, std::string> fail;
  std::map<std::string, int> fail_errno;  // throws SysError(op, errno) instead

  std::string path(const std::string& p) const {
    return p.starts_with(root) ? p.substr(root.size()) : p;
  }
  void record(const std::string& op) {
    ops.push_back(op);
    if (auto it = fail.find(op); it != fail.end()) throw std::runtime_error(it->second);
    if (auto it = fail_errno.find(op); it != fail_errno.end()) throw SysError(op, it->second);
  }
};

class LoggingRunner : public ccinit::testing::FakeRunner {
 public:
  explicit LoggingRunner(OperationLog& log) : log_(log) {}
  tools::ToolResult run(const tools::Command& command, bool capture) override {
    log_.record("run " + command.text());
    return FakeRunner::run(command, capture);
  }

 private:
  OperationLog& log_;
};

// Device numbers 253:0, 253:1, ... in order of creation, as the kernel hands them out.
class FakeDeviceMapper : public DeviceMapper {
 public:
  explicit FakeDeviceMapper(OperationLog& log) : log_(log) {}
  DeviceNumber create(std::string_view name) override {
    log_.record("dm create " + dm_device_name(name));
    return {253, next_minor_++};
  }
  void load_table(std::string_view name, const VerityTarget& target) override {
    log_.record("dm load " + dm_device_name(name) + " " + verity_table_line(target));
  }
  void resume(std::string_view name) override { log_.record("dm resume " + dm_device_name(name)); }
  void remove(std::string_view name) override { log_.record("dm remove " + dm_device_name(name)); }

 private:
  OperationLog& log_;
  std::uint32_t next_minor_ = 0;
};

class FakeDeviceNodes : public DeviceNodes {
 public:
  explicit FakeDeviceNodes(OperationLog& log) : log_(log) {}
  void make_directory(const std::string& path) override { log_.record("mkdir " + log_.path(path)); }
  bool make_block_node(const std::string& path, DeviceNumber device) override {
    log_.record("mknod " + log_.path(path) + " " + to_string(device));
    return true;
  }
  void remove_node(const std::string& path) override { log_.record("unlink " + log_.path(path)); }

 private:
  OperationLog& log_;
};

class FakeErofsMounter : public ErofsMounter {
 public:
  explicit FakeErofsMounter(OperationLog& log) : log_(log) {}
  void mount(const std::string& device, const std::string& target) override {
    log_.record("mount " + log_.path(device) + " " + log_.path(target));
  }

 private:
  OperationLog& log_;
};

// Hands the setup a BlockEvents that forwards to one the test scripts and keeps.
class ForwardingBlockEvents : public BlockEvents {
 public:
  explicit ForwardingBlockEvents(BlockEvents& events) : events_(events) {}
  bool wait_for_block_add(std::chrono::steady_clock::time_point deadline) override {
    return events_.wait_for_block_add(deadline);
  }

 private:
  BlockEvents& events_;
};

}  // namespace ccinit::extensions::testing
