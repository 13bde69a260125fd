// fake-nvidia-tool: stands in for the NVIDIA tools (and kmod's modprobe) in test guest
// roots. One static program installed under every tool name; argv[0]'s basename says which
// tool it plays. Every run is recorded in /run/fake-nvidia (see record.h); what it does is
// set by /etc/fake-nvidia.conf (see tools.h).
#include <string>
#include <vector>

#include "tests/support/fake_nvidia_tool/record.h"
#include "tests/support/fake_nvidia_tool/tools.h"

extern char** environ;

int main(int argc, char** argv) {
  using namespace ccinit::fake_nvidia;
  std::string name = argc > 0 ? argv[0] : "";
  if (auto slash = name.rfind('/'); slash != std::string::npos) name.erase(0, slash + 1);
  const std::vector<std::string> args(argv + (argc > 0 ? 1 : 0), argv + argc);
  record_call(name, args);
  record_environment(name, environ);
  return play_tool(name, args, load_config());
}
