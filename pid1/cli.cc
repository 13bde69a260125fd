#include "pid1/cli.h"

#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include "common/cmdline_config.h"
#include "common/file_io.h"
#include "common/sha256.h"
#include "common/sys_error.h"
#include "pid1/boot_plan.h"

namespace ccinit::pid1 {

namespace {

constexpr char kUsage[] =
    "usage: ccinit [--version | --help | --dry-run [--cmdline \"...\"]]\n"
    "As PID 1 of a guest, ccinit prepares the VM through confined helpers and hands off to\n"
    "kata-agent. Run any other way it changes nothing:\n"
    "  --version            print the version and the sha256 of this executable\n"
    "  --dry-run            validate the kernel command line and print the boot plan\n"
    "  --cmdline \"...\"      the command line to check (default: /proc/cmdline)\n";

int print_version() {
  std::string hash;
  try {
    hash = sha256_hex(read_file("/proc/self/exe"));
  } catch (const SysError& e) {
    std::fprintf(stderr, "ccinit: cannot hash /proc/self/exe: %s\n", e.what());
    return 1;
  }
  std::printf("ccinit version=%s sha256=%s\n", CCINIT_VERSION, hash.c_str());
  return 0;
}

int dry_run(const std::optional<std::string>& cmdline_arg) {
  try {
    std::string cmdline = cmdline_arg ? *cmdline_arg : read_file("/proc/cmdline");
    wire::Config config = parse_cmdline(cmdline);
    std::fputs(describe_plan(config).c_str(), stdout);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ccinit: %s\n", e.what());
    return 2;
  }
}

}  // namespace

int run_cli(int argc, char** argv) {
  bool want_dry_run = false;
  std::optional<std::string> cmdline;
  if (argc <= 1) return print_version();
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--version") return print_version();
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (arg == "--dry-run") {
      want_dry_run = true;
    } else if (arg == "--cmdline" && i + 1 < argc) {
      cmdline = argv[++i];
    } else {
      std::fprintf(stderr, "ccinit: unknown argument '%s'\n%s", argv[i], kUsage);
      return 2;
    }
  }
  if (!want_dry_run) {
    std::fprintf(stderr, "ccinit: --cmdline goes with --dry-run\n%s", kUsage);
    return 2;
  }
  return dry_run(cmdline);
}

}  // namespace ccinit::pid1
