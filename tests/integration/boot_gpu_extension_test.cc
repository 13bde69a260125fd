// The GPU extension as PID 1 boots it: the NVIDIA tools, libraries, firmware and fabric files
// in an EROFS image mounted read-only at /run/kata-extensions/gpu (ns-boot --gpu-extension;
// the dm-verity part is the VM tests'), the base image without them. The real extensions
// helper finds it, binds its firmware and a linker cache built by the real /sbin/ldconfig,
// and reports it; gpu-configurator and fabric-launcher run every NVIDIA tool from it; the
// agent gets KATA_ATTESTER_VARIANT=nvidia.
#include <string>
#include <vector>

#include "common/gpu_extension.h"
#include "tests/integration/gpu_guest.h"

namespace ccinit::itest {
namespace {

using Calls = std::vector<std::string>;

const std::string kRoot = "/run/kata-extensions/gpu";
const std::string kCallsLog = "/run/fake-nvidia/calls.log";
const std::string kFirmware = std::string("/lib/firmware/nvidia/") + GpuGuest::kFirmwareFile;
const std::string kShow =
    "test.agent.action=cat:" + kCallsLog + "+cat:" + kFirmware + "+cat:/etc/ld.so.cache";
const std::string kCtk = kRoot +
                         "/bin/nvidia-ctk cdi generate --output=/var/run/cdi/nvidia.yaml "
                         "--driver-root=" +
                         kRoot + " --dev-root=/ --nvidia-cdi-hook-path=" + kRoot +
                         "/bin/nvidia-cdi-hook";
const std::string kPersistenced =
    kRoot + "/bin/nvidia-persistenced --verbose --uvm-persistence-mode";
const std::string kModprobe = "/sbin/modprobe --dirname " + kRoot;

class GpuExtensionBootTest : public GuestBootTest {
 protected:
  // The agent ran with the attester variant the GPU extension implies, saw the extension's
  // firmware at /lib/firmware/nvidia and a linker cache naming the extension's library.
  static void expect_extension_in_place(const Boot& boot) {
    EXPECT_EQ(boot.exit_code, 130) << boot.describe();
    ASSERT_TRUE(boot.agent_reported()) << boot.describe();
    EXPECT_EQ(boot.power_off_lines(),
              std::vector<std::string>{power_off_line(7, "kata-agent exited with status 0")})
        << boot.describe();
    const auto report = boot.report();
    ASSERT_TRUE(report.count("env")) << boot.describe();
    EXPECT_NE(report.at("env").find("KATA_ATTESTER_VARIANT=nvidia"), std::string::npos)
        << report.at("env");
    EXPECT_EQ(boot.agent_file(kFirmware), GpuGuest::kFirmwareText) << boot.describe();
    const std::optional<std::string> cache = boot.agent_file("/etc/ld.so.cache");
    ASSERT_TRUE(cache.has_value()) << boot.describe();
    EXPECT_NE(cache->find(kRoot + "/usr/lib/" + nvidia::kLibTriplet + "/libz.so.1"),
              std::string::npos)
        << "the linker cache does not list the extension's library";
    bool logged = false;
    for (const std::string& line : boot.kmsg_lines())
      logged |= line.find("extensions: none mounted; NVIDIA driver from the GPU extension") !=
                std::string::npos;
    EXPECT_TRUE(logged) << boot.describe();
  }
};

TEST_F(GpuExtensionBootTest, GpuModeRunsEveryNvidiaToolFromTheExtension) {
  GpuGuest guest("1gpu", "");
  guest.move_nvidia_into_gpu_extension();
  Boot boot = guest.boot("nvrc.log=debug nvrc.dcgm=on " + kShow);
  expect_extension_in_place(boot);
  // The base image has none of these tools: each ran from the extension, in this order.
  EXPECT_EQ(
      spawned_commands(boot),
      (Calls{kModprobe + " nvidia NVreg_NvLinkDisable=1", kModprobe + " nvidia-uvm", kPersistenced,
             kRoot + "/bin/nv-hostengine --service-account nvidia-dcgm --home-dir /tmp",
             kRoot + "/bin/dcgm-exporter -r localhost:5555 -f " + kRoot +
                 "/etc/dcgm-exporter/default-counters.csv",
             kCtk}))
      << boot.describe();
  EXPECT_EQ(guest.calls().size(), 6u) << boot.describe();
}

TEST_F(GpuExtensionBootTest, Nvl4FabricManagerRunsFromTheExtensionWithItsTopology) {
  GpuGuest guest("nvl4-8gpu", "gpus=8\n");
  guest.move_nvidia_into_gpu_extension();
  Boot boot = guest.boot("nvrc.log=debug " + kShow);
  expect_extension_in_place(boot);
  EXPECT_EQ(spawned_commands(boot, "fabric-launcher"),
            Calls{kRoot + "/bin/nv-fabricmanager -c /run/fabricmanager.cfg"})
      << boot.describe();
  // The fabric-state queries are not logged; the base image has no nvidia-smi, so this one
  // ran from the extension too.
  EXPECT_EQ(guest.calls(), (Calls{"modprobe --dirname " + kRoot + " nvidia",
                                  "modprobe --dirname " + kRoot + " nvidia-uvm",
                                  "nv-fabricmanager -c /run/fabricmanager.cfg", "nvidia-smi -q",
                                  "nvidia-persistenced --verbose --uvm-persistence-mode",
                                  "nvidia-ctk cdi generate --output=/var/run/cdi/nvidia.yaml "
                                  "--driver-root=" +
                                      kRoot + " --dev-root=/ --nvidia-cdi-hook-path=" + kRoot +
                                      "/bin/nvidia-cdi-hook"}))
      << boot.describe();
  EXPECT_EQ(spawned_commands(boot),
            (Calls{kModprobe + " nvidia", kModprobe + " nvidia-uvm", kPersistenced, kCtk}))
      << boot.describe();
  // Written from the extension's stock file, pointing FM at the extension's topology files.
  const std::optional<std::string> config = guest.kept_file("fabricmanager.cfg");
  ASSERT_TRUE(config.has_value()) << boot.describe();
  EXPECT_NE(config->find("\nTOPOLOGY_FILE_PATH=" + kRoot + "/usr/share/nvidia/nvswitch\n"),
            std::string::npos)
      << *config;
}

// Without the extension the same guest keeps today's paths and the agent no attester
// variant; with it, even a CPU boot hands the agent the variant (the GPU extension is in use
// whatever the mode, as with NVRC).
TEST_F(GpuExtensionBootTest, TheAttesterVariantFollowsTheExtension) {
  GpuGuest guest("1gpu", "");
  Boot without = guest.boot("nvrc.mode=cpu");
  ASSERT_TRUE(without.agent_reported()) << without.describe();
  EXPECT_EQ(without.report().at("env").find("KATA_ATTESTER_VARIANT"), std::string::npos)
      << without.report().at("env");
  guest.move_nvidia_into_gpu_extension();
  Boot with = guest.boot("nvrc.mode=cpu nvrc.log=info " + kShow);
  expect_extension_in_place(with);
}

}  // namespace
}  // namespace ccinit::itest
