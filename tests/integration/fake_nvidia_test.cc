// The GPU test fixtures themselves: the fake NVIDIA tool, the fake PCI trees, and ns-boot's
// --pci-devices / --cc-guest. The GPU flow tests (boot_gpu_mode_test.cc) trust these.
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>

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
  static std::optional<std::string> receive(int sock, int timeout_ms) {
    pollfd pfd{sock, POLLIN, 0};
    if (::poll(&pfd, 1, timeout_ms) != 1) return std::nullopt;
    char buf[1024];
    ssize_t n = ::recv(sock, buf, sizeof buf, 0);
    return n < 0 ? std::nullopt : std::optional<std::string>(std::string(buf, n));
  }

  TempDir run_dir_{"ccinit-fake-run"};
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
  for (const char* tool : {"/bin/nvidia-smi", "/bin/nvidia-persistenced", "/bin/nv-hostengine",
                           "/bin/dcgm-exporter", "/bin/nvidia-ctk", "/sbin/modprobe"}) {
    EXPECT_EQ(read_text(guest_->root() + tool), read_text(bin_dir() + "/fake-nvidia-tool")) << tool;
    EXPECT_EQ(::access((guest_->root() + tool).c_str(), X_OK), 0) << tool;
  }
  EXPECT_EQ(read_text(guest_->root() + "/etc/fake-nvidia.conf"), "smi=fail\n");
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
  unsigned gpus = 0, nvswitches = 0, sw_mng = 0, mellanox = 0;
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

Counts count_tree(const std::string& tree) {
  Counts counts;
  for (const auto& entry : fs::directory_iterator(tree)) {
    const std::string vendor = attribute(entry.path(), "vendor");
    const unsigned klass = std::stoul(attribute(entry.path(), "class"), nullptr, 16);
    if (vendor == "0x10de" && klass >> 16 == 0x03) ++counts.gpus;
    if (vendor == "0x10de" && klass >> 8 == 0x0680) ++counts.nvswitches;
    if (vendor == "0x15b3") {
      ++counts.mellanox;
      const std::string at = entry.path() / "vpd";
      if (vpd_r_keywords(read_text(at), at)["V3"] == "SW_MNG") ++counts.sw_mng;
    }
  }
  return counts;
}

TEST(FakePciTree, EveryTopologyOfIssue4HasItsDeviceCounts) {
  TempDir dir("ccinit-fake-pci");
  const std::map<std::string, Counts> expected = {
      {"cpu", {0, 0, 0, 0}},
      {"1gpu", {1, 0, 0, 0}},
      {"8gpu", {8, 0, 0, 0}},
      {"8gpu-4nvswitch", {8, 4, 0, 0}},
      {"4nvswitch", {0, 4, 0, 0}},
      {"8gpu-4swmng", {8, 0, 4, 5}},  // plus one ordinary ConnectX NIC
      {"4swmng", {0, 0, 4, 5}},
      {"8gpu-2nvswitch", {8, 2, 0, 0}},
      {"4gpu-4nvswitch", {4, 4, 0, 0}},
      {"2swmng", {0, 0, 2, 2}},
      {"8gpu-4nvswitch-4swmng", {8, 4, 4, 4}},
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
                             << found.mellanox;
    // Other functions are there too, as on a real machine.
    EXPECT_EQ(attribute(fs::path(tree) / "0000:00:01.0", "vendor"), "0x1af4");
  }
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

TEST(NsBootGpuOptions, UnknownCcGuestIsRefused) {
  ProgramRun run = run_program({bin_dir() + "/ns-boot", "--root", "/nonexistent", "--cmdline", "",
                                "--kmsg", "/tmp/k", "--sysctl-dir", "/tmp/s", "--cc-guest", "sgx"});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("--cc-guest sgx: expected tdx or sev-snp"), std::string::npos) << run.err;
}

}  // namespace
}  // namespace ccinit::itest
