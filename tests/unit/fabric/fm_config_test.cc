#include "helpers/fabric-launcher/fm_config.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "common/file_io.h"
#include "common/nvidia_paths.h"
#include "tests/testlib/temp_dir.h"

namespace ccinit::fabric {
namespace {

// A shortened stock fabricmanager.cfg as FM packages ship it.
constexpr std::string_view kStock =
    "# NVIDIA Fabric Manager configuration file.\n"
    "#\tDescription: Fabric Manager logging levels\n"
    "LOG_LEVEL=4\n"
    "\n"
    "LOG_FILE_NAME=/var/log/fabricmanager.log\n"
    "LOG_APPEND_TO_LOG=1\n"
    "LOG_FILE_MAX_SIZE=1024\n"
    "LOG_USE_SYSLOG=0\n"
    "DAEMONIZE=1\n"
    "BIND_INTERFACE_IP=127.0.0.1\n"
    "FABRIC_MODE=0\n"
    "FABRIC_MODE_RESTART=0\n"
    "STATE_FILE_NAME=/var/tmp/fabricmanager.state\n"
    "TOPOLOGY_FILE_PATH=/usr/share/nvidia/nvswitch\n"
    "PARTITION_RAIL_POLICY=greedy\n";

FmSettings service_vm_nvl5() {
  return {.fabric_mode = 1, .rail_policy = wire::RAIL_POLICY_SYMMETRIC, .extension_root = {}};
}

FmSettings gpu_vm_with_extension() {
  return {.fabric_mode = 0,
          .rail_policy = wire::RAIL_POLICY_GREEDY,
          .extension_root = "/run/kata-extensions/gpu"};
}

std::string rewrite_error(std::string_view text, const FmSettings& settings) {
  try {
    rewrite_fm_config(text, settings);
  } catch (const FmConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(FmConfig, ReplacesOurKeysInPlaceAndKeepsEveryOtherLine) {
  EXPECT_EQ(rewrite_fm_config(kStock, service_vm_nvl5()),
            "# NVIDIA Fabric Manager configuration file.\n"
            "#\tDescription: Fabric Manager logging levels\n"
            "LOG_LEVEL=4\n"
            "\n"
            "LOG_FILE_NAME=\n"
            "LOG_APPEND_TO_LOG=1\n"
            "LOG_FILE_MAX_SIZE=1024\n"
            "LOG_USE_SYSLOG=1\n"
            "DAEMONIZE=0\n"
            "BIND_INTERFACE_IP=127.0.0.1\n"
            "FABRIC_MODE=1\n"
            "FABRIC_MODE_RESTART=0\n"
            "STATE_FILE_NAME=/var/tmp/fabricmanager.state\n"
            "TOPOLOGY_FILE_PATH=/usr/share/nvidia/nvswitch\n"
            "PARTITION_RAIL_POLICY=symmetric\n")
      << "without an extension the stock topology path stays";
}

TEST(FmConfig, TopologyPathFollowsTheExtensionRoot) {
  const std::string out = rewrite_fm_config(kStock, gpu_vm_with_extension());
  EXPECT_NE(out.find("\nTOPOLOGY_FILE_PATH=/run/kata-extensions/gpu/usr/share/nvidia/nvswitch\n"),
            std::string::npos)
      << out;
  EXPECT_EQ(out.find("TOPOLOGY_FILE_PATH=/usr/share"), std::string::npos) << out;
  // The directory FM is told is the one the path table gives, next to the stock file.
  const nvidia::NvidiaPaths extension(true);
  EXPECT_EQ(extension.fm_topology_dir(), "/run/kata-extensions/gpu/usr/share/nvidia/nvswitch");
  EXPECT_EQ(extension.fm_stock_config(),
            "/run/kata-extensions/gpu/usr/share/nvidia/nvswitch/fabricmanager.cfg");
  EXPECT_EQ(nvidia::NvidiaPaths(false).fm_stock_config(),
            "/usr/share/nvidia/nvswitch/fabricmanager.cfg");
}

TEST(FmConfig, MissingKeysAreAppendedInAFixedOrder) {
  EXPECT_EQ(rewrite_fm_config("LOG_LEVEL=4\n# end\n", gpu_vm_with_extension()),
            "LOG_LEVEL=4\n# end\n"
            "FABRIC_MODE=0\n"
            "PARTITION_RAIL_POLICY=greedy\n"
            "DAEMONIZE=0\n"
            "LOG_USE_SYSLOG=1\n"
            "LOG_FILE_NAME=\n"
            "TOPOLOGY_FILE_PATH=/run/kata-extensions/gpu/usr/share/nvidia/nvswitch\n");
  EXPECT_EQ(rewrite_fm_config("", service_vm_nvl5()),
            "FABRIC_MODE=1\nPARTITION_RAIL_POLICY=symmetric\nDAEMONIZE=0\nLOG_USE_SYSLOG=1\n"
            "LOG_FILE_NAME=\n");
}

TEST(FmConfig, LaterDuplicatesAreRemovedBecauseFmLetsTheLastOneWin) {
  EXPECT_TRUE(rewrite_fm_config("FABRIC_MODE=0\nA=1\nFABRIC_MODE=2\nSHARED_FABRIC_MODE=0\nB=2\n",
                                service_vm_nvl5())
                  .starts_with("FABRIC_MODE=1\nA=1\nB=2\nPARTITION_RAIL_POLICY="));
  // FM's older name of the same variable is ours too, and may come first.
  EXPECT_TRUE(rewrite_fm_config("SHARED_FABRIC_MODE=0\nFABRIC_MODE=0\n", service_vm_nvl5())
                  .starts_with("FABRIC_MODE=1\nPARTITION_RAIL_POLICY="));
}

TEST(FmConfig, CommentsAreNotKeys) {
  const std::string out =
      rewrite_fm_config("#FABRIC_MODE=1\n  #DAEMONIZE=1\nFABRIC_MODE=0\n", service_vm_nvl5());
  EXPECT_TRUE(out.starts_with("#FABRIC_MODE=1\n  #DAEMONIZE=1\nFABRIC_MODE=1\n")) << out;
  EXPECT_NE(out.find("\nDAEMONIZE=0\n"), std::string::npos) << "appended, the comment kept";
}

TEST(FmConfig, OurKeysWithSurroundingWhitespaceAreReplacedOthersKeptAsTheyAre) {
  // FM reads `KEY = v` as the unknown key "KEY " and exits; for our keys it becomes ours.
  EXPECT_TRUE(
      rewrite_fm_config(" FABRIC_MODE = 0 \n\tDAEMONIZE\t=1\nOTHER = x \n", service_vm_nvl5())
          .starts_with("FABRIC_MODE=1\nDAEMONIZE=0\nOTHER = x \nPARTITION_RAIL_POLICY="));
  // A key that merely starts like ours is not ours.
  EXPECT_TRUE(rewrite_fm_config("FABRIC_MODE_RESTART=1\nDAEMONIZE_X=1\n", service_vm_nvl5())
                  .starts_with("FABRIC_MODE_RESTART=1\nDAEMONIZE_X=1\nFABRIC_MODE=1\n"));
  // Without '=' a line assigns nothing (FM skips it).
  EXPECT_TRUE(rewrite_fm_config("DAEMONIZE\n", service_vm_nvl5()).starts_with("DAEMONIZE\nFAB"));
}

TEST(FmConfig, CrlfLinesKeepTheirEndingsOursEndInLf) {
  // FM splits lines at '\n' and keeps a '\r' in a string value, so ours end in '\n' only.
  EXPECT_TRUE(rewrite_fm_config("# c\r\nLOG_LEVEL=4\r\nFABRIC_MODE=0\r\n\r\n", service_vm_nvl5())
                  .starts_with("# c\r\nLOG_LEVEL=4\r\nFABRIC_MODE=1\n\r\nPARTITION"));
}

TEST(FmConfig, AnUnterminatedLastLineIsKeptAndEndedBeforeAppending) {
  EXPECT_TRUE(rewrite_fm_config("A=1\nB=2", service_vm_nvl5()).starts_with("A=1\nB=2\nFABRIC_"));
  EXPECT_TRUE(rewrite_fm_config("A=1\nFABRIC_MODE=0", service_vm_nvl5())
                  .starts_with("A=1\nFABRIC_MODE=1\nPARTITION"));
}

TEST(FmConfig, RefusesWhatFmWouldNotReadAsMeant) {
  EXPECT_EQ(rewrite_error(std::string_view("A=1\nB=\0\n", 8), service_vm_nvl5()),
            "line 2 holds a NUL byte: not a text file");
  FmSettings bad = service_vm_nvl5();
  bad.fabric_mode = 2;
  EXPECT_NE(rewrite_error("", bad).find("FABRIC_MODE 2"), std::string::npos);
  bad = service_vm_nvl5();
  bad.rail_policy = wire::RAIL_POLICY_UNSET;
  EXPECT_NE(rewrite_error("", bad).find("PARTITION_RAIL_POLICY"), std::string::npos);
  for (std::string root : {"relative/gpu", "/gpu/", "/gp u", "/gpu\nX=1", "/a=b", ""}) {
    bad = gpu_vm_with_extension();
    bad.extension_root = root;
    EXPECT_NE(rewrite_error("", bad).find("GPU extension root"), std::string::npos) << root;
  }
  bad.extension_root = "/" + std::string(kMaxFmStringValue, 'x');
  EXPECT_NE(rewrite_error("", bad).find("longer than 256"), std::string::npos);
}

class FmConfigFile : public ::testing::Test {
 protected:
  ccinit::testing::TempDir dir_{"fm_config_test"};
  std::string stock_ = dir_.write("fabricmanager.cfg", kStock).string();
  std::string out_ = (dir_ / "fabricmanager.out.cfg").string();

  std::string write_error(const std::string& stock_path) {
    try {
      write_fm_config(stock_path, out_, service_vm_nvl5());
    } catch (const FmConfigError& e) {
      return e.what();
    }
    return "";
  }
};

TEST_F(FmConfigFile, WritesTheRewriteReadOnly) {
  write_fm_config(stock_, out_, service_vm_nvl5());
  EXPECT_EQ(read_file(out_), rewrite_fm_config(kStock, service_vm_nvl5()));
  struct stat st {};
  ASSERT_EQ(::stat(out_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0400u);
}

TEST_F(FmConfigFile, ReplacesAnExistingFileByRenameNotInPlace) {
  dir_.write("fabricmanager.out.cfg", "old\n");
  ASSERT_EQ(::chmod(out_.c_str(), 0400), 0);
  struct stat before {};
  ASSERT_EQ(::stat(out_.c_str(), &before), 0);
  write_fm_config(stock_, out_, service_vm_nvl5());
  struct stat after {};
  ASSERT_EQ(::stat(out_.c_str(), &after), 0);
  EXPECT_NE(before.st_ino, after.st_ino) << "a reader never sees a half-written file";
  EXPECT_EQ(read_file(out_), rewrite_fm_config(kStock, service_vm_nvl5()));
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir_.path()),
                          std::filesystem::directory_iterator()),
            2)
      << "no temporary file left behind";
}

TEST_F(FmConfigFile, AMissingStockFileIsNamedWithItsErrno) {
  const std::string missing = (dir_ / "nope.cfg").string();
  EXPECT_EQ(write_error(missing),
            "Fabric Manager config: open " + missing + ": No such file or directory");
  EXPECT_FALSE(std::filesystem::exists(out_));
}

TEST_F(FmConfigFile, AnUnreadableStockFileIsNamed) {
  if (::geteuid() != 0) {
    ASSERT_EQ(::chmod(stock_.c_str(), 0), 0);
    EXPECT_EQ(write_error(stock_), "Fabric Manager config: open " + stock_ + ": Permission denied");
  }
  // As root (or not), a directory where the file belongs is unreadable as a config.
  const std::string as_dir = dir_.path();
  EXPECT_EQ(write_error(as_dir),
            "Fabric Manager config: open " + as_dir + " (not a regular file): Invalid argument");
  EXPECT_FALSE(std::filesystem::exists(out_));
}

TEST_F(FmConfigFile, AnOversizedStockFileIsRefused) {
  const std::string big =
      dir_.write("big.cfg", std::string(kMaxStockFmConfigBytes + 1, '#')).string();
  EXPECT_EQ(write_error(big),
            "Fabric Manager config: read " + big + " (more than 1048576 bytes): File too large");
  dir_.write("edge.cfg", std::string(kMaxStockFmConfigBytes - 1, '#') + "\n");
  EXPECT_EQ(write_error((dir_ / "edge.cfg").string()), "") << "exactly the bound is fine";
}

TEST_F(FmConfigFile, ANulInTheStockFileIsNamedWithItsPath) {
  const std::string nul = dir_.write("nul.cfg", std::string("A=1\n\0\n", 6)).string();
  EXPECT_EQ(write_error(nul),
            "Fabric Manager config: " + nul + ": line 2 holds a NUL byte: not a text file");
}

}  // namespace
}  // namespace ccinit::fabric
