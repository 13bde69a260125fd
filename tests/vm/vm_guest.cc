#include "tests/vm/vm_guest.h"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <regex>
#include <sstream>
#include <stdexcept>

#include "common/file_io.h"
#include "policy/policy_parser.h"
#include "policy/review/observation.h"
#include "tests/testlib/agent_report.h"
#include "tests/testlib/observation_dir.h"
#include "tests/testlib/paths.h"
#include "tests/testlib/run_program.h"
#include "tests/testlib/temp_dir.h"
#include "tests/testlib/text.h"

namespace ccinit::vmtest {

namespace {

namespace fs = std::filesystem;
using ::ccinit::testing::split_lines;

const std::string kImageDir = CCINIT_BINARY_DIR "/vm-images";

std::string image_path(Image image) {
  return kImageDir + (image == Image::kShipped ? "/ccinit.cpio.gz" : "/bad-helper.cpio.gz");
}

std::string format_seconds(double seconds) {
  std::ostringstream text;
  text << seconds;
  return text.str();
}

constexpr std::string_view kObservePrefix = "ccinit-observe: ";
constexpr const char* kObserveInit = "/usr/libexec/ccinit-test/observe-init";

// Where this boot's observation goes, or "" when it is not observed.
std::string observation_file_for(const VmOptions& options) {
  if (options.observation_file) return *options.observation_file;
  return options.observe_when_asked ? ::ccinit::testing::new_observation_file("vm") : "";
}

}  // namespace

std::string merge_observation(const std::vector<std::string>& console,
                              std::vector<std::string>& errors) {
  std::vector<policy::review::ObservedCall> calls;
  for (std::size_t number = 0; number < console.size(); ++number) {
    const std::string& line = console[number];
    const auto at = line.find(kObservePrefix);
    if (at == std::string::npos) continue;
    const std::string entry = line.substr(at + kObservePrefix.size());
    if (entry.starts_with("#")) {
      errors.push_back(entry);
      continue;
    }
    try {
      calls.push_back(
          policy::review::parse_observation_line(entry, "console", static_cast<int>(number + 1)));
    } catch (const policy::PolicyError&) {
      errors.push_back("# garbled: " + entry);  // e.g. a kernel record cut into it
    }
  }
  std::string text = policy::review::observation_text(calls);
  for (const auto& error : errors) text += error + "\n";
  return text;
}

std::optional<std::string> cannot_boot_vms() {
  if (::geteuid() != 0) return "VM tests need root (the images hold device nodes)";
  for (const char* name : {"/ccinit.cpio.gz", "/bad-helper.cpio.gz", "/modules.cpio.gz",
                           "/quiet-agent.cpio.gz", "/observe.cpio.gz"})
    if (!fs::exists(kImageDir + name))
      return kImageDir + name + " is missing: the vm.images test (tests/vm/build-images) builds it";
  return std::nullopt;
}

std::optional<std::string> cannot_make_extension_images() {
  // Where Debian puts them (erofs-utils, cryptsetup-bin, fdisk); scripts/install-deps.
  for (const char* tool : {"/usr/bin/mkfs.erofs", "/usr/sbin/veritysetup", "/usr/sbin/sfdisk"})
    if (::access(tool, X_OK) != 0)
      return std::string(tool) +
             " is missing: extension images need erofs-utils, cryptsetup-bin and fdisk "
             "(scripts/install-deps)";
  return std::nullopt;
}

ExtensionDisk make_extension_image(const std::string& name, const std::string& dir,
                                   const ExtensionImageOptions& options) {
  std::vector<std::string> argv = {testing::source_dir() + "/tests/vm/make-extension-image"};
  if (options.files) argv.insert(argv.end(), {"--files", *options.files});
  if (options.flip_data_byte) argv.push_back("--flip-data-byte");
  // "--": Kata allows a name that starts with '-'.
  argv.insert(argv.end(), {"--", name, dir});
  testing::ProgramRun run = testing::run_program(argv);
  if (!run.exited_with(0))
    throw std::runtime_error("tests/vm/make-extension-image failed: " + run.describe());
  std::vector<std::string> params = split_lines(testing::read_text(dir + "/" + name + ".params"));
  if (params.size() != 1) throw std::runtime_error(dir + "/" + name + ".params: expected one line");
  return {.name = name, .image = dir + "/" + name + ".img", .params = params[0]};
}

VmBoot boot_vm(const std::string& cmdline, const VmOptions& options) {
  testing::TempDir dir("ccinit-vm-test");
  std::string full_cmdline = cmdline;
  const std::string observation = observation_file_for(options);
  std::vector<std::string> params = options.kernel_params;
  if (!observation.empty()) params.push_back(std::string("rdinit=") + kObserveInit);
  for (const auto& param : params) full_cmdline += (full_cmdline.empty() ? "" : " ") + param;
  const std::string console = dir.path() + "/console";
  std::vector<std::string> argv = {testing::source_dir() + "/scripts/vm-boot",
                                   "--quiet",
                                   "--timeout",
                                   format_seconds(options.timeout_seconds),
                                   "--console",
                                   console,
                                   "--cmdline",
                                   full_cmdline,
                                   "--initrd",
                                   image_path(options.image)};
  if (options.with_modules) argv.insert(argv.end(), {"--initrd", kImageDir + "/modules.cpio.gz"});
  if (options.with_quiet_agent)
    argv.insert(argv.end(), {"--initrd", kImageDir + "/quiet-agent.cpio.gz"});
  if (!observation.empty()) argv.insert(argv.end(), {"--initrd", kImageDir + "/observe.cpio.gz"});
  for (const auto& [text, command] : options.monitor_commands)
    argv.insert(argv.end(), {"--send-on", text, command});
  for (const auto& [image, serial] : options.disks)
    argv.insert(argv.end(), {"--disk", image, serial});

  // vm-boot kills the VM at its own timeout; this one only catches vm-boot itself hanging.
  const auto limit = std::chrono::seconds(static_cast<long>(options.timeout_seconds) + 60);
  testing::ProgramRun run = testing::run_program(argv, {.timeout = limit});
  VmBoot boot;
  boot.exit_code = run.exit_code;
  if (fs::exists(console)) boot.console = split_lines(testing::read_text(console));
  boot.verdict = std::move(run.err);
  if (!observation.empty()) {
    boot.observation_file = observation;
    write_file_atomically(observation, merge_observation(boot.console, boot.observation_errors),
                          0644);
  }
  return boot;
}

std::vector<std::string> VmBoot::timeline() const {
  testing::TempDir dir("ccinit-vm-timeline");
  std::string text;
  for (const auto& line : console) text += line + "\n";
  const std::string console_path = dir.write("console", text).string();
  testing::ProgramRun run =
      testing::run_program({testing::source_dir() + "/scripts/boot-timeline", console_path});
  if (!run.exited_with(0))
    throw std::runtime_error("scripts/boot-timeline failed: " + run.describe());
  return run.out_lines();
}

std::map<std::string, std::string> VmBoot::report() const {
  return testing::AgentReport(console).fields();
}
bool VmBoot::has_line_containing(std::string_view text) const {
  return index_of(text) >= 0;
}

std::vector<std::string> VmBoot::lines_containing(std::string_view text) const {
  std::vector<std::string> found;
  for (const auto& line : console)
    if (line.find(text) != std::string::npos) found.push_back(line);
  return found;
}

long VmBoot::index_of(std::string_view text) const {
  for (std::size_t i = 0; i < console.size(); ++i)
    if (console[i].find(text) != std::string::npos) return static_cast<long>(i);
  return -1;
}

std::vector<std::string> VmBoot::power_off_reasons() const {
  // As scripts/vm-boot takes them: whole console lines that are kernel records of PID 1.
  static const std::regex kRecord(R"(^\[ *[0-9]+\.[0-9]{6}\] ccinit: power off: (.*)$)");
  std::vector<std::string> reasons;
  std::smatch match;
  for (const auto& line : console)
    if (std::regex_match(line, match, kRecord)) reasons.push_back(match[1]);
  return reasons;
}

std::string VmBoot::describe() const {
  std::string text =
      "vm-boot exit status " + std::to_string(exit_code) + "\n" + verdict + "--- console ---\n";
  for (const auto& line : console) text += line + "\n";
  return text;
}

}  // namespace ccinit::vmtest
