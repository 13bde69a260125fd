#include "helpers/runtime/helper_main.h"

#include <unistd.h>

#include <climits>
#include <exception>
#include <string>
#include <vector>

#include "common/cmdline_config.h"
#include "common/detected_mode.h"
#include "common/file_io.h"
#include "common/gpu_extension.h"
#include "common/text_lines.h"
#include "helpers/runtime/capabilities.h"
#include "helpers/runtime/confinement_report.h"
#include "helpers/runtime/fd_check.h"
#include "helpers/runtime/learn_refusal.h"
#include "helpers/runtime/learn_supervisor.h"
#include "helpers/runtime/manual_options.h"
#include "helpers/runtime/reporter_sinks.h"
#include "helpers/runtime/seccomp_filter.h"
#include "proto/channel.h"

#if defined(__SANITIZE_ADDRESS__)
// LeakSanitizer stops the process with ptrace at exit, which the seccomp prologue kills:
// sanitizer builds of the helpers would all die of SIGSYS on their way out. (The sanitizer
// runtime's other calls are in the policy: policyc --sanitizer-rules.)
extern "C" const char* __asan_default_options() {
  return "detect_leaks=0";
}
#endif

namespace ccinit::helper {

namespace {

constexpr const char* kProcStatus = "/proc/self/status";

void write_line(int fd, const std::string& text) {
  try {
    write_all(fd, text + "\n");
  } catch (const std::exception&) {
    // Nowhere left to report to; the exit status still says it.
  }
}

// Installs the helper's seccomp program: install_seccomp_program, or under --learn the
// learn form handed to the supervisor (LearnSupervisor::install_in_child).
using FilterInstaller = std::function<void(std::span<const sock_filter>)>;

// Drops every capability but the helper's own, sets no_new_privs, then installs the seccomp
// filter: the last step before the helper's code, so everything after it is confined.
void confine(const HelperSpec& spec, const FilterInstaller& install = install_seccomp_program) {
  try {
    restrict_capabilities({spec.capabilities.begin(), spec.capabilities.end()});
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("cannot restrict capabilities: ") + e.what());
  }
  try {
    install(spec.policy.program);
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("cannot install the seccomp filter: ") + e.what());
  }
}

// Whether PID 1 will show a debug event: at nvrc.log=debug and above, or when the level is
// not known yet (the mounter runs before the command line is read; PID 1 holds its records
// until it knows the level). Reading /proc back for a line nobody sees is boot time wasted.
bool debug_shown(const wire::Request& request) {
  const wire::Config& config = request.config();
  return !config.log_level_set() || config.log_level() >= wire::LOG_DEBUG;
}

// Confines the process and, when `report`, reports the confinement as the kernel then sees it.
void confine_and_report(const HelperSpec& spec, bool report, Reporter& reporter,
                        const FilterInstaller& install = install_seccomp_program) {
  confine(spec, install);
  if (!report) return;
  const std::string caps = capability_names({spec.capabilities.begin(), spec.capabilities.end()});
  reporter.debug(describe_confinement(kProcStatus, caps));
}

int protocol_main(const HelperSpec& spec) {
  const std::string name(spec.name);
  try {
    check_protocol_fds(list_open_fds(), kRequestFd, kEventFd);
    set_cloexec(kRequestFd);
    set_cloexec(kEventFd);
  } catch (const std::exception& e) {
    write_line(STDERR_FILENO, name + ": refusing to start: " + e.what());
    return 1;
  }

  wire::HelperChannel channel(kRequestFd, kEventFd);
  wire::Request request;
  try {
    request = channel.receive_request();
  } catch (const std::exception& e) {
    write_line(STDERR_FILENO, name + ": protocol error: " + e.what());
    return 1;
  }
  ::close(kRequestFd);  // read to EOF; nothing else will ever come on it

  ChannelReporter reporter(channel);
  bool ok = false;
  std::string error;
  try {
    confine_and_report(spec, debug_shown(request), reporter);
    spec.run(request, reporter);
    ok = true;
  } catch (const std::exception& e) {
    error = e.what();
  }
  try {
    const auto& detected = reporter.detected();
    const auto& extensions = reporter.extensions();
    channel.send_result(ok, clip_event_text(error), detected ? &*detected : nullptr,
                        extensions ? &*extensions : nullptr);
  } catch (const std::exception& e) {
    write_line(STDERR_FILENO, name + ": cannot send the result: " + e.what() +
                                  (ok ? "" : " (the error was: " + error + ")"));
    return 1;
  }
  return ok ? 0 : 1;
}

// A person running the helper gets nothing from the shell's stray descriptors but leaks.
void close_inherited_fds() {
  if (::close_range(3, UINT_MAX, 0) == 0) return;
  for (int fd : list_open_fds()) {
    if (fd > 2) ::close(fd);
  }
}

std::string help_text(const HelperSpec& spec) {
  const std::string name(spec.name);
  const std::string caps =
      spec.capabilities.empty()
          ? "none"
          : capability_names({spec.capabilities.begin(), spec.capabilities.end()});
  return name + ": " + std::string(spec.summary) + "\n" + usage_line(name) +
         "\n"
         "  --cmdline TEXT   kernel command line to act on (default: /proc/cmdline)\n"
         "  --detected TEXT  the mode decision PID 1 relays to the helpers after\n"
         "                   gpu-configurator, as `gpu-configurator --dry-run` prints it after\n"
         "                   'detected: ' (fabric-launcher and --after-fabric act on it)\n"
         "  --after-fabric   gpu-configurator: the run after the fabric-launcher (the GPU\n"
         "                   daemons), on --detected\n"
         "  --dry-run        report what would be done and change nothing; confined like a\n"
         "                   real run, so it also proves the policy covers this path\n"
         "  --learn          for calibrating the policy on a real host: run (or, with\n"
         "                   --dry-run, dry-run) under the shipped policy, but a call it\n"
         "                   refuses, by the helper or any tool it starts, is recorded and\n"
         "                   goes on instead of killing; at the end print those calls as\n"
         "                   policy lines to review. Calls no policy may allow (ptrace, bpf,\n"
         "                   kexec, reboot) are answered EPERM. Refused when started by PID 1\n"
         "                   or when PID 1 is ccinit (a guest)\n"
         "  --print-policy   print the seccomp allow-list and a listing of its BPF program,\n"
         "                   and exit\n"
         "  --print-bpf      write the raw seccomp BPF program (struct sock_filter[]) to\n"
         "                   stdout, and exit\n"
         "  --help           print this text and exit\n"
         "The NVIDIA tools are taken from the GPU extension when /run/kata-extensions/gpu is a\n"
         "read-only mount, as in the boot.\n"
         "Capabilities kept: " +
         caps +
         "\n"
         "Without arguments the helper speaks the ccinit protocol: one request on fd 3, "
         "events on fd 4.\n";
}

wire::Request manual_request(const ManualOptions& options) {
  std::string cmdline;
  if (options.cmdline) {
    cmdline = *options.cmdline;
  } else {
    try {
      cmdline = read_file_if_exists("/proc/cmdline").value_or("");
    } catch (const std::exception&) {
      cmdline.clear();  // unreadable: act on the defaults, as documented in --help
    }
  }
  wire::Request request;
  *request.mutable_config() = parse_cmdline(trim_right(cmdline));
  request.set_dry_run(options.dry_run);
  if (options.detected) *request.mutable_detected() = parse_detected(*options.detected);
  if (options.after_fabric) request.set_stage(wire::STAGE_AFTER_FABRIC);
  // What PID 1 relays from the extensions helper, decided by the same rule, so a tool run by
  // hand on a live guest takes the same NVIDIA paths as the boot did.
  request.mutable_extensions()->set_gpu(nvidia::gpu_extension_in_use());
  return request;
}

// The manual run proper: confined with `install`, the helper's code, its result line.
int run_by_hand(const HelperSpec& spec, const ManualOptions& options,
                const FilterInstaller& install) {
  const std::string name(spec.name);
  ConsoleReporter reporter(name, STDOUT_FILENO);
  try {
    wire::Request request = manual_request(options);
    confine_and_report(spec, /*report=*/true, reporter, install);
    // What the helper acts on, as a person running it by hand needs to see it.
    for_each_line(describe_config(request.config()),
                  [&](std::string_view line) { reporter.debug("config: " + std::string(line)); });
    spec.run(request, reporter);
  } catch (const std::exception& e) {
    try {
      reporter.result(false, e.what());
    } catch (const std::exception&) {
    }
    return 1;
  }
  try {
    if (reporter.detected()) reporter.info("detected: " + describe_detected(*reporter.detected()));
    reporter.result(true, "");
  } catch (const std::exception&) {
    return 1;
  }
  return 0;
}

// --learn: the helper runs confined in a child; this process supervises it and reports.
int learn_main(const HelperSpec& spec, const ManualOptions& options) {
  const std::string name(spec.name);
  if (const auto why = why_learn_is_refused(::getppid())) {
    write_line(STDERR_FILENO, name + ": refusing --learn: " + *why);
    return 2;
  }
  try {
    LearnSupervisor supervisor(spec.policy);
    if (supervisor.fork_helper()) {
      return run_by_hand(spec, options, [&](std::span<const sock_filter> program) {
        supervisor.install_in_child(program);
      });
    }
    return supervisor.supervise(STDOUT_FILENO);
  } catch (const std::exception& e) {
    write_line(STDERR_FILENO, name + ": --learn: " + e.what());
    return 1;
  }
}

int manual_main(int argc, char** argv, const HelperSpec& spec) {
  const std::string name(spec.name);
  std::vector<std::string_view> args(argv + 1, argv + argc);
  ManualOptions options;
  try {
    options = parse_manual_options(args);
  } catch (const UsageError& e) {
    write_line(STDERR_FILENO, name + ": " + e.what() + "; " + usage_line(name));
    return 2;
  }
  close_inherited_fds();

  if (options.help) {
    try {
      write_all(STDOUT_FILENO, help_text(spec));
    } catch (const std::exception&) {
      return 1;
    }
    return 0;
  }
  if (options.print_policy) {
    try {
      write_all(STDOUT_FILENO, describe_seccomp_filter(spec.policy));
    } catch (const std::exception& e) {
      write_line(STDERR_FILENO, name + ": cannot describe the policy: " + e.what());
      return 1;
    }
    return 0;
  }
  if (options.print_bpf) {
    try {
      const auto program = spec.policy.program;
      write_all(STDOUT_FILENO, std::string_view(reinterpret_cast<const char*>(program.data()),
                                                program.size_bytes()));
    } catch (const std::exception& e) {
      write_line(STDERR_FILENO, name + ": cannot write the program: " + e.what());
      return 1;
    }
    return 0;
  }

  if (options.learn) return learn_main(spec, options);
  return run_by_hand(spec, options, install_seccomp_program);
}

}  // namespace

int helper_main(int argc, char** argv, const HelperSpec& spec) {
  if (argc <= 1) return protocol_main(spec);
  return manual_main(argc, argv, spec);
}

}  // namespace ccinit::helper
