#include "tests/vm/vm_guest.h"

#include "tests/support/text_lines.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "common/process.h"
#include "tests/unit/temp_dir.h"

namespace ccinit::vmtest {

namespace {

namespace fs = std::filesystem;
using ::ccinit::testing::split_lines;

const std::string kImageDir = CCINIT_BINARY_DIR "/vm-images";
const std::string kVmBoot = CCINIT_SOURCE_DIR "/scripts/vm-boot";
const std::string kBootTimeline = CCINIT_SOURCE_DIR "/scripts/boot-timeline";

using ::ccinit::testing::TempDir;

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Runs argv with stdin /dev/null, stdout into `stdout_path` and stderr into `stderr_path`;
// returns the wait status.
int run(const std::vector<std::string>& argv, const std::string& stdout_path,
        const std::string& stderr_path) {
  UniqueFd in(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  UniqueFd out(::open(stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  UniqueFd err(::open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!in || !out || !err)
    throw std::runtime_error("cannot open /dev/null, " + stdout_path + " or " + stderr_path);
  SpawnOptions options;
  options.path = argv.at(0);
  options.argv = argv;
  options.fds = {{0, in.get()}, {1, out.get()}, {2, err.get()}};
  try {
    return spawn(options).wait();
  } catch (const SpawnError& e) {
    throw std::runtime_error("cannot run " + argv[0] + ": " + e.detail());
  }
}

std::string image_path(Image image) {
  return kImageDir + (image == Image::kShipped ? "/ccinit.cpio.gz" : "/bad-helper.cpio.gz");
}

std::string format_seconds(double seconds) {
  std::ostringstream text;
  text << seconds;
  return text.str();
}

}  // namespace

bool running_in_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::strcmp(ci, "true") == 0;
}

std::optional<std::string> cannot_boot_vms() {
  if (::geteuid() != 0) return "VM tests need root (the images hold device nodes)";
  for (const char* name :
       {"/ccinit.cpio.gz", "/bad-helper.cpio.gz", "/modules.cpio.gz", "/quiet-agent.cpio.gz"})
    if (!fs::exists(kImageDir + name))
      return kImageDir + name + " is missing: the vm.images test (tests/vm/build-images) builds it";
  return std::nullopt;
}

VmBoot boot_vm(const std::string& cmdline, const VmOptions& options) {
  TempDir dir("ccinit-vm-test");
  const std::string console = dir.path() + "/console";
  const std::string stderr_path = dir.path() + "/stderr";
  std::vector<std::string> argv = {kVmBoot,     "--quiet",
                                   "--timeout", format_seconds(options.timeout_seconds),
                                   "--console", console,
                                   "--cmdline", cmdline,
                                   "--initrd",  image_path(options.image)};
  if (options.with_modules) argv.insert(argv.end(), {"--initrd", kImageDir + "/modules.cpio.gz"});
  if (options.with_quiet_agent)
    argv.insert(argv.end(), {"--initrd", kImageDir + "/quiet-agent.cpio.gz"});
  for (const auto& [text, command] : options.monitor_commands)
    argv.insert(argv.end(), {"--send-on", text, command});

  int status = run(argv, "/dev/null", stderr_path);
  VmBoot boot;
  boot.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  boot.console = split_lines(read_text(console));
  boot.verdict = read_text(stderr_path);
  return boot;
}

std::vector<std::string> VmBoot::timeline() const {
  TempDir dir("ccinit-vm-timeline");
  const std::string console_path = dir.path() + "/console", out = dir.path() + "/out";
  {
    std::ofstream file(console_path);
    for (const auto& line : console) file << line << "\n";
  }
  int status = run({kBootTimeline, console_path}, out, "/dev/null");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error("scripts/boot-timeline failed with wait status " +
                             std::to_string(status));
  return split_lines(read_text(out));
}

std::map<std::string, std::string> VmBoot::report() const {
  std::map<std::string, std::string> fields;
  bool inside = false;
  for (const auto& line : console) {
    if (line == "AGENT-REPORT-BEGIN") {
      inside = true;
    } else if (line == "AGENT-REPORT-END") {
      break;
    } else if (inside && !line.starts_with("[")) {
      auto eq = line.find('=');
      if (eq != std::string::npos) fields[line.substr(0, eq)] = line.substr(eq + 1);
    }
  }
  return fields;
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
  static constexpr std::string_view kMarker = "ccinit: power off: ";
  std::vector<std::string> reasons;
  for (const auto& line : lines_containing(kMarker))
    reasons.push_back(line.substr(line.find(kMarker) + kMarker.size()));
  return reasons;
}

std::string VmBoot::describe() const {
  std::string text =
      "vm-boot exit status " + std::to_string(exit_code) + "\n" + verdict + "--- console ---\n";
  for (const auto& line : console) text += line + "\n";
  return text;
}

}  // namespace ccinit::vmtest
