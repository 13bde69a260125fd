// ccinit is one executable: /sbin/init (PID 1, or the ccinit command line) and every helper,
// whose /usr/libexec/ccinit/<name> paths are links to it. Each helper still starts as a
// fresh process with its own capabilities and seccomp filter; sharing the file is what
// makes a boot fast (see README, "One executable").
#include <unistd.h>

#include <string_view>

#include "common/helper_table.h"
#include "entry/helper_entries.h"
#include "helpers/runtime/helper_main.h"
#include "pid1/boot.h"
#include "pid1/cli.h"
#include "proto/protobuf_log.h"

namespace {

// The last path component of argv[0]: how this process was started.
std::string_view program_name(int argc, char** argv) {
  if (argc < 1 || argv[0] == nullptr) return {};
  std::string_view path = argv[0];
  const auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

const ccinit::HelperEntry* find_entry(std::string_view name) {
  for (const ccinit::HelperEntry& entry : ccinit::kHelperEntries) {
    if (entry.name == name) return &entry;
  }
  return nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace ccinit;
  // Before anything parses a message, in PID 1 and in every helper alike.
  wire::install_protobuf_log_handler();
  if (const HelperEntry* entry = find_entry(program_name(argc, argv))) {
    const HelperInfo& info = helper_info(entry->name);
    return helper::helper_main(argc, argv,
                               {.name = info.name,
                                .summary = info.purpose,
                                .capabilities = info.capabilities,
                                .policy = *entry->policy,
                                .run = entry->run});
  }
  if (getpid() == 1) pid1::boot_as_pid1();
  return pid1::run_cli(argc, argv);
}
