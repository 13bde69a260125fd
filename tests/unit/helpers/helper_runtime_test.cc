// The pieces of the helper runtime that need no built helper: option parsing, the
// confinement line, and the two event sinks.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <array>
#include <string>

#include "common/file_io.h"
#include "common/pipe.h"
#include "common/unique_fd.h"
#include "helpers/runtime/confinement_report.h"
#include "helpers/runtime/manual_options.h"
#include "helpers/runtime/reporter_sinks.h"
#include "proto/channel.h"

namespace ccinit::helper {
namespace {

ManualOptions parse(std::initializer_list<std::string_view> args) {
  std::vector<std::string_view> v(args);
  return parse_manual_options(v);
}

std::string usage_error(std::initializer_list<std::string_view> args) {
  try {
    parse(args);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

// Closes the write end and returns everything written to the pipe.
std::string drain(Pipe& pipe) {
  pipe.write_end.reset();
  return read_all(pipe.read_end.get());
}

TEST(ManualOptions, ParsesEveryOption) {
  ManualOptions o = parse({"--dry-run", "--cmdline", "nvrc.log=debug quiet"});
  EXPECT_TRUE(o.dry_run);
  EXPECT_EQ(o.cmdline, "nvrc.log=debug quiet");
  EXPECT_FALSE(o.print_policy);
  EXPECT_FALSE(o.print_bpf);
  EXPECT_FALSE(o.help);

  o = parse({"--cmdline=", "--print-policy", "--print-bpf", "--help"});
  EXPECT_EQ(o.cmdline, "");
  EXPECT_TRUE(o.print_policy);
  EXPECT_TRUE(o.print_bpf);
  EXPECT_TRUE(o.help);
  EXPECT_FALSE(parse({"--dry-run"}).cmdline.has_value());

  o = parse({"--detected", "gpu: 1 GPU(s)", "--after-fabric"});
  EXPECT_EQ(o.detected, "gpu: 1 GPU(s)");
  EXPECT_TRUE(o.after_fabric);
  EXPECT_EQ(parse({"--detected=cpu: 0 GPU(s)"}).detected, "cpu: 0 GPU(s)");
  EXPECT_FALSE(parse({"--dry-run"}).detected.has_value());
  EXPECT_FALSE(parse({"--dry-run"}).after_fabric);
}

TEST(ManualOptions, RefusesWhatItDoesNotKnow) {
  EXPECT_EQ(usage_error({"--bogus"}), "unknown option '--bogus'");
  EXPECT_EQ(usage_error({"proc"}), "unexpected argument 'proc'");
  EXPECT_EQ(usage_error({"--cmdline"}), "option --cmdline needs a value");
  EXPECT_EQ(usage_error({"--dry-run", "--dry-run"}), "option --dry-run given twice");
  EXPECT_EQ(usage_error({"--print-bpf", "--print-bpf"}), "option --print-bpf given twice");
  EXPECT_EQ(usage_error({"--cmdline=a", "--cmdline", "b"}), "option --cmdline given twice");
  EXPECT_EQ(usage_error({"--detected"}), "option --detected needs a value");
  EXPECT_EQ(usage_error({"--detected=a", "--detected=b"}), "option --detected given twice");
  EXPECT_EQ(usage_error({"--detectedx"}), "unknown option '--detectedx'");
  EXPECT_EQ(usage_error({"--after-fabric", "--after-fabric"}), "option --after-fabric given twice");
  EXPECT_EQ(usage_line("lockdown"),
            "usage: lockdown [--cmdline TEXT] [--detected TEXT] [--after-fabric] [--dry-run] "
            "[--learn] [--print-policy] [--print-bpf] [--help]");
}

TEST(ConfinementReport, ReadsTheFieldsBack) {
  const std::string status =
      "Name:\tmounter\nNoNewPrivs:\t1\nSeccomp:\t2\nSeccomp_filters:\t1\n"
      "CapInh:\t0000000000000000\nCapEff:\t0000000000201000\nCapBnd:\t0000000000201000\n";
  EXPECT_EQ(summarize_proc_status(status),
            "confinement: Seccomp=2 NoNewPrivs=1 CapEff=0000000000201000 CapBnd=0000000000201000");
  EXPECT_EQ(summarize_proc_status("Name:\tx\n"),
            "confinement: Seccomp=? NoNewPrivs=? CapEff=? CapBnd=?");
}

TEST(ConfinementReport, SaysSoWhenProcIsMissing) {
  EXPECT_EQ(describe_confinement("/no/proc/self/status", "cap_sys_admin"),
            "confinement: seccomp filter loaded, no_new_privs set, capabilities kept: "
            "cap_sys_admin (/no/proc/self/status not available to read it back)");
  std::string line = describe_confinement("/proc/self/status", "");
  EXPECT_EQ(line.rfind("confinement: Seccomp=0 NoNewPrivs=", 0), 0u) << line;
  EXPECT_NE(line.find("(capabilities kept: none)"), std::string::npos) << line;
}

TEST(ConsoleReporter, PrintsReadableLines) {
  Pipe out = make_pipe();
  ConsoleReporter reporter("mounter", out.write_end.get());
  reporter.progress("mount-proc", false);
  reporter.info("mounted proc on /proc (nosuid,noexec,nodev,relatime)");
  reporter.progress("mount-proc", true);
  reporter.debug("d");
  reporter.warn("w");
  reporter.error("e");
  reporter.daemon_started("nv-hostengine", 42);
  reporter.result(false, "mount tmpfs on /run: Operation not permitted");
  reporter.result(true, "");
  EXPECT_EQ(drain(out),
            "mounter: step mount-proc ...\n"
            "mounter: info: mounted proc on /proc (nosuid,noexec,nodev,relatime)\n"
            "mounter: step mount-proc ... done\n"
            "mounter: debug: d\n"
            "mounter: warn: w\n"
            "mounter: error: e\n"
            "mounter: daemon nv-hostengine started (pid 42)\n"
            "mounter: failed: mount tmpfs on /run: Operation not permitted\n"
            "mounter: ok\n");
}

TEST(ChannelReporter, SendsFramedEventsPidOneCanDecode) {
  Pipe requests = make_pipe(), events = make_pipe();
  wire::HelperChannel channel(requests.read_end.get(), events.write_end.get());
  ChannelReporter reporter(channel);
  reporter.info("hello");
  reporter.progress("step-a", true);
  reporter.daemon_started("d", 7);
  reporter.info(std::string(100 * 1024, 'x'));  // clipped, not a protocol error
  channel.send_result(true, "");

  wire::EventStream stream;
  auto decoded = stream.feed(drain(events));
  stream.end_of_stream();
  ASSERT_EQ(decoded.size(), 5u);
  EXPECT_EQ(decoded[0].log().level(), wire::LOG_INFO);
  EXPECT_EQ(decoded[0].log().text(), "hello");
  EXPECT_EQ(decoded[1].progress().step(), "step-a");
  EXPECT_TRUE(decoded[1].progress().done());
  EXPECT_EQ(decoded[2].daemon().pid(), 7);
  EXPECT_EQ(decoded[3].log().text().size(), kMaxEventText);
  EXPECT_TRUE(decoded[3].log().text().ends_with("[... cut]"));
  ASSERT_TRUE(stream.result().has_value());
  EXPECT_TRUE(stream.result()->ok());
}

TEST(ClipEventText, NeverCutsAUtf8CharacterInHalf) {
  // "é" is two bytes, "€" three: place each so the plain cut would fall inside it.
  static constexpr std::string_view kMark = " [... cut]";
  const std::size_t cut = kMaxEventText - kMark.size();
  for (std::string_view ch : {std::string_view("\xc3\xa9"), std::string_view("\xe2\x82\xac")}) {
    for (std::size_t into = 1; into < ch.size(); ++into) {
      std::string text(cut - into, 'a');
      text += ch;
      text += std::string(100, 'b');
      const std::string clipped = clip_event_text(text);
      EXPECT_EQ(clipped, std::string(cut - into, 'a') + std::string(kMark)) << into;
    }
  }
  // A cut between two whole characters keeps both.
  std::string text(cut - 2, 'a');
  text += "\xc3\xa9\xc3\xa9";
  EXPECT_EQ(clip_event_text(text + std::string(100, 'b')),
            std::string(cut - 2, 'a') + "\xc3\xa9" + std::string(kMark));
}

TEST(ClipEventText, LeavesShortTextAlone) {
  EXPECT_EQ(clip_event_text("abc"), "abc");
  EXPECT_EQ(clip_event_text(std::string(kMaxEventText, 'y')), std::string(kMaxEventText, 'y'));
}

}  // namespace
}  // namespace ccinit::helper
