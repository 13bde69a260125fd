#include "helpers/runtime/manual_options.h"

namespace ccinit::helper {

namespace {

void set_flag(bool& flag, std::string_view name) {
  if (flag) throw UsageError("option " + std::string(name) + " given twice");
  flag = true;
}

// `--name VALUE` or `--name=VALUE` at args[i]; false when args[i] is another option.
bool take_value(std::span<const std::string_view> args, std::size_t& i, std::string_view name,
                std::optional<std::string>& value) {
  const std::string_view arg = args[i];
  const bool inline_value =
      arg.size() > name.size() && arg.starts_with(name) && arg[name.size()] == '=';
  if (arg != name && !inline_value) return false;
  if (value) throw UsageError("option " + std::string(name) + " given twice");
  if (inline_value) {
    value = std::string(arg.substr(name.size() + 1));
  } else {
    if (i + 1 == args.size()) throw UsageError("option " + std::string(name) + " needs a value");
    value = std::string(args[++i]);
  }
  return true;
}

}  // namespace

ManualOptions parse_manual_options(std::span<const std::string_view> args) {
  ManualOptions options;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg == "--dry-run") {
      set_flag(options.dry_run, arg);
    } else if (arg == "--learn") {
      set_flag(options.learn, arg);
    } else if (arg == "--print-policy") {
      set_flag(options.print_policy, arg);
    } else if (arg == "--print-bpf") {
      set_flag(options.print_bpf, arg);
    } else if (arg == "--help" || arg == "-h") {
      set_flag(options.help, arg);
    } else if (arg == "--after-fabric") {
      set_flag(options.after_fabric, arg);
    } else if (take_value(args, i, "--cmdline", options.cmdline) ||
               take_value(args, i, "--detected", options.detected)) {
      continue;
    } else if (arg.starts_with("-")) {
      throw UsageError("unknown option '" + std::string(arg) + "'");
    } else {
      throw UsageError("unexpected argument '" + std::string(arg) + "'");
    }
  }
  if (options.learn && (options.print_policy || options.print_bpf))
    throw UsageError(std::string("--learn runs the helper; it cannot go with ") +
                     (options.print_policy ? "--print-policy" : "--print-bpf"));
  return options;
}

std::string usage_line(std::string_view helper) {
  return "usage: " + std::string(helper) +
         " [--cmdline TEXT] [--detected TEXT] [--after-fabric] [--dry-run] [--learn] "
         "[--print-policy] [--print-bpf] [--help]";
}

}  // namespace ccinit::helper
