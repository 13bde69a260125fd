#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "proto/ccinit.pb.h"

// Where the NVIDIA tools, modules and data files are: the base image's paths (NVRC's), or the
// same paths under the GPU extension's root when it is mounted. The one table of these paths
// for gpu-configurator, the fabric-launcher and the extensions helper.
namespace ccinit::nvidia {

// Where the extensions helper mounts the GPU extension (kata.extension.gpu.verity_params).
inline constexpr std::string_view kGpuExtensionRoot = "/run/kata-extensions/gpu";

// Always the base image's: the extension carries NVIDIA's files, not the guest's kmod or libc.
inline constexpr char kModprobe[] = "/sbin/modprobe";
inline constexpr char kLdconfig[] = "/sbin/ldconfig";

// Fabric Manager's topology files and stock fabricmanager.cfg, relative to the image's root.
inline constexpr std::string_view kFmTopologyDir = "/usr/share/nvidia/nvswitch";
inline constexpr std::string_view kFmStockConfig = "/usr/share/nvidia/nvswitch/fabricmanager.cfg";

class NvidiaPaths {
 public:
  // The base image's paths.
  NvidiaPaths() = default;
  // The paths under the GPU extension when `gpu_extension` (wire::Extensions::gpu()).
  explicit NvidiaPaths(bool gpu_extension)
      : root_(gpu_extension ? std::string(kGpuExtensionRoot) : std::string()) {}

  bool from_extension() const { return !root_.empty(); }
  // "" for the base image, else kGpuExtensionRoot.
  const std::string& root() const { return root_; }

  std::string nvidia_smi() const { return root_ + "/bin/nvidia-smi"; }
  std::string persistenced() const { return root_ + "/bin/nvidia-persistenced"; }
  std::string hostengine() const { return root_ + "/bin/nv-hostengine"; }
  std::string dcgm_exporter() const { return root_ + "/bin/dcgm-exporter"; }
  std::string dcgm_counters() const { return root_ + "/etc/dcgm-exporter/default-counters.csv"; }
  std::string nvidia_ctk() const { return root_ + "/bin/nvidia-ctk"; }
  std::string nvidia_cdi_hook() const { return root_ + "/bin/nvidia-cdi-hook"; }
  std::string fabric_manager() const { return root_ + "/bin/nv-fabricmanager"; }
  std::string nvlsm() const { return root_ + "/bin/nvlsm"; }
  std::string nvlsm_config() const { return root_ + "/usr/share/nvidia/nvlsm/nvlsm.conf"; }
  // The stock fabricmanager.cfg and the topology files FM's TOPOLOGY_FILE_PATH names.
  std::string fm_topology_dir() const { return root_ + std::string(kFmTopologyDir); }
  std::string fm_stock_config() const { return root_ + std::string(kFmStockConfig); }
  // The firmware directory bound onto /lib/firmware/nvidia (extension only).
  std::string firmware_dir() const { return root_ + "/lib/firmware/nvidia"; }

  // modprobe's arguments for an NVIDIA module (nvidia, nvidia-uvm, ...): with the extension,
  // `--dirname <root>` so kmod reads <root>/lib/modules/<release>. Other modules (ib_umad,
  // mlx5_ib) always come from the base kernel.
  std::vector<std::string> modprobe_nvidia(std::string_view module) const {
    std::vector<std::string> args;
    if (from_extension()) args = {"--dirname", root_};
    args.emplace_back(module);
    return args;
  }

 private:
  std::string root_;
};

// The paths for a helper's request: under the GPU extension when PID 1 relays that it is in
// use (Request.extensions.gpu), else the base image's.
inline NvidiaPaths nvidia_paths_for(const wire::Request& request) {
  return NvidiaPaths(request.has_extensions() && request.extensions().gpu());
}

}  // namespace ccinit::nvidia
