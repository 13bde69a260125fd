#include "tests/support/fake_nvidia_tool/smi_query.h"

#include <cstdio>
#include <string>

#include "tests/support/fake_nvidia_tool/behaviour.h"

namespace ccinit::fake_nvidia {

namespace {

constexpr const char* kQueryCountFile = "smi-q.count";

// This run's number, 1 for the first, kept in the state directory across runs.
unsigned long count_this_query() {
  const std::string path = std::string(kStateDir) + "/" + kQueryCountFile;
  unsigned long runs = 0;
  if (std::FILE* f = std::fopen(path.c_str(), "re")) {
    if (std::fscanf(f, "%lu", &runs) != 1) runs = 0;
    std::fclose(f);
  }
  write_file(path, std::to_string(++runs) + "\n");
  return runs;
}

std::string field(const std::string& indent, const std::string& key, const std::string& value) {
  std::string line = indent + key;
  const std::size_t column = 42;  // nvidia-smi aligns the colons
  if (line.size() < column) line.append(column - line.size(), ' ');
  return line + ": " + value;
}

struct FabricState {
  std::string state, status, clique, cluster;
};

// fabric=completed|in-progress|failed|na for every GPU, fabric.<i> for one.
FabricState fabric_state(const Config& config, unsigned long gpu, bool still_in_progress) {
  const std::string kind =
      setting(config, "fabric." + std::to_string(gpu), setting(config, "fabric", "completed"));
  const std::string cluster = "8a1e56d1-3c7f-4a8e-9b1c-5d6e7f809a1b";
  if (kind == "na") return {"N/A", "N/A", "N/A", "N/A"};
  if (kind == "in-progress" || still_in_progress) return {"In Progress", "N/A", "N/A", "N/A"};
  if (kind == "failed")
    return {"Completed", setting(config, "fabric_status", "Insufficient Resources"), "0",
            "00000000-0000-0000-0000-000000000000"};
  return {"Completed", "Success", "32766", cluster};
}

void print_gpu(const Config& config, unsigned long gpu, bool still_in_progress) {
  char bus[32];
  std::snprintf(bus, sizeof bus, "00000000:%02lX:00.0", 0x18 + 0x10 * gpu);
  const std::string in1 = "    ", in2 = "        ", in3 = "            ";
  say(std::string("GPU ") + bus);
  say(field(in1, "Product Name", "NVIDIA H100 80GB HBM3"));
  say(field(in1, "Product Brand", "NVIDIA"));
  say(field(in1, "Product Architecture", "Hopper"));
  say(field(in1, "Display Mode", "Disabled"));
  say(field(in1, "Persistence Mode", "Enabled"));
  say(field(in1, "Addressing Mode", "None"));
  say(in1 + "MIG Mode");
  say(field(in2, "Current", "Disabled"));
  say(field(in2, "Pending", "Disabled"));
  say(field(in1, "Serial Number", "16541230" + std::to_string(10000 + gpu)));
  say(field(in1, "GPU UUID", "GPU-5e3c1a2b-7d4f-4e6a-9b8c-00000000000" + std::to_string(gpu)));
  say(field(in1, "Minor Number", std::to_string(gpu)));
  say(field(in1, "GPU Part Number", "2330-885-A1"));
  say(in1 + "GPU Reset Status");
  say(field(in2, "Reset Required", "No"));
  say(field(in2, "Drain and Reset Recommended", "No"));
  const FabricState fabric = fabric_state(config, gpu, still_in_progress);
  say(in1 + "Fabric");
  say(field(in2, "State", fabric.state));
  say(field(in2, "Status", fabric.status));
  say(field(in2, "CliqueId", fabric.clique));
  say(field(in2, "ClusterUUID", fabric.cluster));
  say(in2 + "Health");
  say(field(in3, "Bandwidth", fabric.state == "Completed" ? "Full" : "N/A"));
  say(field(in3, "Route Recovery in progress", "False"));
  say(field(in3, "Route Unhealthy", "False"));
  say(field(in3, "Access Timeout Recovery", "False"));
  say(in1 + "PCI");
  say(field(in2, "Bus", std::string("0x") + std::string(bus + 9, 2)));
  say(field(in2, "Bus Id", bus));
  say(field(in2, "Device Id", "0x233010DE"));
  say(field(in1, "Performance State", "P0"));
  say(in1 + "Conf Compute");
  say(field(in2, "CC State", "ON"));
  say("");
}

}  // namespace

int smi_query(const Config& config) {
  const unsigned long query = count_this_query();
  const bool still_in_progress = query <= number(config, "fabric_in_progress_queries", 0);
  const unsigned long gpus = number(config, "gpus", 1);
  say("");
  say("==============NVSMI LOG==============");
  say("");
  say(field("", "Timestamp", "Wed Dec  2 10:40:00 2026"));
  say(field("", "Driver Version", "570.172.08"));
  say(field("", "CUDA Version", "12.8"));
  say("");
  say(field("", "Attached GPUs", std::to_string(gpus)));
  for (unsigned long gpu = 0; gpu < gpus; ++gpu) print_gpu(config, gpu, still_in_progress);
  return 0;
}

}  // namespace ccinit::fake_nvidia
