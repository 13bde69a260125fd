#include "helpers/fabric-launcher/smi_fabric.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ccinit::fabric {
namespace {

struct Gpu {
  std::string bus_id;
  std::string state;
  std::string status;
};

// `nvidia-smi -q` as the driver prints it, cut to the parts around the Fabric section.
std::string smi_q(const std::vector<Gpu>& gpus) {
  std::string out =
      "\n==============NVSMI LOG==============\n\n"
      "Timestamp                                 : Wed Dec  2 10:39:58 2026\n"
      "Driver Version                            : 570.124.06\n"
      "CUDA Version                              : 12.8\n\n"
      "Attached GPUs                             : " +
      std::to_string(gpus.size()) + "\n";
  for (const Gpu& gpu : gpus) {
    out += "GPU " + gpu.bus_id +
           "\n"
           "    Product Name                          : NVIDIA H100 80GB HBM3\n"
           "    Persistence Mode                      : Enabled\n"
           "    Fabric\n"
           "        State                             : " +
           gpu.state +
           "\n"
           "        Status                            : " +
           gpu.status +
           "\n"
           "        CliqueId                          : 0\n"
           "        ClusterUUID                       : 00000000-0000-0000-0000-000000000000\n"
           "        Health\n"
           "            Bandwidth                     : Full\n"
           "    Processes                             : None\n";
  }
  return out;
}

std::vector<Gpu> eight(const std::string& state, const std::string& status) {
  std::vector<Gpu> gpus;
  for (const char* bus : {"18", "2a", "3a", "5d", "9a", "ab", "ba", "db"})
    gpus.push_back({std::string("00000000:") + bus + ":00.0", state, status});
  return gpus;
}

TEST(SmiFabric, AllCompletedWithSuccessIsReady) {
  const FabricStates states = parse_fabric_states(smi_q(eight("Completed", "Success")), 8);
  EXPECT_EQ(states.verdict, FabricVerdict::kReady) << states.summary;
  ASSERT_EQ(states.gpus.size(), 8u);
  EXPECT_EQ(states.gpus[0].bus_id, "00000000:18:00.0");
  EXPECT_EQ(states.gpus[7].state, "Completed");
  EXPECT_EQ(states.gpus[7].status, "Success");
  EXPECT_EQ(states.summary, "NVLink fabric registration Completed with Success on all 8 GPU(s)");
}

TEST(SmiFabric, InProgressOrNotStartedIsWaitingAndNamesTheGpus) {
  std::vector<Gpu> gpus = eight("Completed", "Success");
  gpus[2] = {"00000000:3a:00.0", "In Progress", "N/A"};
  gpus[5] = {"00000000:ab:00.0", "Not Started", "N/A"};
  const FabricStates states = parse_fabric_states(smi_q(gpus), 8);
  EXPECT_EQ(states.verdict, FabricVerdict::kWaiting);
  EXPECT_EQ(states.summary,
            "waiting for the NVLink fabric registration of 2 GPU(s): 00000000:3a:00.0 In Progress "
            "(N/A), 00000000:ab:00.0 Not Started (N/A)");
}

TEST(SmiFabric, CompletedWithAnotherStatusFailsNamingTheGpuAndStatus) {
  std::vector<Gpu> gpus = eight("In Progress", "N/A");
  gpus[4] = {"00000000:9a:00.0", "Completed", "Insufficient Resources"};
  const FabricStates states = parse_fabric_states(smi_q(gpus), 8);
  EXPECT_EQ(states.verdict, FabricVerdict::kFailed) << "a failure does not wait for the others";
  EXPECT_EQ(states.summary,
            "GPU 00000000:9a:00.0 failed NVLink fabric registration: State Completed, Status "
            "'Insufficient Resources'");
}

TEST(SmiFabric, PreHopperGpusAreNotSupportedNotFailed) {
  for (const char* state : {"Not Supported", "N/A"}) {
    const FabricStates states = parse_fabric_states(smi_q({{"00000000:41:00.0", state, "N/A"}}), 1);
    EXPECT_EQ(states.verdict, FabricVerdict::kNotSupported) << state;
    EXPECT_EQ(states.summary,
              "1 GPU(s) take no part in an NVLink fabric (pre-Hopper): "
              "00000000:41:00.0 " +
                  std::string(state) + " (N/A)");
  }
}

TEST(SmiFabric, FewerOrMoreGpusThanDetectedIsFatal) {
  std::vector<Gpu> seven = eight("Completed", "Success");
  seven.pop_back();
  FabricStates states = parse_fabric_states(smi_q(seven), 8);
  EXPECT_EQ(states.verdict, FabricVerdict::kFailed);
  EXPECT_EQ(states.summary, "nvidia-smi -q lists 7 GPU(s), gpu-configurator detected 8");
  states = parse_fabric_states(smi_q(eight("Completed", "Success")), 4);
  EXPECT_EQ(states.verdict, FabricVerdict::kFailed);
  EXPECT_EQ(states.summary, "nvidia-smi -q lists 8 GPU(s), gpu-configurator detected 4");
  EXPECT_EQ(parse_fabric_states("No devices were found\n", 8).summary,
            "nvidia-smi -q lists 0 GPU(s), gpu-configurator detected 8");
}

TEST(SmiFabric, AGpuWithoutAFabricSectionFails) {
  const std::string text = "GPU 00000000:18:00.0\n    Product Name : NVIDIA H100\n";
  const FabricStates states = parse_fabric_states(text, 1);
  EXPECT_EQ(states.verdict, FabricVerdict::kFailed);
  EXPECT_EQ(states.summary, "GPU 00000000:18:00.0 shows no Fabric State in nvidia-smi -q");
}

// Keys of the Fabric section's subsections, or of other sections, are not its State/Status.
TEST(SmiFabric, OnlyTheFabricSectionsOwnKeysCount) {
  const std::string text =
      "GPU 00000000:18:00.0\n"
      "    Status                                : Completed\n"
      "    Fabric\n"
      "        Health\n"
      "            State                         : Completed\n"
      "            Status                        : Success\n"
      "    Other\n"
      "        State                             : Completed\n";
  const FabricStates states = parse_fabric_states(text, 1);
  EXPECT_EQ(states.verdict, FabricVerdict::kFailed) << states.summary;
  EXPECT_EQ(states.summary, "GPU 00000000:18:00.0 shows no Fabric State in nvidia-smi -q");
}

TEST(SmiFabric, CrlfLinesAreRead) {
  std::string text = smi_q({{"00000000:18:00.0", "Completed", "Success"}});
  std::string crlf;
  for (char c : text) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
  EXPECT_EQ(parse_fabric_states(crlf, 1).verdict, FabricVerdict::kReady);
}

TEST(SmiFabric, DeviceTextIsEscapedAndCutInMessages) {
  const std::string bus = "00000000:18:00.0\x1b[2J" + std::string(100, 'A');
  const FabricStates states =
      parse_fabric_states(smi_q({{bus, "Completed", "Bad\nccinit: forged"}}), 1);
  EXPECT_EQ(states.verdict, FabricVerdict::kFailed);
  EXPECT_EQ(states.summary.find('\x1b'), std::string::npos) << states.summary;
  EXPECT_NE(states.summary.find("00000000:18:00.0\\x1b[2J"), std::string::npos) << states.summary;
  EXPECT_LT(states.summary.size(), 200u) << states.summary;
  // A newline ends the line: "Bad" is the status, the rest is not part of it.
  EXPECT_NE(states.summary.find("Status 'Bad'"), std::string::npos) << states.summary;
}

TEST(SmiFabric, TheSummaryStaysOneRecordWhateverTheDevicesPrint) {
  std::vector<Gpu> gpus;
  for (int i = 0; i < 8; ++i)
    gpus.push_back(
        {std::string(64, '\x01') + std::to_string(i), "In Progress", std::string(64, '\x02')});
  const FabricStates states = parse_fabric_states(smi_q(gpus), 8);
  EXPECT_EQ(states.verdict, FabricVerdict::kWaiting);
  EXPECT_EQ(states.summary.size(), kMaxSmiSummaryBytes);
  EXPECT_TRUE(states.summary.ends_with("...")) << states.summary;
}

TEST(SmiFabric, OutputIsBounded) {
  EXPECT_EQ(parse_fabric_states(std::string(kMaxSmiOutputBytes + 1, ' '), 1).verdict,
            FabricVerdict::kFailed);
  std::string many;
  for (int i = 0; i < 100; ++i) many += "GPU 00000000:18:00.0\n";
  const FabricStates states = parse_fabric_states(many, 8);
  EXPECT_EQ(states.summary, "nvidia-smi -q lists more than 64 GPU(s), gpu-configurator detected 8");
  EXPECT_EQ(states.gpus.size(), kMaxSmiGpus);
}

}  // namespace
}  // namespace ccinit::fabric
