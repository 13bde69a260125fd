#include "helpers/fabric-launcher/launch.h"

#include <sys/stat.h>

#include <cerrno>
#include <stdexcept>
#include <vector>

#include "common/cmdline_config.h"
#include "common/sys_error.h"
#include "helpers/fabric-launcher/fabric_plan.h"
#include "helpers/fabric-launcher/ib_port_guid.h"

namespace ccinit::fabric {

namespace {

std::string describe(const FabricPlan& plan) {
  std::string text =
      plan.gpus ? std::to_string(plan.gpus) + " GPU(s) with an NVLink " +
                      (plan.nvlink5 ? "5" : "4") + " fabric"
                : std::string("service VM of an NVLink ") + (plan.nvlink5 ? "5" : "4") + " fabric";
  return text + " (FABRIC_MODE=" + std::to_string(plan.fabric_mode) + ")";
}

// NVLSM's socket directory; FM's stock FM_SM_IPC_INTERFACE is under /var/run, which the guest
// links to /run. An existing directory is fine, anything else there is not.
void make_socket_dir(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0755) == 0) return;
  const int err = errno;
  struct stat st {};
  if (err == EEXIST && ::lstat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return;
  throw SysError("mkdir " + dir, err);
}

std::string pick_port_guid(const FabricPlan& plan, const LauncherPaths& paths,
                           helper::Reporter& reporter, bool dry_run) {
  try {
    const IbPort port = select_fabric_manager_port(paths.sysfs_root, plan.management_functions);
    const std::string guid = format_port_guid(port.guid);
    reporter.info("NVLink 5 management port: " + port.device + " (" + to_string(port.function) +
                  ") port " + std::to_string(port.port) + ", GUID " + guid);
    return guid;
  } catch (const IbSysfsError& e) {
    if (!dry_run) throw;
    // A dry run loads no module, so ib_umad's and mlx5_ib's ports may not be there yet.
    reporter.info(std::string("would pick the management port's GUID from ") + paths.sysfs_root +
                  "/class/infiniband; now: " + e.what());
    return "<port GUID>";
  }
}

}  // namespace

void launch_fabric(const wire::Request& request, helper::Reporter& reporter,
                   const LauncherPaths& paths, tools::ToolRunner& runner, const WaitClock& clock) {
  const FabricPlan plan = plan_from_request(request);
  const nvidia::NvidiaPaths nvidia_paths = nvidia::nvidia_paths_for(request);
  const bool dry_run = request.dry_run();
  const std::uint32_t fm_seconds =
      timeout_seconds(request.config(), "fabricmanager", kDefaultFmTimeoutSeconds);
  const std::uint32_t nvlsm_seconds =
      timeout_seconds(request.config(), "nvlsm", kDefaultNvlsmTimeoutSeconds);
  reporter.info("fabric: " + describe(plan));
  if (nvidia_paths.from_extension())
    reporter.info("Fabric Manager, NVLSM and nvidia-smi from the GPU extension at " +
                  nvidia_paths.root());
  tools::StartedDaemons daemons(reporter.daemon_reports(), dry_run);

  std::optional<std::string> guid;
  if (plan.nvlink5) {
    {
      helper::StepScope step(reporter, "find-fabric-port");
      guid = pick_port_guid(plan, paths, reporter, dry_run);
      step.done();
    }
    const std::string socket_dir = paths.run_dir + "/" + kNvlsmSocketDir;
    {
      helper::StepScope step(reporter, "create-nvlsm-socket-dir");
      if (dry_run)
        reporter.info("would create directory " + socket_dir + " (0755)");
      else
        make_socket_dir(socket_dir);
      step.done();
    }
    {
      helper::StepScope step(reporter, "start-nvlsm");
      const tools::Command command{
          nvidia_paths.nvlsm(), {"-F", nvidia_paths.nvlsm_config(), "-g", *guid, "-f", "stdout"}};
      const tools::DaemonReadiness readiness{
          .name = "nvlsm",
          .timeout = std::chrono::seconds(nvlsm_seconds),
          .timeout_setting = "nvrc.timeout.nvlsm",
          .syslog_line = "",
          .socket_path = socket_dir + "/" + kNvlsmSocket,
      };
      reporter.debug("starting " + command.text());
      daemons.started("nvlsm", runner.start_until_ready(command, readiness));
      step.done();
    }
  }

  const std::string fm_config = paths.run_dir + "/fabricmanager.cfg";
  {
    helper::StepScope step(reporter, "write-fabricmanager-config");
    // With the GPU extension the stock file is the extension's, and FM must read the
    // extension's topology files: NVIDIA's stock TOPOLOGY_FILE_PATH names the base image's
    // directory, which has none (Kata's image build rewrites it; we do not rely on that).
    const std::string stock_fm_config = paths.nvidia_files_root + nvidia_paths.fm_stock_config();
    const FmSettings settings{
        .fabric_mode = plan.fabric_mode,
        .rail_policy = plan.rail_policy,
        .extension_root = nvidia_paths.from_extension()
                              ? std::optional<std::string>(nvidia_paths.root())
                              : std::nullopt};
    if (dry_run) {
      std::string keys;
      for (const FmSetting& setting : fm_settings(settings))
        keys += (keys.empty() ? "" : ", ") + std::string(setting.key) + "=" + setting.value;
      reporter.info("would write " + fm_config + " (0400) from " + stock_fm_config + ", setting " +
                    keys);
    } else {
      write_fm_config(stock_fm_config, fm_config, settings);
    }
    step.done();
  }

  // FM's budget covers its readiness and the GPUs' fabric registration after it.
  const auto fm_deadline = clock.now() + std::chrono::seconds(fm_seconds);
  {
    helper::StepScope step(reporter, "start-nv-fabricmanager");
    tools::Command command{nvidia_paths.fabric_manager(), {"-c", fm_config}};
    if (guid) command.args.insert(command.args.end(), {"-g", *guid});
    const tools::DaemonReadiness readiness{
        .name = "nv-fabricmanager",
        .timeout = std::chrono::seconds(fm_seconds),
        .timeout_setting = "nvrc.timeout.fabricmanager",
        .syslog_line = kFmReadyLine,
        .socket_path = "",
    };
    reporter.debug("starting " + command.text());
    daemons.started("nv-fabricmanager", runner.start_until_ready(command, readiness));
    step.done();
  }

  if (plan.gpus > 0) {
    helper::StepScope step(reporter, "wait-gpu-fabric");
    if (dry_run) {
      runner.run({nvidia_paths.nvidia_smi(), {"-q"}}, true);
      reporter.info("would re-run " + nvidia_paths.nvidia_smi() + " -q until all " +
                    std::to_string(plan.gpus) +
                    " GPU(s) show Fabric State Completed and Status Success, up to " +
                    std::to_string(fm_seconds) + " s after starting Fabric Manager");
    } else {
      wait_for_gpu_fabric(runner, reporter, nvidia_paths, plan.gpus, fm_deadline, fm_seconds,
                          "nvrc.timeout.fabricmanager", clock);
    }
    step.done();
  }

  helper::StepScope health(reporter, "health-check");
  daemons.check_all_running(runner);
  health.done();
}

}  // namespace ccinit::fabric
