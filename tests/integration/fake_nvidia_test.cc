// The GPU test fixtures themselves: the fake NVIDIA tool, the fake PCI trees, and ns-boot's
// --pci-devices / --cc-guest. The GPU flow tests (boot_gpu_mode_test.cc) trust these.
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>

#include "common/process.h"
#include "common/unique_fd.h"
#include "tests/integration/gpu_guest.h"

namespace ccinit::itest {
namespace {

namespace fs = std::filesystem;

// Runs a tool of a guest root as the guest would, without booting it: chrooted into the
// root in a private mount namespace whose /run is `run_dir` (so the test sees what the
// tool leaves in /run), with a plain environment.
ProgramRun run_in_root(const std::string& root, const std::string& run_dir,
                       const std::vector<std::string>& argv) {
  const std::string root_run = root + "/run";  // built before fork
  RunOptions options{
      .env = std::vector<std::string>{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "FAKE_TEST=1"}};
  options.in_child = [&]() -> const char* {
    if (::unshare(CLONE_NEWNS) != 0) return "unshare CLONE_NEWNS";
    if (::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return "make / private";
    if (::mount(run_dir.c_str(), root_run.c_str(), nullptr, MS_BIND, nullptr) != 0)
      return "bind /run";
    if (::chroot(root.c_str()) != 0 || ::chdir("/") != 0) return "chroot";
    return nullptr;
  };
  return run_program(argv, options);
}

// Starts a daemon of a guest root as run_in_root runs a tool, without waiting for it: its
// stdout and stderr go to `output` (a host file). Dropping the Child kills it.
Child start_in_root(const std::string& root, const std::string& run_dir,
                    const std::vector<std::string>& argv, const std::string& output) {
  UniqueFd out(::open(output.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!out) throw std::runtime_error("open " + output);
  const std::string root_run = root + "/run";
  SpawnOptions options;
  options.path = argv.at(0);
  options.argv = argv;
  options.env = std::vector<std::string>{"PATH=/usr/sbin:/usr/bin:/sbin:/bin"};
  options.fds = {{1, out.get()}, {2, out.get()}};
  options.new_session = true;
  options.die_with_parent = true;
  options.child_step = [&]() -> const char* {
    if (::unshare(CLONE_NEWNS) != 0) return "unshare CLONE_NEWNS";
    if (::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return "make / private";
    if (::mount(run_dir.c_str(), root_run.c_str(), nullptr, MS_BIND, nullptr) != 0)
      return "bind /run";
    if (::chroot(root.c_str()) != 0 || ::chdir("/") != 0) return "chroot";
    return nullptr;
  };
  return spawn(options);
}

// Waits up to 5 s for `done`; a test fixture, so a short poll is fine here.
bool eventually(const std::function<bool()>& done) {
  for (int i = 0; i < 500; ++i) {
    if (done()) return true;
    ::usleep(10000);
  }
  return done();
}

bool is_socket(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode);
}

class FakeNvidiaToolTest : public ::testing::Test {
 protected:
  void SetUp() override { CCINIT_REQUIRE(cannot_boot_guests()); }

  void make_root(const std::string& config) { guest_.emplace("1gpu", config); }
  ProgramRun run(const std::vector<std::string>& argv) {
    return run_in_root(guest_->root(), run_dir_.path(), argv);
  }
  std::string run_file(const std::string& relative) {
    return read_text(run_dir_.path() + "/" + relative);
  }
  // A socket at the root's /dev/log, as PID 1 has in a booted guest.
  UniqueFd bind_dev_log() {
    UniqueFd sock(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    const std::string path = guest_->root() + "/dev/log";
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    if (!sock || ::bind(sock.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
      throw std::runtime_error("bind " + path + ": " + std::strerror(errno));
    return sock;
  }
  Child start(const std::vector<std::string>& argv, const std::string& output_name) {
    return start_in_root(guest_->root(), run_dir_.path(), argv,
                         output_dir_.path() + "/" + output_name);
  }
  std::string output_of(const std::string& output_name) {
    return read_text(output_dir_.path() + "/" + output_name);
  }
  static std::optional<std::string> receive(int sock, int timeout_ms) {
    pollfd pfd{sock, POLLIN, 0};
    if (::poll(&pfd, 1, timeout_ms) != 1) return std::nullopt;
    char buf[1024];
    ssize_t n = ::recv(sock, buf, sizeof buf, 0);
    return n < 0 ? std::nullopt : std::optional<std::string>(std::string(buf, n));
  }

  TempDir run_dir_{"ccinit-fake-run"};
  TempDir output_dir_{"ccinit-fake-out"};
  std::optional<GpuGuest> guest_;
};

TEST_F(FakeNvidiaToolTest, RecordsEveryRunWithItsArgumentsEnvironmentAndStartTime) {
  make_root("");
  ASSERT_EQ(run({"/sbin/modprobe", "nvidia", "NVreg_NvLinkDisable=1"}).exit_code, 0);
  ASSERT_EQ(run({"/bin/nvidia-smi", "-lgc", "300,1980"}).exit_code, 0);
  EXPECT_EQ(run_file("fake-nvidia/calls.log"),
            "modprobe nvidia NVreg_NvLinkDisable=1\nnvidia-smi -lgc 300,1980\n");
  EXPECT_EQ(run_file("fake-nvidia/nvidia-smi.env"),
            "PATH=/usr/sbin:/usr/bin:/sbin:/bin\nFAKE_TEST=1\n");
  // starts.log: the same calls, each after a CLOCK_MONOTONIC timestamp in ns.
  std::vector<std::string> starts = split_lines(run_file("fake-nvidia/starts.log"));
  ASSERT_EQ(starts.size(), 2u);
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  const unsigned long long now_ns = now.tv_sec * 1000000000ULL + now.tv_nsec;
  unsigned long long previous = 0;
  for (const std::string& line : starts) {
    unsigned long long stamp = std::stoull(line.substr(0, line.find(' ')));
    EXPECT_LE(previous, stamp) << line;
    EXPECT_LE(stamp, now_ns) << line;
    EXPECT_GT(stamp + 60ULL * 1000000000ULL, now_ns) << line;
    previous = stamp;
  }
  EXPECT_EQ(starts[1].substr(starts[1].find(' ') + 1), "nvidia-smi -lgc 300,1980");
  // And a copy on the root's own filesystem, for boots that end before the agent runs.
  EXPECT_EQ(guest_->calls(), (std::vector<std::string>{"modprobe nvidia NVreg_NvLinkDisable=1",
                                                       "nvidia-smi -lgc 300,1980"}));
}

TEST_F(FakeNvidiaToolTest, ConfComputePrintsTheRealStatusLinesPerGpu) {
  make_root("gpus=3\ncc.1=off\ngrs=not-ready\n");
  ProgramRun status = run({"/bin/nvidia-smi", "conf-compute", "-f"});
  EXPECT_EQ(status.exit_code, 0);
  EXPECT_EQ(status.out, "CC status: ON\nCC status: OFF\nCC status: ON\n");
  ProgramRun ready = run({"/bin/nvidia-smi", "conf-compute", "-grs"});
  EXPECT_EQ(ready.out, "Confidential Compute GPUs Ready state: not-ready\n");
  EXPECT_EQ(run({"/bin/nvidia-smi", "conf-compute", "-srs", "1"}).exit_code, 0);
}

TEST_F(FakeNvidiaToolTest, ConfComputeWithoutCcDevicesExitsSix) {
  make_root("cc=none\n");
  ProgramRun status = run({"/bin/nvidia-smi", "conf-compute", "-f"});
  EXPECT_EQ(status.exit_code, 6);
  EXPECT_EQ(status.out, "No CC capable devices found\n");
}

TEST_F(FakeNvidiaToolTest, FailuresExitWithTheRealToolsStatuses) {
  make_root("smi=fail\nmodprobe=fail\nctk=fail\npersistenced=fail\nhostengine=fail\n");
  ProgramRun smi = run({"/bin/nvidia-smi", "-pl", "300"});
  EXPECT_EQ(smi.exit_code, 9);
  EXPECT_NE(smi.err.find("couldn't communicate with the NVIDIA driver"), std::string::npos);
  ProgramRun modprobe = run({"/sbin/modprobe", "nvidia-uvm"});
  EXPECT_EQ(modprobe.exit_code, 1);
  EXPECT_NE(modprobe.err.find("Module nvidia-uvm not found"), std::string::npos);
  EXPECT_EQ(run({"/bin/nvidia-ctk", "cdi", "generate", "--output=/run/x.yaml"}).exit_code, 1);
  EXPECT_FALSE(fs::exists(run_dir_.path() + "/x.yaml"));
  EXPECT_EQ(run({"/bin/nvidia-persistenced", "--verbose"}).exit_code, 1);
  EXPECT_FALSE(fs::exists(run_dir_.path() + "/nvidia-persistenced/nvidia-persistenced.pid"));
  EXPECT_EQ(run({"/bin/nv-hostengine", "--service-account", "nvidia-dcgm"}).exit_code, 1);
}

TEST_F(FakeNvidiaToolTest, CrashDiesOfSigsegv) {
  make_root("smi=crash\n");
  EXPECT_EQ(run({"/bin/nvidia-smi", "conf-compute", "-f"}).exit_code, -SIGSEGV);
}

TEST_F(FakeNvidiaToolTest, CtkWritesTheCdiSpecNamedByOutput) {
  make_root("");
  EXPECT_EQ(
      run({"/bin/nvidia-ctk", "cdi", "generate", "--output=/var/run/cdi/nvidia.yaml"}).exit_code,
      0);
  EXPECT_NE(run_file("cdi/nvidia.yaml").find("kind: nvidia.com/gpu"), std::string::npos);
}

TEST_F(FakeNvidiaToolTest, PersistencedLauncherExitsZeroOnceItsDaemonIsReady) {
  make_root("ready_delay_ms=50\n");
  UniqueFd dev_log = bind_dev_log();
  ProgramRun launcher = run({"/bin/nvidia-persistenced", "--verbose", "--uvm-persistence-mode"});
  EXPECT_EQ(launcher.exit_code, 0) << launcher.err;
  const pid_t daemon =
      std::stoi(run_file("nvidia-persistenced/nvidia-persistenced.pid"));  // /var/run -> /run
  EXPECT_EQ(::kill(daemon, 0), 0) << "the daemon must outlive its launcher";
  // The launcher's start-up lines, then readiness as the daemon's own notice-level message.
  std::vector<std::string> lines;
  while (auto line = receive(dev_log.get(), 1000)) lines.push_back(*line);
  ASSERT_EQ(lines.size(), 3u) << ::testing::PrintToString(lines);
  EXPECT_TRUE(lines[0].starts_with("<29>nvidia-persistenced[")) << lines[0];
  EXPECT_TRUE(lines[0].ends_with("]: Verbose syslog connection opened")) << lines[0];
  EXPECT_NE(lines[1].find("]: Started ("), std::string::npos) << lines[1];
  EXPECT_EQ(lines[2], "<29>nvidia-persistenced[" + std::to_string(daemon) +
                          "]: Local RPC services initialized");
  EXPECT_FALSE(run_file("fake-nvidia/persistenced.ready").empty());
  ::kill(daemon, SIGKILL);
}

TEST_F(FakeNvidiaToolTest, PersistencedLogsReadinessOnlyWithVerbose) {
  make_root("");
  UniqueFd dev_log = bind_dev_log();
  EXPECT_EQ(run({"/bin/nvidia-persistenced"}).exit_code, 0);
  const pid_t daemon = std::stoi(run_file("nvidia-persistenced/nvidia-persistenced.pid"));
  EXPECT_EQ(receive(dev_log.get(), 300), std::nullopt);
  ::kill(daemon, SIGKILL);
}

TEST_F(FakeNvidiaToolTest, PersistencedDaemonCrashesAfterReadinessWhenTold) {
  make_root("persistenced=crash-after-ready\ncrash_after_ms=100\n");
  EXPECT_EQ(run({"/bin/nvidia-persistenced", "--verbose"}).exit_code, 0);
  const pid_t daemon = std::stoi(run_file("nvidia-persistenced/nvidia-persistenced.pid"));
  bool gone = false;
  for (int i = 0; i < 300 && !gone; ++i) {
    gone = ::kill(daemon, 0) != 0 ||
           read_text("/proc/" + std::to_string(daemon) + "/stat").find(") Z") != std::string::npos;
    if (!gone) ::usleep(10000);
  }
  EXPECT_TRUE(gone) << "the daemon did not die";
  if (!gone) ::kill(daemon, SIGKILL);
}

TEST_F(FakeNvidiaToolTest, MkrootfsInstallsItUnderEveryToolPathWithItsConfig) {
  make_root("smi=fail\n");
  for (const char* tool :
       {"/bin/nvidia-smi", "/bin/nvidia-persistenced", "/bin/nv-hostengine", "/bin/dcgm-exporter",
        "/bin/nvidia-ctk", "/bin/nv-fabricmanager", "/bin/nvlsm", "/sbin/modprobe"}) {
    EXPECT_EQ(read_text(guest_->root() + tool), read_text(bin_dir() + "/fake-nvidia-tool")) << tool;
    EXPECT_EQ(::access((guest_->root() + tool).c_str(), X_OK), 0) << tool;
  }
  EXPECT_EQ(read_text(guest_->root() + "/etc/fake-nvidia.conf"), "smi=fail\n");
  // The fabric daemons' stock configs: FM's as the driver ships it (daemonizing, logging to a
  // file, bare-metal mode), which fabric-launcher must rewrite.
  const std::vector<std::string> fm =
      split_lines(read_text(guest_->root() + "/usr/share/nvidia/nvswitch/fabricmanager.cfg"));
  for (const char* line :
       {"LOG_LEVEL=4", "LOG_FILE_NAME=/var/log/fabricmanager.log", "LOG_USE_SYSLOG=0",
        "DAEMONIZE=1", "FABRIC_MODE=0", "TOPOLOGY_FILE_PATH=/usr/share/nvidia/nvswitch",
        "STATE_FILE_NAME=/var/tmp/fabricmanager.state",
        "FM_SM_IPC_INTERFACE=/var/run/nvidia-fabricmanager/fm_sm_ipc.socket"})
    EXPECT_EQ(std::count(fm.begin(), fm.end(), line), 1) << line;
  EXPECT_EQ(
      std::count_if(fm.begin(), fm.end(),
                    [](const std::string& l) { return l.starts_with("PARTITION_RAIL_POLICY"); }),
      0);
  EXPECT_NE(read_text(guest_->root() + "/usr/share/nvidia/nvlsm/nvlsm.conf")
                .find("\nplugin_options grpc_mgr --grpc_server_address "
                      "unix:/var/run/nvidia-fabricmanager/fm_sm_ipc.socket\n"),
            std::string::npos);
}

// --- the fabric daemons and nvidia-smi -q ---------------------------------------------------

const std::string kNvlsmConf = "/usr/share/nvidia/nvlsm/nvlsm.conf";
const std::string kGuid = "0x946dae030000c000";
const std::string kMarker = "FM starting NvLink Inband, waiting for GPU registration";

class FakeFabricToolTest : public FakeNvidiaToolTest {
 protected:
  std::string socket_dir() const { return run_dir_.path() + "/nvidia-fabricmanager"; }
  std::string socket_path() const { return socket_dir() + "/fm_sm_ipc.socket"; }
  Child start_nvlsm() {
    fs::create_directories(socket_dir());  // what fabric-launcher does first
    Child nvlsm = start({"/bin/nvlsm", "-F", kNvlsmConf, "-g", kGuid, "-f", "stdout"}, "nvlsm");
    EXPECT_TRUE(eventually([&] { return is_socket(socket_path()); })) << output_of("nvlsm");
    return nvlsm;
  }
  // A Fabric Manager config in the guest's /run, as fabric-launcher writes one.
  std::string write_fm_config(const std::string& text) {
    run_dir_.write("fabricmanager.cfg", text);
    return "/run/fabricmanager.cfg";
  }
  // The datagrams that reach /dev/log until `last` is among them (or 5 s pass).
  static std::vector<std::string> receive_until(int sock, const std::string& last) {
    std::vector<std::string> lines;
    while (auto line = receive(sock, 5000)) {
      lines.push_back(*line);
      if (line->find(last) != std::string::npos) break;
    }
    return lines;
  }
  static bool exits(Child& child, int expected_status) {
    std::optional<int> status = child.wait_for(std::chrono::seconds(5));
    return status && *status == expected_status;
  }
};

TEST_F(FakeFabricToolTest, NvlsmNeedsItsReadableConfigFile) {
  make_root("");
  ProgramRun run_ = run({"/bin/nvlsm", "-F", "/etc/missing.conf", "-g", kGuid});
  EXPECT_EQ(run_.exit_code, 1);
  EXPECT_EQ(run_.err,
            "Error: Cannot open options file '/etc/missing.conf': No such file or directory\n");
  EXPECT_EQ(run({"/bin/nvlsm", "-F", kNvlsmConf}).exit_code, 1) << "no -g";
}

TEST_F(FakeFabricToolTest, NvlsmFailsLikeGrpcWhenItsSocketDirectoryIsMissing) {
  make_root("");
  ProgramRun run_ = run({"/bin/nvlsm", "-F", kNvlsmConf, "-g", kGuid, "-f", "stdout"});
  EXPECT_EQ(run_.exit_code, 1);
  EXPECT_NE(run_.err.find("No address added out of total 1 resolved for "
                          "'unix:/var/run/nvidia-fabricmanager/fm_sm_ipc.socket'"),
            std::string::npos)
      << run_.err;
  EXPECT_NE(run_.err.find("No such file or directory"), std::string::npos) << run_.err;
  EXPECT_NE(run_.out.find("Loading Cached Option:guid = " + kGuid), std::string::npos);
}

TEST_F(FakeFabricToolTest, NvlsmServesItsSocketAndStaysInTheForeground) {
  make_root("nvlsm_delay_ms=100\n");
  Child nvlsm = start_nvlsm();
  UniqueFd client(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, socket_path().c_str(), sizeof addr.sun_path - 1);
  EXPECT_EQ(::connect(client.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0)
      << std::strerror(errno);
  EXPECT_EQ(nvlsm.wait_for(std::chrono::milliseconds(200)), std::nullopt) << "it must stay up";
  const std::vector<std::string> lines = split_lines(output_of("nvlsm"));
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.back(), "SUBNET UP");
  EXPECT_NE(std::find(lines.begin(), lines.end(), " Reading Cached Option File: " + kNvlsmConf),
            lines.end());
  EXPECT_EQ(guest_->calls(),
            std::vector<std::string>{"nvlsm -F " + kNvlsmConf + " -g " + kGuid + " -f stdout"});
}

TEST_F(FakeFabricToolTest, NvlsmKnobs) {
  make_root("nvlsm=no-socket\n");
  fs::create_directories(socket_dir());
  {
    Child nvlsm = start({"/bin/nvlsm", "-F", kNvlsmConf, "-g", kGuid}, "no-socket");
    EXPECT_EQ(nvlsm.wait_for(std::chrono::milliseconds(300)), std::nullopt);
    EXPECT_FALSE(fs::exists(socket_path()));
    EXPECT_NE(output_of("no-socket").find("Entering MASTER state"), std::string::npos);
  }
  make_root("nvlsm=fail\n");
  EXPECT_EQ(run({"/bin/nvlsm", "-F", kNvlsmConf, "-g", kGuid}).exit_code, 1);
  make_root("nvlsm=crash\n");
  EXPECT_EQ(run({"/bin/nvlsm", "-F", kNvlsmConf, "-g", kGuid}).exit_code, -SIGSEGV);
  make_root("nvlsm=crash-after-ready\ncrash_after_ms=100\n");
  Child nvlsm = start_nvlsm();
  EXPECT_TRUE(exits(nvlsm, SIGSEGV)) << "a SIGSEGV after the socket appeared";
}

TEST_F(FakeFabricToolTest, FabricManagerKeepsItsConfigAndLogsReadinessToSyslogWithItsPid) {
  make_root("");
  UniqueFd dev_log = bind_dev_log();
  const std::string config = "LOG_LEVEL=4\nLOG_USE_SYSLOG=1\nDAEMONIZE=0\nFABRIC_MODE=0\n";
  Child fm = start({"/bin/nv-fabricmanager", "-c", write_fm_config(config)}, "fm");
  const std::vector<std::string> lines = receive_until(dev_log.get(), kMarker);
  ASSERT_GE(lines.size(), 2u) << ::testing::PrintToString(lines);
  for (const std::string& line : lines)
    EXPECT_TRUE(line.starts_with("<30>nv-fabricmanager[" + std::to_string(fm.pid()) + "]: "))
        << line;
  EXPECT_EQ(lines.back(), "<30>nv-fabricmanager[" + std::to_string(fm.pid()) + "]: " + kMarker);
  EXPECT_EQ(fm.wait_for(std::chrono::milliseconds(200)), std::nullopt) << "it must stay up";
  EXPECT_EQ(guest_->kept_file("fabricmanager.cfg"), config);
  EXPECT_EQ(output_of("fm"), "Fabric Manager version is : 570.172.08\n");
}

TEST_F(FakeFabricToolTest, FabricManagerWithTheStockConfigDaemonizesAndLogsToItsFile) {
  make_root("");
  ProgramRun launcher =
      run({"/bin/nv-fabricmanager", "-c", "/usr/share/nvidia/nvswitch/fabricmanager.cfg"});
  EXPECT_EQ(launcher.exit_code, 0) << "the process started exits, as the real one's does";
  const std::string log = guest_->root() + "/var/log/fabricmanager.log";
  EXPECT_TRUE(eventually(
      [&] { return fs::exists(log) && read_text(log).find(kMarker) != std::string::npos; }));
  std::string pid_text;
  ASSERT_TRUE(eventually([&] {
    pid_text = fs::exists(run_dir_.path() + "/fake-nvidia/nv-fabricmanager.pid")
                   ? run_file("fake-nvidia/nv-fabricmanager.pid")
                   : "";
    return !pid_text.empty();
  }));
  const pid_t daemon = std::stoi(pid_text);
  EXPECT_EQ(::kill(daemon, 0), 0) << "the background copy goes on";
  ::kill(daemon, SIGKILL);
}

TEST_F(FakeFabricToolTest, FabricManagerWithAGuidNeedsTheSubnetManager) {
  make_root("");
  const std::string config = write_fm_config("LOG_USE_SYSLOG=0\nDAEMONIZE=0\n");
  ProgramRun alone = run({"/bin/nv-fabricmanager", "-c", config, "-g", kGuid});
  EXPECT_EQ(alone.exit_code, 1);
  EXPECT_NE(alone.err.find("failed to connect to NVLink Subnet Manager"), std::string::npos)
      << alone.err;

  Child nvlsm = start_nvlsm();
  Child fm = start({"/bin/nv-fabricmanager", "-c", config, "-g", kGuid}, "fm");
  const std::string log = guest_->root() + "/var/log/fabricmanager.log";
  EXPECT_TRUE(eventually(
      [&] { return fs::exists(log) && read_text(log).find(kMarker) != std::string::npos; }));
  EXPECT_NE(read_text(log).find("Connected to NVLink Subnet Manager, port GUID " + kGuid),
            std::string::npos);
}

TEST_F(FakeFabricToolTest, FabricManagerRefusesAConfigTheRealOneWouldNot) {
  make_root("");
  for (const std::string bad : {"DAEMONIZE=0\nFABRIC_MODE = 1\n", "DAEMONIZE=0\nFABRIC_MODE=3\n",
                                "DAEMONIZE=0\nPARTITION_RAIL_POLICY=1\n"}) {
    ProgramRun fm = run({"/bin/nv-fabricmanager", "-c", write_fm_config(bad)});
    EXPECT_EQ(fm.exit_code, 1) << bad;
    EXPECT_NE(fm.err.find("Fabric Manager failed to parse config file /run/fabricmanager.cfg"),
              std::string::npos)
        << fm.err;
  }
}

TEST_F(FakeFabricToolTest, FabricManagerLogsToStderrWithAnEmptyLogFileName) {
  make_root("");
  Child fm = start({"/bin/nv-fabricmanager", "-c",
                    write_fm_config("LOG_USE_SYSLOG=0\nLOG_FILE_NAME=\nDAEMONIZE=0\n")},
                   "fm");
  EXPECT_TRUE(eventually([&] { return output_of("fm").find(kMarker) != std::string::npos; }))
      << output_of("fm");
}

TEST_F(FakeFabricToolTest, FabricManagerKnobs) {
  make_root("fm=fail\n");
  const std::string config = write_fm_config("LOG_USE_SYSLOG=1\nDAEMONIZE=0\n");
  EXPECT_EQ(run({"/bin/nv-fabricmanager", "-c", config}).exit_code, 1);
  EXPECT_EQ(run({"/bin/nv-fabricmanager"}).exit_code, 1) << "no -c";
  make_root("fm=no-marker\n");
  UniqueFd dev_log = bind_dev_log();
  {
    Child fm =
        start({"/bin/nv-fabricmanager", "-c", write_fm_config("LOG_USE_SYSLOG=1\nDAEMONIZE=0\n")},
              "no-marker");
    EXPECT_EQ(fm.wait_for(std::chrono::milliseconds(300)), std::nullopt);
  }
  make_root("fm=crash-after-ready\ncrash_after_ms=100\n");
  dev_log = bind_dev_log();
  Child fm = start(
      {"/bin/nv-fabricmanager", "-c", write_fm_config("LOG_USE_SYSLOG=1\nDAEMONIZE=0\n")}, "crash");
  EXPECT_TRUE(receive_until(dev_log.get(), kMarker).back().ends_with(kMarker));
  EXPECT_TRUE(exits(fm, SIGSEGV));
}

// The Fabric section of each GPU block of `nvidia-smi -q`: bus id -> {State, Status}.
std::map<std::string, std::pair<std::string, std::string>> fabric_of(const std::string& report) {
  std::map<std::string, std::pair<std::string, std::string>> found;
  std::string gpu;
  bool in_fabric = false;
  for (const std::string& line : split_lines(report)) {
    if (line.starts_with("GPU ")) gpu = line.substr(4);
    if (line.starts_with("    ") && !line.starts_with("        ")) in_fabric = line == "    Fabric";
    const std::size_t colon = line.find(": ");
    if (!in_fabric || !line.starts_with("        ") || line.starts_with("         ") ||
        colon == std::string::npos)
      continue;
    std::string key = line.substr(8, colon - 8);
    key.erase(key.find_last_not_of(' ') + 1);
    if (key == "State") found[gpu].first = line.substr(colon + 2);
    if (key == "Status") found[gpu].second = line.substr(colon + 2);
  }
  return found;
}

TEST_F(FakeFabricToolTest, SmiQueryShowsEachGpusFabricSection) {
  make_root("gpus=3\n");
  ProgramRun query = run({"/bin/nvidia-smi", "-q"});
  EXPECT_EQ(query.exit_code, 0);
  const std::vector<std::string> lines = query.out_lines();
  for (const char* line : {"GPU 00000000:18:00.0", "GPU 00000000:28:00.0", "GPU 00000000:38:00.0",
                           "    Fabric", "        State                             : Completed",
                           "        Status                            : Success",
                           "        CliqueId                          : 32766",
                           "Attached GPUs                             : 3"})
    EXPECT_NE(std::find(lines.begin(), lines.end(), line), lines.end()) << line << "\n"
                                                                        << query.out;
  using Fabric = std::map<std::string, std::pair<std::string, std::string>>;
  EXPECT_EQ(fabric_of(query.out), (Fabric{{"00000000:18:00.0", {"Completed", "Success"}},
                                          {"00000000:28:00.0", {"Completed", "Success"}},
                                          {"00000000:38:00.0", {"Completed", "Success"}}}));
}

TEST_F(FakeFabricToolTest, SmiQueryFabricStates) {
  using Fabric = std::map<std::string, std::pair<std::string, std::string>>;
  make_root("gpus=4\nfabric.1=failed\nfabric.2=in-progress\nfabric.3=na\n");
  EXPECT_EQ(fabric_of(run({"/bin/nvidia-smi", "-q"}).out),
            (Fabric{{"00000000:18:00.0", {"Completed", "Success"}},
                    {"00000000:28:00.0", {"Completed", "Insufficient Resources"}},
                    {"00000000:38:00.0", {"In Progress", "N/A"}},
                    {"00000000:48:00.0", {"N/A", "N/A"}}}));
  make_root("gpus=2\nfabric=failed\nfabric_status=NVLink Error\n");
  EXPECT_EQ(fabric_of(run({"/bin/nvidia-smi", "-q"}).out),
            (Fabric{{"00000000:18:00.0", {"Completed", "NVLink Error"}},
                    {"00000000:28:00.0", {"Completed", "NVLink Error"}}}));
}

TEST_F(FakeFabricToolTest, SmiQueryIsInProgressForTheFirstQueriesThenCompleted) {
  using Fabric = std::map<std::string, std::pair<std::string, std::string>>;
  make_root("gpus=1\nfabric_in_progress_queries=2\n");
  const Fabric in_progress{{"00000000:18:00.0", {"In Progress", "N/A"}}},
      completed{{"00000000:18:00.0", {"Completed", "Success"}}};
  EXPECT_EQ(fabric_of(run({"/bin/nvidia-smi", "-q"}).out), in_progress);
  EXPECT_EQ(fabric_of(run({"/bin/nvidia-smi", "-q"}).out), in_progress);
  EXPECT_EQ(fabric_of(run({"/bin/nvidia-smi", "-q"}).out), completed);
  EXPECT_EQ(fabric_of(run({"/bin/nvidia-smi", "-q"}).out), completed);
}

TEST(MkrootfsFakeNvidia, MissingConfigIsRefusedByName) {
  CCINIT_REQUIRE(cannot_build_roots());
  TempDir dir("ccinit-fake-mkrootfs");
  ProgramRun run = run_program({mkrootfs_path(), dir.path() + "/root", "--bin", bin_dir(),
                                "--fake-nvidia", dir.path() + "/missing.conf"});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("--fake-nvidia " + dir.path() + "/missing.conf: no such file"),
            std::string::npos)
      << run.err;
}

// --- fake PCI trees --------------------------------------------------------------------

struct Counts {
  // Mellanox counts physical functions; SR-IOV virtual functions (a physfn link) are `vfs`.
  unsigned gpus = 0, nvswitches = 0, sw_mng = 0, mellanox = 0, vfs = 0;
  bool operator==(const Counts&) const = default;
};

std::string attribute(const fs::path& dir, const char* name) {
  std::string text = read_text((dir / name).string());
  return text.substr(0, text.find('\n'));
}

// Checks the VPD layout and returns its VPD-R keywords.
std::map<std::string, std::string> vpd_r_keywords(const std::string& vpd, const std::string& at) {
  std::map<std::string, std::string> keywords;
  auto u8 = [&](std::size_t i) { return static_cast<unsigned char>(vpd.at(i)); };
  EXPECT_EQ(u8(0), 0x82) << at << ": no identifier string tag";
  std::size_t pos = 3 + (u8(1) | u8(2) << 8);
  EXPECT_EQ(u8(pos), 0x90) << at << ": no VPD-R tag";
  const std::size_t r_end = pos + 3 + (u8(pos + 1) | u8(pos + 2) << 8);
  pos += 3;
  bool checksum_seen = false;
  while (pos + 3 <= r_end) {
    std::string key = vpd.substr(pos, 2);
    std::size_t len = u8(pos + 2);
    keywords[key] = vpd.substr(pos + 3, len);
    if (key == "RV") {
      unsigned sum = 0;
      for (std::size_t i = 0; i <= pos + 3; ++i) sum += u8(i);
      EXPECT_EQ(sum % 256, 0u) << at << ": bad RV checksum";
      checksum_seen = true;
    }
    pos += 3 + len;
  }
  EXPECT_TRUE(checksum_seen) << at;
  EXPECT_EQ(pos, r_end) << at;
  EXPECT_EQ(u8(r_end), 0x78) << at << ": no end tag";
  return keywords;
}

bool is_sw_mng(const fs::path& function) {
  const std::string at = function / "vpd";
  return vpd_r_keywords(read_text(at), at)["VA"] == "SMDL=SW_MNG";
}

Counts count_tree(const std::string& tree) {
  Counts counts;
  for (const auto& entry : fs::directory_iterator(tree)) {
    const std::string vendor = attribute(entry.path(), "vendor");
    const unsigned klass = std::stoul(attribute(entry.path(), "class"), nullptr, 16);
    if (vendor == "0x10de" && klass >> 16 == 0x03) ++counts.gpus;
    if (vendor == "0x10de" && klass >> 8 == 0x0680) ++counts.nvswitches;
    if (vendor != "0x15b3") continue;
    if (fs::is_symlink(entry.path() / "physfn")) {
      ++counts.vfs;
      continue;
    }
    ++counts.mellanox;
    counts.sw_mng += is_sw_mng(entry.path());
  }
  return counts;
}

TEST(FakePciTree, EveryTopologyHasItsDeviceCounts) {
  TempDir dir("ccinit-fake-pci");
  const std::map<std::string, Counts> expected = {
      {"cpu", {0, 0, 0, 0, 0}},
      {"1gpu", {1, 0, 0, 0, 0}},
      {"8gpu", {8, 0, 0, 0, 0}},
      {"nvl4-1gpu", {1, 4, 0, 0, 0}},
      {"nvl4-4gpu", {4, 4, 0, 0, 0}},
      {"nvl4-8gpu", {8, 4, 0, 0, 0}},
      {"servicevm-nvl4", {0, 4, 0, 0, 0}},
      // An FC PF and a Limited PF per management slot, plus the workload NIC.
      {"nvl5-1gpu", {1, 0, 1, 3, 1}},
      {"nvl5-4gpu", {4, 0, 2, 5, 2}},
      {"nvl5-8gpu", {8, 0, 4, 9, 4}},
      {"servicevm-nvl5", {0, 0, 4, 9, 4}},
      {"nvl5-8gpu-sm-disabled", {8, 0, 4, 9, 4}},
      {"nvl5-8gpu-zero-gid", {8, 0, 4, 9, 4}},
      {"mixed-8gpu", {8, 4, 4, 9, 4}},
      {"8gpu-4nvswitch", {8, 4, 0, 0, 0}},
      {"4nvswitch", {0, 4, 0, 0, 0}},
      {"8gpu-4swmng", {8, 0, 4, 5, 0}},  // plus one ordinary ConnectX NIC
      {"4swmng", {0, 0, 4, 5, 0}},
      {"8gpu-2nvswitch", {8, 2, 0, 0, 0}},
      {"4gpu-4nvswitch", {4, 4, 0, 0, 0}},
      {"2swmng", {0, 0, 2, 2, 0}},
      {"8gpu-4nvswitch-4swmng", {8, 4, 4, 4, 0}},
  };
  ProgramRun list = run_program({make_fake_sysfs_path(), "--list"});
  ASSERT_EQ(list.exit_code, 0);
  EXPECT_EQ(split_lines(list.out).size(), expected.size()) << list.out;
  for (const auto& [topology, counts] : expected) {
    const std::string tree = dir.path() + "/" + topology;
    make_fake_pci_tree(topology, tree);
    Counts found = count_tree(tree);
    EXPECT_EQ(found, counts) << topology << ": gpus " << found.gpus << " nvswitches "
                             << found.nvswitches << " sw_mng " << found.sw_mng << " mellanox "
                             << found.mellanox << " vfs " << found.vfs;
    // Other functions are there too, as on a real machine.
    EXPECT_EQ(attribute(fs::path(tree) / "0000:00:01.0", "vendor"), "0x1af4");
  }
}

// As on HGX B200: each SW_MNG Limited PF (.1) has an FC PF sibling (.0) without the marker and
// a VF of that FC PF; the workload NIC sorts first and quotes SW_MNG only in its serial number.
TEST(FakePciTree, NvLink5SlotsAreLaidOutAsOnHgxB200) {
  TempDir dir("ccinit-fake-pci");
  const fs::path tree = dir.path() + "/t";
  make_fake_pci_tree("nvl5-8gpu", tree);
  for (const char* slot : {"0000:c0:00", "0000:c1:00", "0000:c2:00", "0000:c3:00"}) {
    const std::string base = slot;
    EXPECT_FALSE(is_sw_mng(tree / (base + ".0"))) << base;
    EXPECT_TRUE(is_sw_mng(tree / (base + ".1"))) << base;
    EXPECT_EQ(fs::read_symlink(tree / (base + ".2") / "physfn"), "../" + base + ".0");
    EXPECT_FALSE(fs::exists(tree / (base + ".2") / "vpd"));
  }
  const fs::path nic = tree / "0000:08:00.0";
  EXPECT_EQ(attribute(nic, "class"), "0x020000");
  EXPECT_FALSE(is_sw_mng(nic));
  const std::string nic_vpd = read_text(nic / "vpd");
  EXPECT_NE(nic_vpd.find("SW_MNG"), std::string::npos) << "a raw substring search would match";
  std::vector<std::string> mellanox;
  for (const auto& entry : fs::directory_iterator(tree))
    if (attribute(entry.path(), "vendor") == "0x15b3") mellanox.push_back(entry.path().filename());
  std::sort(mellanox.begin(), mellanox.end());
  EXPECT_EQ(mellanox.front(), "0000:08:00.0");
  // GPUs where nvidia-smi -q puts them.
  EXPECT_EQ(attribute(tree / "0000:88:00.0", "vendor"), "0x10de");
  EXPECT_EQ(attribute(tree / "0000:88:00.0", "device"), "0x2901");  // B200
}

// --- fake /sys/class/infiniband ---------------------------------------------------------

struct IbPortView {
  std::string function, link_layer, gid0;
  std::uint32_t cap_mask = 0;
  bool sm_disabled() const { return cap_mask & (1u << 10); }
  bool zero_guid() const { return gid0.substr(20) == "0000:0000:0000:0000"; }
};

std::map<std::string, IbPortView> read_ib_tree(const std::string& tree) {
  std::map<std::string, IbPortView> ports;
  for (const auto& entry : fs::directory_iterator(tree)) {
    const fs::path port = entry.path() / "ports/1";
    IbPortView view;
    view.function = fs::read_symlink(entry.path() / "device").filename();
    view.link_layer = read_text(port / "link_layer");
    const std::string cap_mask = read_text(port / "cap_mask");
    // As the kernel prints them: "0x%08x\n", the GID in eight groups of four hex digits.
    EXPECT_EQ(cap_mask.size(), 11u) << cap_mask;
    EXPECT_TRUE(cap_mask.starts_with("0x") && cap_mask.ends_with("\n")) << cap_mask;
    view.cap_mask = std::stoul(cap_mask, nullptr, 16);
    view.gid0 = read_text(port / "gids/0");
    EXPECT_EQ(view.gid0.size(), 40u) << view.gid0;
    view.gid0.pop_back();
    ports[entry.path().filename()] = view;
  }
  return ports;
}

TEST(FakeInfinibandTree, OneDevicePerMellanoxFunctionInAddressOrder) {
  TempDir dir("ccinit-fake-ib");
  make_fake_infiniband_tree("nvl5-8gpu", dir.path() + "/ib");
  const std::map<std::string, IbPortView> ports = read_ib_tree(dir.path() + "/ib");
  ASSERT_EQ(ports.size(), 13u);  // the NIC, and an FC PF, a Limited PF and a VF per slot
  EXPECT_EQ(fs::read_symlink(dir.path() + "/ib/mlx5_0/device"),
            "../../../bus/pci/devices/0000:08:00.0");
  const IbPortView& nic = ports.at("mlx5_0");
  EXPECT_EQ(nic.link_layer, "Ethernet\n");
  for (unsigned slot = 0; slot < 4; ++slot) {
    const std::string base = "0000:c" + std::to_string(slot) + ":00";
    const IbPortView& fc = ports.at("mlx5_" + std::to_string(1 + 3 * slot));
    const IbPortView& limited = ports.at("mlx5_" + std::to_string(2 + 3 * slot));
    const IbPortView& vf = ports.at("mlx5_" + std::to_string(3 + 3 * slot));
    EXPECT_EQ(fc.function, base + ".0");
    EXPECT_EQ(limited.function, base + ".1");
    EXPECT_EQ(vf.function, base + ".2");
    for (const IbPortView* port : {&fc, &limited, &vf})
      EXPECT_EQ(port->link_layer, "InfiniBand\n") << port->function;
    EXPECT_FALSE(fc.sm_disabled() || fc.zero_guid()) << "the FC PF's port qualifies";
    EXPECT_TRUE(limited.sm_disabled()) << "the Limited PF's port has IsSMDisabled";
    EXPECT_FALSE(vf.sm_disabled() || vf.zero_guid()) << "only its being a VF rules it out";
  }
  // The port the fabric launcher must pick: slot c0's FC PF, GUID 0x946dae030000c000.
  EXPECT_EQ(ports.at("mlx5_1").gid0, "fe80:0000:0000:0000:946d:ae03:0000:c000");
}

TEST(FakeInfinibandTree, RefusalVariantsHaveNoQualifyingManagementPort) {
  TempDir dir("ccinit-fake-ib");
  for (const std::string topology : {"nvl5-8gpu-sm-disabled", "nvl5-8gpu-zero-gid"}) {
    make_fake_infiniband_tree(topology, dir.path() + "/" + topology);
    for (const auto& [name, port] : read_ib_tree(dir.path() + "/" + topology)) {
      const bool management = port.function.starts_with("0000:c") && !port.function.ends_with(".2");
      if (management) {
        EXPECT_TRUE(port.sm_disabled() || port.zero_guid()) << topology << " " << name;
      }
    }
  }
  make_fake_infiniband_tree("cpu", dir.path() + "/cpu");
  EXPECT_TRUE(fs::is_empty(dir.path() + "/cpu"));
}

TEST(FakePciTree, UnknownTopologyIsRefusedByName) {
  TempDir dir("ccinit-fake-pci");
  ProgramRun run = run_program({make_fake_sysfs_path(), "3gpu", dir.path() + "/t"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("unknown topology '3gpu'"), std::string::npos) << run.err;
}

// --- ns-boot's GPU options --------------------------------------------------------------

class NsBootGpuOptionsTest : public GuestBootTest {};

TEST_F(NsBootGpuOptionsTest, GuestSeesTheFakePciTreeAndTheTdxDevice) {
  GpuGuest guest("cpu", "", "tdx");
  Boot boot = guest.boot(
      "nvrc.mode=cpu test.agent.action=cat:/sys/bus/pci/devices/0000:00:02.0/class"
      "+cat:/dev/tdx_guest+cat:/dev/sev-guest");
  EXPECT_EQ(boot.exit_code, 130) << boot.describe();
  EXPECT_EQ(boot.agent_file("/sys/bus/pci/devices/0000:00:02.0/class"), "0x010000\n")
      << boot.describe();
  EXPECT_TRUE(boot.agent_file("/dev/tdx_guest").has_value()) << boot.describe();
  EXPECT_EQ(boot.report()["cat_missing"], "/dev/sev-guest: ENOENT") << boot.describe();
}

TEST_F(NsBootGpuOptionsTest, GuestSeesTheSevGuestDevice) {
  GpuGuest guest("cpu", "", "sev-snp");
  Boot boot = guest.boot("nvrc.mode=cpu test.agent.action=cat:/dev/sev-guest");
  EXPECT_EQ(boot.exit_code, 130) << boot.describe();
  EXPECT_TRUE(boot.agent_file("/dev/sev-guest").has_value()) << boot.describe();
}

TEST_F(NsBootGpuOptionsTest, GuestSeesTheFakeInfinibandTreeLinkedToItsPciFunctions) {
  GpuGuest guest("nvl5-1gpu", "", "", Infiniband::kFromTopology);
  const std::string port = "/sys/class/infiniband/mlx5_1/ports/1/";
  Boot boot = guest.boot("nvrc.mode=cpu test.agent.action=cat:" + port + "cap_mask+cat:" + port +
                         "gids/0+cat:/sys/class/infiniband/mlx5_1/device/vendor");
  EXPECT_EQ(boot.exit_code, 130) << boot.describe();
  EXPECT_EQ(boot.agent_file(port + "cap_mask"), "0xa651e848\n") << boot.describe();
  EXPECT_EQ(boot.agent_file(port + "gids/0"), "fe80:0000:0000:0000:946d:ae03:0000:c000\n");
  // The device link resolves to the function in the fake PCI tree.
  EXPECT_EQ(boot.agent_file("/sys/class/infiniband/mlx5_1/device/vendor"), "0x15b3\n");
}

TEST(NsBootGpuOptions, UnknownCcGuestIsRefused) {
  ProgramRun run = run_program({bin_dir() + "/ns-boot", "--root", "/nonexistent", "--cmdline", "",
                                "--kmsg", "/tmp/k", "--sysctl-dir", "/tmp/s", "--cc-guest", "sgx"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("--cc-guest sgx: expected tdx or sev-snp"), std::string::npos) << run.err;
}

}  // namespace
}  // namespace ccinit::itest
