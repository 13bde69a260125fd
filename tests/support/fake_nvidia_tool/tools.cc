#include "tests/support/fake_nvidia_tool/tools.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "common/unique_fd.h"
#include "tests/support/fake_nvidia_tool/behaviour.h"
#include "tests/support/fake_nvidia_tool/fabric_tools.h"
#include "tests/support/fake_nvidia_tool/smi_query.h"

namespace ccinit::fake_nvidia {

namespace {

constexpr const char* kPersistencedPidFile = "/var/run/nvidia-persistenced/nvidia-persistenced.pid";

int modprobe(const std::vector<std::string>& args, const Config& config) {
  const std::string module = args.empty() ? "" : args.front();
  misbehave_if_told(setting(config, "modprobe", "ok"), 1,
                    "modprobe: FATAL: Module " + module + " not found in directory /lib/modules");
  return 0;
}

// nvidia-smi conf-compute: -f, -grs, -srs N.
int conf_compute(const std::vector<std::string>& args, const Config& config) {
  const std::string cc = setting(config, "cc", "on");
  if (cc == "none") {
    say("No CC capable devices found");
    return 6;
  }
  if (has(args, "-f")) {
    const unsigned long gpus = number(config, "gpus", 1);
    for (unsigned long i = 0; i < gpus; ++i) {
      const std::string mode = setting(config, "cc." + std::to_string(i), cc);
      say(std::string("CC status: ") + (mode == "off" ? "OFF" : "ON"));
    }
    return 0;
  }
  if (has(args, "-grs")) {
    say("Confidential Compute GPUs Ready state: " + setting(config, "grs", "ready"));
    return 0;
  }
  if (has(args, "-srs")) return 0;
  complain("Invalid combination of input arguments. Please run 'nvidia-smi -h' for help.");
  return 2;
}

int nvidia_smi(const std::vector<std::string>& args, const Config& config) {
  misbehave_if_told(setting(config, "smi", "ok"), 9,
                    "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA "
                    "driver. Make sure that the latest NVIDIA driver is installed and running.");
  if (!args.empty() && args.front() == "conf-compute") return conf_compute(args, config);
  if (args == std::vector<std::string>{"-q"}) return smi_query(config);
  return 0;
}

// Like the real one: the launching process forks the daemon and exits 0 once the daemon is
// set up (1 when it is not); with --verbose the daemon logs its readiness line to syslog.
int nvidia_persistenced(const std::vector<std::string>& args, const Config& config) {
  const std::string mode = setting(config, "persistenced", "ready");
  const bool verbose = has(args, "--verbose");
  // What the real one logs first, so a readiness timeout has log lines to show.
  if (verbose) {
    log_to_syslog("nvidia-persistenced", "Verbose syslog connection opened");
    log_to_syslog("nvidia-persistenced", "Started (" + std::to_string(::getpid()) + ")");
  }
  if (mode == "fail") {
    complain("nvidia-persistenced failed to initialize. Check syslog for more details.");
    return 1;
  }
  if (mode == "hang") hang();
  sleep_ms(number(config, "ready_delay_ms", 0));

  int ready[2];
  if (::pipe2(ready, O_CLOEXEC) != 0) return 1;
  UniqueFd ready_r(ready[0]), ready_w(ready[1]);
  pid_t daemon = ::fork();
  if (daemon < 0) return 1;
  if (daemon == 0) {
    ready_r.reset();
    write_file(kPersistencedPidFile, std::to_string(::getpid()) + "\n");
    record_timestamp("persistenced.ready", monotonic_ns());
    if (verbose) log_to_syslog("nvidia-persistenced", "Local RPC services initialized");
    [[maybe_unused]] ssize_t n = ::write(ready_w.get(), "R", 1);
    ready_w.reset();
    if (mode == "crash-after-ready") {
      sleep_ms(number(config, "crash_after_ms", 300));
      crash();
    }
    hang();
  }
  ready_w.reset();
  char byte = 0;
  ssize_t n;
  while ((n = ::read(ready_r.get(), &byte, 1)) < 0 && errno == EINTR) {
  }
  // For the readiness benchmark: how much of the latency is this launcher's own exit.
  if (n == 1) record_timestamp("persistenced.launcher-exit", monotonic_ns());
  return n == 1 ? 0 : 1;
}

// A daemon that stays in the foreground until killed.
int foreground_daemon(const std::string& knob, const std::string& error, const Config& config) {
  misbehave_if_told(setting(config, knob, "ok"), 1, error);
  hang();
}

int nvidia_ctk(const std::vector<std::string>& args, const Config& config) {
  misbehave_if_told(setting(config, "ctk", "ok"), 1,
                    "level=error msg=\"failed to generate CDI spec: failed to create device CDI "
                    "specs: failed to initialize NVML: ERROR_LIBRARY_NOT_FOUND\"");
  constexpr std::string_view kOutput = "--output=";
  for (const std::string& arg : args) {
    if (!arg.starts_with(kOutput)) continue;
    const std::string path = arg.substr(kOutput.size());
    if (!write_file(path, "cdiVersion: 0.5.0\nkind: nvidia.com/gpu\ndevices:\n- name: all\n")) {
      complain("level=error msg=\"failed to save CDI spec to " + path + "\"");
      return 1;
    }
  }
  return 0;
}

}  // namespace

int play_tool(const std::string& name, const std::vector<std::string>& args, const Config& config) {
  if (name == "modprobe") return modprobe(args, config);
  if (name == "nvidia-smi") return nvidia_smi(args, config);
  if (name == "nvidia-persistenced") return nvidia_persistenced(args, config);
  if (name == "nv-hostengine")
    return foreground_daemon("hostengine", "Err: Failed to start DCGM Server: -7", config);
  if (name == "dcgm-exporter")
    return foreground_daemon("exporter", "level=fatal msg=\"Error connecting to nv-hostengine\"",
                             config);
  if (name == "nvidia-ctk") return nvidia_ctk(args, config);
  if (name == "nvlsm") return nvlsm(args, config);
  if (name == "nv-fabricmanager") return nv_fabricmanager(args, config);
  complain("fake-nvidia-tool: unknown tool name '" + name + "'");
  return 127;
}

}  // namespace ccinit::fake_nvidia
