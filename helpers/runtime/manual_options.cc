#include "helpers/runtime/manual_options.h"

namespace ccinit::helper {

namespace {

void set_flag(bool& flag, std::string_view name) {
  if (flag) throw UsageError("option " + std::string(name) + " given twice");
  flag = true;
}

}  // namespace

ManualOptions parse_manual_options(std::span<const std::string_view> args) {
  static constexpr std::string_view kCmdline = "--cmdline";
  ManualOptions options;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg == "--dry-run") {
      set_flag(options.dry_run, arg);
    } else if (arg == "--print-policy") {
      set_flag(options.print_policy, arg);
    } else if (arg == "--print-bpf") {
      set_flag(options.print_bpf, arg);
    } else if (arg == "--help" || arg == "-h") {
      set_flag(options.help, arg);
    } else if (arg == kCmdline || arg.starts_with("--cmdline=")) {
      if (options.cmdline) throw UsageError("option --cmdline given twice");
      if (arg == kCmdline) {
        if (i + 1 == args.size()) throw UsageError("option --cmdline needs a value");
        options.cmdline = std::string(args[++i]);
      } else {
        options.cmdline = std::string(arg.substr(kCmdline.size() + 1));
      }
    } else if (arg.starts_with("-")) {
      throw UsageError("unknown option '" + std::string(arg) + "'");
    } else {
      throw UsageError("unexpected argument '" + std::string(arg) + "'");
    }
  }
  return options;
}

std::string usage_line(std::string_view helper) {
  return "usage: " + std::string(helper) +
         " [--cmdline TEXT] [--dry-run] [--print-policy] [--print-bpf] [--help]";
}

}  // namespace ccinit::helper
