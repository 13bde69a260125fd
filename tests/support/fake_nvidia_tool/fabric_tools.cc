#include "tests/support/fake_nvidia_tool/fabric_tools.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <map>
#include <optional>
#include <set>

#include "common/unique_fd.h"
#include "tests/support/fake_nvidia_tool/behaviour.h"

namespace ccinit::fake_nvidia {

namespace {

constexpr const char* kFmVersion = "570.172.08";

std::optional<std::string> read_whole(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return std::nullopt;
  std::string text;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd.get(), buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
  return n < 0 ? std::nullopt : std::optional<std::string>(text);
}

// The value after the short or the long form of an option.
std::string option(const std::vector<std::string>& args, const std::string& short_flag,
                   const std::string& long_flag) {
  const std::string value = value_of(args, short_flag);
  return value.empty() ? value_of(args, long_flag) : value;
}

sockaddr_un socket_address() {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, kFmSmSocket, sizeof addr.sun_path - 1);
  return addr;
}

// The keys of the FM user guide (r2.3): the real FM stops at any other key, so a config
// rewrite that mangles a line (`KEY = 1`, a stray prefix) fails here as it would there.
const std::set<std::string> kKnownKeys = {"LOG_LEVEL",
                                          "LOG_FILE_NAME",
                                          "LOG_APPEND_TO_LOG",
                                          "LOG_FILE_MAX_SIZE",
                                          "LOG_USE_SYSLOG",
                                          "DAEMONIZE",
                                          "BIND_INTERFACE_IP",
                                          "STARTING_TCP_PORT",
                                          "FABRIC_MODE",
                                          "SHARED_FABRIC_MODE",
                                          "FABRIC_MODE_RESTART",
                                          "STATE_FILE_NAME",
                                          "FM_CMD_BIND_INTERFACE",
                                          "FM_CMD_PORT_NUMBER",
                                          "FM_CMD_UNIX_SOCKET_PATH",
                                          "FM_STAY_RESIDENT_ON_FAILURES",
                                          "ACCESS_LINK_FAILURE_MODE",
                                          "TRUNK_LINK_FAILURE_MODE",
                                          "NVSWITCH_FAILURE_MODE",
                                          "ABORT_CUDA_JOBS_ON_FM_EXIT",
                                          "TOPOLOGY_FILE_PATH",
                                          "UNIX_SOCKET_PATH",
                                          "FM_SM_IPC_INTERFACE",
                                          "FM_SM_MGMT_PORT_GUID",
                                          "PARTITION_RAIL_POLICY",
                                          "DATABASE_PATH",
                                          "IMEX_CONFIG_FILE_PATH"};

// What the real FM refuses to start with, or "" for a config it takes.
std::string config_error(const std::map<std::string, std::string>& keys) {
  for (const auto& [key, value] : keys) {
    if (!kKnownKeys.contains(key)) return "unknown config option '" + key + "'";
  }
  if (auto mode = keys.find("FABRIC_MODE");
      mode != keys.end() && mode->second != "0" && mode->second != "1" && mode->second != "2")
    return "invalid FABRIC_MODE value '" + mode->second + "'";
  if (auto policy = keys.find("PARTITION_RAIL_POLICY");
      policy != keys.end() && policy->second != "greedy" && policy->second != "symmetric")
    return "invalid PARTITION_RAIL_POLICY value '" + policy->second + "'";
  return "";
}

std::string value_or(const std::map<std::string, std::string>& keys, const std::string& key,
                     const std::string& fallback) {
  auto found = keys.find(key);
  return found == keys.end() ? fallback : found->second;
}

void append_to(const std::string& path, const std::string& line) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  const std::string text = line + "\n";
  if (fd) [[maybe_unused]]
    ssize_t n = ::write(fd.get(), text.data(), text.size());
}

}  // namespace

int nvlsm(const std::vector<std::string>& args, const Config& config) {
  const std::string mode = setting(config, "nvlsm", "ok");
  const std::string conf = option(args, "-F", "--config");
  const std::string guid = option(args, "-g", "--guid");
  if (conf.empty()) {
    complain("nvlsm: no options file given (-F/--config <file>)");
    return 1;
  }
  if (::access(conf.c_str(), R_OK) != 0) {
    complain("Error: Cannot open options file '" + conf + "': " + std::strerror(errno));
    return 1;
  }
  if (guid.empty()) {
    complain("nvlsm: no port GUID given (-g/--guid <GUID>)");
    return 1;
  }
  if (mode == "hang") hang();
  if (mode == "crash") crash();
  say("-------------------------------------------------");
  say("NVLSM 2025.03.2 (OpenSM 5.21.0.MLNX20250304.c4a3dd4e)");
  say(" Reading Cached Option File: " + conf);
  say(" Loading Cached Option:guid = " + guid);
  say("Entering DISCOVERING state");
  if (mode == "fail") {
    complain("-E- osm_vendor_bind: Unable to bind to port " + guid + ": no such port");
    say("Exiting SM");
    return 1;
  }
  sleep_ms(number(config, "nvlsm_delay_ms", 0));
  if (mode == "no-socket") {
    say("Entering MASTER state");
    hang();
  }
  UniqueFd server(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  const sockaddr_un addr = socket_address();
  if (!server || ::bind(server.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(server.get(), 16) != 0) {
    complain(std::string("E1202 10:40:00.000000 chttp2_server.cc:1051] UNKNOWN:No address added "
                         "out of total 1 resolved for 'unix:/var/run/nvidia-fabricmanager/"
                         "fm_sm_ipc.socket' {children:[UNKNOWN:Unable to configure socket "
                         "{syscall:\"bind\", os_error:\"") +
             std::strerror(errno) + "\"}]}");
    complain("-E- grpc_mgr: failed to start the gRPC server; exiting");
    return 1;
  }
  say("grpc_mgr: gRPC server listening on unix:/var/run/nvidia-fabricmanager/fm_sm_ipc.socket");
  say("Entering MASTER state");
  say("SUBNET UP");
  record_timestamp("nvlsm.ready", monotonic_ns());
  if (mode == "crash-after-ready") {
    sleep_ms(number(config, "crash_after_ms", 300));
    crash();
  }
  hang();
}

int nv_fabricmanager(const std::vector<std::string>& args, const Config& config) {
  const std::string mode = setting(config, "fm", "ok");
  say("Fabric Manager version is : " + std::string(kFmVersion));
  const std::string cfg = option(args, "-c", "--config");
  if (cfg.empty()) {
    complain("Fabric Manager: no config file given (-c/--config <file>)");
    return 1;
  }
  const std::optional<std::string> text = read_whole(cfg);
  if (!text) {
    complain("Fabric Manager failed to open config file " + cfg + ": " + std::strerror(errno));
    return 1;
  }
  write_file(kKeptFmConfig, *text);
  write_file(std::string(kStateDir) + "/fabricmanager.cfg", *text);
  const std::map<std::string, std::string> keys = parse_key_values(*text);
  if (const std::string error = config_error(keys); !error.empty()) {
    complain("Fabric Manager failed to parse config file " + cfg + ": " + error);
    return 1;
  }
  misbehave_if_told(mode, 1,
                    "Fabric Manager failed to initialize: request to query NVSwitch device "
                    "information from NVSwitch driver failed");

  if (value_or(keys, "DAEMONIZE", "1") == "1") {
    // As the real one: the process started exits 0 and a background copy goes on.
    const pid_t daemon = ::fork();
    if (daemon < 0) return 1;
    if (daemon > 0) return 0;
    ::setsid();
  }
  // Not the real one's: lets a test find (and end) the background copy.
  write_file(std::string(kStateDir) + "/nv-fabricmanager.pid", std::to_string(::getpid()) + "\n");
  const bool to_syslog = value_or(keys, "LOG_USE_SYSLOG", "0") == "1";
  const std::string log_file = value_or(keys, "LOG_FILE_NAME", "/var/log/fabricmanager.log");
  const std::function<void(const std::string&, int)> log = [&](const std::string& line,
                                                               int priority) {
    // An empty LOG_FILE_NAME means stderr (FM user guide).
    if (to_syslog)
      log_to_syslog("nv-fabricmanager", line, priority);
    else if (log_file.empty())
      complain(line);
    else
      append_to(log_file, line);
  };
  constexpr int kInfo = 30, kError = 27;
  log("Fabric Manager version " + std::string(kFmVersion) +
          " is running with the following configuration options",
      kInfo);
  log("Logging level = " + value_or(keys, "LOG_LEVEL", "4"), kInfo);
  log("Fabric mode = " + value_or(keys, "FABRIC_MODE", "0") +
          ", partition rail policy = " + value_or(keys, "PARTITION_RAIL_POLICY", "greedy"),
      kInfo);

  const std::string guid = option(args, "-g", "--fm-sm-mgmt-port-guid");
  UniqueFd subnet_manager;
  if (!guid.empty()) {
    subnet_manager.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    const sockaddr_un addr = socket_address();
    if (!subnet_manager || ::connect(subnet_manager.get(), reinterpret_cast<const sockaddr*>(&addr),
                                     sizeof addr) != 0) {
      const std::string error = "failed to connect to NVLink Subnet Manager at " +
                                std::string(kFmSmSocket) + " (port GUID " + guid +
                                "): " + std::strerror(errno);
      log(error, kError);
      complain(error);
      return 1;
    }
    log("Connected to NVLink Subnet Manager, port GUID " + guid, kInfo);
  }
  sleep_ms(number(config, "fm_delay_ms", 0));
  if (mode == "no-marker") {
    log("Waiting for the NVLink fabric to be discovered", kInfo);
    hang();
  }
  log(kFmReadyMarker, kInfo);
  record_timestamp("fabricmanager.ready", monotonic_ns());
  if (mode == "crash-after-ready") {
    sleep_ms(number(config, "crash_after_ms", 300));
    crash();
  }
  hang();
}

}  // namespace ccinit::fake_nvidia
