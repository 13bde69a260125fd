// The built helpers, run by hand and through the protocol PID 1 speaks.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "common/helper_table.h"
#include "helpers/gpu-configurator/pci_topology.h"
#include "proto/channel.h"
#include "tests/unit/helpers/helper_process.h"

namespace ccinit::testing {
namespace {

// Every helper of helpers/helpers.table.
std::vector<std::string> helper_names() {
  std::vector<std::string> names;
  for (const HelperInfo& helper : ccinit::kHelpers) names.emplace_back(helper.name);
  return names;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The value of `Key=` in the confinement line, e.g. CapEff.
std::string confinement_field(const std::string& text, const std::string& key) {
  std::size_t line = text.find("confinement: Seccomp=");
  if (line == std::string::npos) return "";
  std::size_t at = text.find(" " + key + "=", line);
  if (at == std::string::npos) return "";
  at += key.size() + 2;
  return text.substr(at, text.find_first_of(" \n", at) - at);
}

std::uint64_t hex_mask(const std::string& text) {
  return std::stoull(text, nullptr, 16);
}

// What the capability sets may hold at most, by helper (CAP_SYS_ADMIN 21, CAP_NET_ADMIN 12,
// CAP_SYS_MODULE 16).
std::uint64_t allowed_caps(const std::string& helper) {
  if (helper == "mounter") return (1ull << 21) | (1ull << 12);
  if (helper == "lockdown") return (1ull << 21) | (1ull << 16);
  // CAP_CHOWN, CAP_SETGID, CAP_SETUID, CAP_SYS_MODULE, CAP_SYS_ADMIN, CAP_MKNOD
  if (helper == "gpu-configurator")
    return (1ull << 0) | (1ull << 6) | (1ull << 7) | (1ull << 16) | (1ull << 21) | (1ull << 27);
  // CAP_SYS_ADMIN, CAP_MKNOD; never CAP_SYS_MODULE.
  if (helper == "fabric-launcher") return (1ull << 21) | (1ull << 27);
  // CAP_SYS_ADMIN, CAP_MKNOD, CAP_SYS_MODULE
  if (helper == "extensions") return (1ull << 21) | (1ull << 27) | (1ull << 16);
  return 0;
}

struct DecodedEvents {
  std::vector<wire::Event> events;
  std::optional<wire::Result> result;
  std::string error;  // a protocol error in the stream, if any
};

DecodedEvents decode(const std::string& bytes) {
  DecodedEvents decoded;
  wire::EventStream stream;
  try {
    decoded.events = stream.feed(bytes);
    stream.end_of_stream();
  } catch (const std::exception& e) {
    decoded.error = e.what();
  }
  decoded.result = stream.result();
  return decoded;
}

bool has_progress(const DecodedEvents& d, const std::string& step, bool done) {
  for (const auto& e : d.events)
    if (e.has_progress() && e.progress().step() == step && e.progress().done() == done) return true;
  return false;
}

const wire::LogRecord* find_log(const DecodedEvents& d, const std::string& prefix) {
  for (const auto& e : d.events)
    if (e.has_log() && e.log().text().rfind(prefix, 0) == 0) return &e.log();
  return nullptr;
}

TEST(HelperCli, HelpDescribesTheHelperAndExitsZero) {
  for (const std::string& helper : helper_names()) {
    SCOPED_TRACE(helper);
    HelperRun run = run_manual(helper, {"--help"});
    EXPECT_TRUE(run.exited_with(0)) << run.describe();
    EXPECT_TRUE(contains(
        run.out, std::string("usage: ") + helper +
                     " [--cmdline TEXT] [--detected TEXT] [--after-fabric] [--dry-run] [--learn] "
                     "[--print-policy] [--print-bpf] [--help]"))
        << run.out;
    EXPECT_TRUE(contains(run.out, "Capabilities kept: ")) << run.out;
  }
  EXPECT_TRUE(contains(run_manual("mounter", {"--help"}).out,
                       "Capabilities kept: cap_sys_admin,cap_net_admin\n"));
  EXPECT_TRUE(contains(run_manual("gpu-configurator", {"--help"}).out,
                       "Capabilities kept: cap_sys_module,cap_sys_admin,cap_mknod,cap_setuid,"
                       "cap_setgid,cap_chown\n"));
  EXPECT_TRUE(contains(run_manual("lockdown", {"--help"}).out, "cap_sys_module"));
}

TEST(HelperCli, UnknownFlagIsAOneLineUsageErrorWithStatusTwo) {
  for (const std::string& helper : helper_names()) {
    SCOPED_TRACE(helper);
    HelperRun run = run_manual(helper, {"--dry-run", "--bogus"});
    EXPECT_TRUE(run.exited_with(2)) << run.describe();
    EXPECT_EQ(run.err, std::string(helper) + ": unknown option '--bogus'; usage: " + helper +
                           " [--cmdline TEXT] [--detected TEXT] [--after-fabric] [--dry-run] "
                           "[--learn] [--print-policy] [--print-bpf] [--help]\n");
    EXPECT_EQ(run.out, "");
  }
  HelperRun missing = run_manual("mounter", {"--cmdline"});
  EXPECT_TRUE(missing.exited_with(2)) << missing.describe();
  EXPECT_TRUE(contains(missing.err, "option --cmdline needs a value")) << missing.err;
}

TEST(HelperCli, PrintPolicyShowsTheAllowList) {
  // A rule each helper's own policy adds beyond the runtime baseline.
  const std::pair<const char*, const char*> own_rules[] = {
      {"mounter", "SIOCSIFFLAGS"},
      {"lockdown", "O_WRONLY"},
      {"gpu-configurator", "getdents64"},
  };
  for (const auto& [helper, rule] : own_rules) {
    SCOPED_TRACE(helper);
    HelperRun run = run_manual(helper, {"--print-policy"});
    EXPECT_TRUE(run.exited_with(0)) << run.describe();
    EXPECT_TRUE(contains(run.out, rule)) << run.out;
    EXPECT_TRUE(contains(run.out, "exit_group")) << "the runtime baseline is included";
  }
  // Mounting is the mounter's alone.
  EXPECT_FALSE(contains(run_manual("gpu-configurator", {"--print-policy"}).out, "mount"));
  EXPECT_FALSE(contains(run_manual("fabric-launcher", {"--print-policy"}).out, "mount"));
}

// Dry runs are confined like real runs, so these prove each policy covers the dry-run path.
TEST(HelperDryRun, MounterSaysWhatItWouldDoUnderItsPolicy) {
  HelperRun run = run_manual("mounter", {"--dry-run", "--cmdline", ""});
  ASSERT_TRUE(run.exited_with(0)) << run.describe();
  EXPECT_TRUE(contains(run.out, "mounter: step mount-proc ...\n")) << run.out;
  EXPECT_TRUE(contains(run.out, "mounter: step mount-proc ... done\n")) << run.out;
  // /proc is mounted on a running system: the plan must notice without mounting again.
  EXPECT_TRUE(contains(run.out,
                       "mounter: info: skipped proc on /proc: /proc is already a mount "
                       "point\n"))
      << run.out;
  EXPECT_TRUE(contains(run.out,
                       "mounter: info: would write 16777216 to "
                       "/proc/sys/net/core/wmem_max\n"))
      << run.out;
  EXPECT_EQ(run.out_lines().back(), "mounter: ok");
}

TEST(HelperDryRun, EachHelperIsConfined) {
  for (const std::string& helper : helper_names()) {
    SCOPED_TRACE(helper);
    HelperRun run = run_manual(helper, {"--dry-run", "--cmdline", ""});
    EXPECT_EQ(confinement_field(run.out, "Seccomp"), "2") << run.describe();
    EXPECT_EQ(confinement_field(run.out, "NoNewPrivs"), "1") << run.describe();
    std::string eff = confinement_field(run.out, "CapEff");
    std::string bnd = confinement_field(run.out, "CapBnd");
    ASSERT_FALSE(eff.empty() || bnd.empty()) << run.describe();
    EXPECT_EQ(hex_mask(eff) & ~allowed_caps(helper), 0u) << eff;
    EXPECT_EQ(hex_mask(bnd) & ~allowed_caps(helper), 0u) << bnd;
  }
}

TEST(HelperDryRun, LockdownOnlyReports) {
  HelperRun run = run_manual("lockdown", {"--dry-run", "--cmdline", ""});
  ASSERT_TRUE(run.exited_with(0)) << run.describe();
  EXPECT_TRUE(contains(run.out, "lockdown: step disable-module-loading ... done\n")) << run.out;
  EXPECT_TRUE(contains(run.out, "lockdown: step disable-kexec ... done\n")) << run.out;
  EXPECT_EQ(run.out_lines().back(), "lockdown: ok");
}

TEST(HelperDryRun, GpuConfiguratorDetectsThisMachine) {
  gpu::PciTopology here = gpu::scan_pci_topology("/sys");
  HelperRun run = run_manual("gpu-configurator", {"--dry-run", "--cmdline", ""});
  if (here == gpu::PciTopology{}) {
    EXPECT_TRUE(run.exited_with(0)) << run.describe();
    EXPECT_TRUE(contains(run.out, "gpu-configurator: info: no NVIDIA GPU or NVSwitch: cpu mode\n"))
        << run.out;
    EXPECT_EQ(run.out_lines().back(), "gpu-configurator: ok");
  } else {
    EXPECT_TRUE(contains(run.out, "gpu-configurator: info: would run: /sbin/modprobe nvidia"))
        << run.out;
  }
}

TEST(HelperDryRun, BadCommandLineFailsBeforeAnythingIsDone) {
  HelperRun run = run_manual("mounter", {"--dry-run", "--cmdline", "quiet nvrc.mode=bogus"});
  EXPECT_TRUE(run.exited_with(1)) << run.describe();
  ASSERT_EQ(run.out_lines().size(), 1u) << run.out;
  EXPECT_EQ(run.out_lines()[0].rfind("mounter: failed: nvrc.mode=bogus: ", 0), 0u) << run.out;
}

TEST(HelperDryRun, ShowsTheConfigItActsOn) {
  HelperRun run = run_manual("gpu-configurator", {"--dry-run", "--cmdline", "nvrc.mode=cpu"});
  EXPECT_TRUE(run.exited_with(0)) << run.describe();
  EXPECT_TRUE(contains(run.out, "gpu-configurator: debug: config: nvrc.mode=cpu\n")) << run.out;
  EXPECT_TRUE(contains(run.out, "gpu-configurator: info: nvrc.mode=cpu: nothing to configure\n"))
      << run.out;
}

TEST(HelperDryRun, FabricLauncherRefuses) {
  HelperRun run = run_manual("fabric-launcher", {"--cmdline", ""});
  EXPECT_TRUE(run.exited_with(1)) << run.describe();
  EXPECT_EQ(run.out_lines().back(),
            "fabric-launcher: failed: no mode decision in the request: the fabric-launcher acts on "
            "the mode gpu-configurator detected, which PID 1 relays, and cannot detect it itself "
            "(run it through `ccinit --dry-run`)");
}

TEST(HelperProtocol, OneRequestInEventsAndOneResultOut) {
  HelperRun run = run_protocol("mounter", {.request_bytes = request_frame(/*dry_run=*/true)});
  ASSERT_TRUE(run.exited_with(0)) << run.describe();
  DecodedEvents d = decode(run.events);
  EXPECT_EQ(d.error, "");
  ASSERT_TRUE(d.result.has_value());
  EXPECT_TRUE(d.result->ok()) << d.result->error();
  EXPECT_TRUE(d.events.back().has_result());
  EXPECT_TRUE(has_progress(d, "mount-proc", false));
  EXPECT_TRUE(has_progress(d, "sysctl-net-core-wmem_max", true));
  const wire::LogRecord* confinement = find_log(d, "confinement: Seccomp=2 NoNewPrivs=1 ");
  ASSERT_NE(confinement, nullptr);
  EXPECT_EQ(confinement->level(), wire::LOG_DEBUG);
  EXPECT_EQ(run.out, "");  // protocol mode says everything through events
}

TEST(HelperProtocol, FailureIsReportedAsTheResult) {
  HelperRun run = run_protocol("fabric-launcher", {.request_bytes = request_frame(false)});
  EXPECT_TRUE(run.exited_with(1)) << run.describe();
  DecodedEvents d = decode(run.events);
  ASSERT_TRUE(d.result.has_value()) << d.error;
  EXPECT_FALSE(d.result->ok());
  EXPECT_EQ(d.result->error(),
            "no mode decision in the request: the fabric-launcher acts on the mode "
            "gpu-configurator detected, which PID 1 relays, and cannot detect it itself (run it "
            "through `ccinit --dry-run`)");
}

TEST(HelperProtocol, ExtraOpenDescriptorIsRefused) {
  HelperRun run =
      run_protocol("gpu-configurator", {.request_bytes = request_frame(true), .extra_fd = true});
  EXPECT_TRUE(run.exited_with(1)) << run.describe();
  EXPECT_EQ(run.events, "") << "nothing may be done before the descriptors are checked";
  EXPECT_TRUE(contains(run.err, "gpu-configurator: refusing to start: unexpected open fd 5"))
      << run.err;
}

TEST(HelperProtocol, RequestThatIsNotAPipeIsRefused) {
  HelperRun run = run_protocol("lockdown", {.request_bytes = "", .request_not_pipe = true});
  EXPECT_TRUE(run.exited_with(1)) << run.describe();
  EXPECT_EQ(run.events, "");
  EXPECT_TRUE(contains(run.err, "lockdown: refusing to start: fd 3 (request pipe): not a pipe"))
      << run.err;
}

TEST(HelperProtocol, SecondRequestIsRefused) {
  HelperRun run =
      run_protocol("lockdown", {.request_bytes = request_frame(true) + request_frame(true)});
  EXPECT_TRUE(run.exited_with(1)) << run.describe();
  EXPECT_EQ(run.events, "") << "a refused request must not be acted on";
  EXPECT_TRUE(contains(run.err, "lockdown: protocol error: a second request arrived")) << run.err;
}

TEST(HelperProtocol, MissingOrBrokenRequestIsRefused) {
  HelperRun none = run_protocol("lockdown", {.request_bytes = ""});
  EXPECT_TRUE(none.exited_with(1)) << none.describe();
  EXPECT_TRUE(contains(none.err, "lockdown: protocol error: no request")) << none.err;

  std::string truncated = request_frame(true);
  truncated.pop_back();
  HelperRun cut = run_protocol("lockdown", {.request_bytes = truncated});
  EXPECT_TRUE(cut.exited_with(1)) << cut.describe();
  EXPECT_TRUE(contains(cut.err, "lockdown: protocol error: bad request frame")) << cut.err;

  HelperRun oversized =
      run_protocol("lockdown", {.request_bytes = std::string("\xff\xff\xff\x7f")});
  EXPECT_TRUE(oversized.exited_with(1)) << oversized.describe();
  EXPECT_TRUE(contains(oversized.err, "lockdown: protocol error:")) << oversized.err;
  EXPECT_EQ(oversized.events, "");
}

}  // namespace
}  // namespace ccinit::testing
