#include "common/cmdline_config.h"
#include "common/log_escape.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <functional>
#include <string>
#include <vector>

namespace ccinit {
namespace {

// sha256("abc"): a realistic root hash.
constexpr std::string_view kRootHash =
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
constexpr std::string_view kSalt =
    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

std::string verity(std::string_view fields) {
  return "kata.extension.gpu.verity_params=" + std::string(fields);
}

std::string base_fields() {
  return "root_hash=" + std::string(kRootHash) + ",salt=" + std::string(kSalt) +
         ",data_blocks=262144";
}

std::string good_verity_fields() {
  return base_fields() + ",data_block_size=4096,hash_block_size=4096";
}

// The ConfigError message for a command line that must be refused.
std::string error_of(std::string_view cmdline) {
  try {
    wire::Config config = parse_cmdline(cmdline);
    ADD_FAILURE() << "accepted: " << cmdline << "\n" << describe_config(config);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

// ---- defaults ---------------------------------------------------------------------------

TEST(CmdlineConfig, EmptyCommandLineGivesNvrcDefaults) {
  for (std::string_view line : {"", " ", "\n", "console=hvc0 quiet\n"}) {
    SCOPED_TRACE(line);
    wire::Config c = parse_cmdline(line);
    EXPECT_EQ(c.mode(), wire::MODE_AUTO);
    EXPECT_EQ(c.log_level(), wire::LOG_OFF);
    EXPECT_FALSE(c.log_level_set());
    EXPECT_FALSE(c.has_smi_lgc());
    EXPECT_FALSE(c.has_smi_lmc());
    EXPECT_FALSE(c.has_smi_pl_watts());
    EXPECT_FALSE(c.has_smi_srs());
    EXPECT_TRUE(c.uvm_persistence_mode());
    EXPECT_FALSE(c.dcgm());
    EXPECT_FALSE(c.has_fm_mode());
    EXPECT_EQ(c.fm_rail_policy(), wire::RAIL_POLICY_UNSET);
    EXPECT_EQ(c.extensions_size(), 0);
    EXPECT_EQ(c.timeouts_size(), 0);
  }
}

TEST(CmdlineConfig, KataStyleCommandLine) {
  wire::Config c = parse_cmdline(
      "tsc=reliable no_timer_check rcupdate.rcu_expedited=1 i8042.direct=1 console=hvc0 "
      "root=/dev/vda1 rootflags=data=ordered,errors=remount-ro ro rootfstype=ext4 "
      "agent.log=debug cgroup_no_v1=all nvrc.smi.srs=1 nvrc.log=debug "
      "nvrc.timeout.persistenced=1200 " +
      verity(good_verity_fields()) + " init=/sbin/init\n");
  EXPECT_TRUE(c.has_smi_srs());
  EXPECT_TRUE(c.smi_srs());
  EXPECT_EQ(c.log_level(), wire::LOG_DEBUG);
  EXPECT_TRUE(c.log_level_set());
  EXPECT_EQ(timeout_seconds(c, "persistenced", 600), 1200u);
  ASSERT_EQ(c.extensions_size(), 1);
  EXPECT_EQ(c.extensions(0).name(), "gpu");
}

// ---- every key, every valid form --------------------------------------------------------

struct ValidCase {
  std::string cmdline;
  std::function<void(const wire::Config&)> check;
};

void run_valid(const std::vector<ValidCase>& cases) {
  for (const ValidCase& vc : cases) {
    SCOPED_TRACE(vc.cmdline);
    try {
      vc.check(parse_cmdline(vc.cmdline));
    } catch (const ConfigError& e) {
      ADD_FAILURE() << "refused: " << e.what();
    }
  }
}

TEST(CmdlineConfig, Mode) {
  auto is = [](wire::Mode m) { return [m](const wire::Config& c) { EXPECT_EQ(c.mode(), m); }; };
  run_valid({
      {"nvrc.mode=auto", is(wire::MODE_AUTO)},
      {"nvrc.mode=cpu", is(wire::MODE_CPU)},
      {"nvrc.mode=gpu", is(wire::MODE_GPU)},
      {"nvrc.mode=nvswitch-nvl4", is(wire::MODE_NVSWITCH_NVL4)},
      {"nvrc.mode=nvswitch-nvl5", is(wire::MODE_NVSWITCH_NVL5)},
      {"nvrc.mode=servicevm-nvl4", is(wire::MODE_SERVICEVM_NVL4)},
      {"nvrc.mode=servicevm-nvl5", is(wire::MODE_SERVICEVM_NVL5)},
      // NVRC lower-cased the mode, so these worked there.
      {"nvrc.mode=GPU", is(wire::MODE_GPU)},
      {"nvrc.mode=NVSwitch-NVL4", is(wire::MODE_NVSWITCH_NVL4)},
  });
}

TEST(CmdlineConfig, LogLevel) {
  auto is = [](wire::LogLevel l) {
    return [l](const wire::Config& c) {
      EXPECT_EQ(c.log_level(), l);
      EXPECT_TRUE(c.log_level_set());
    };
  };
  run_valid({
      {"nvrc.log=off", is(wire::LOG_OFF)},
      {"nvrc.log=error", is(wire::LOG_ERROR)},
      {"nvrc.log=warn", is(wire::LOG_WARN)},
      {"nvrc.log=info", is(wire::LOG_INFO)},
      {"nvrc.log=debug", is(wire::LOG_DEBUG)},
      {"nvrc.log=trace", is(wire::LOG_TRACE)},
      {"nvrc.log=DEBUG", is(wire::LOG_DEBUG)},
  });
}

TEST(CmdlineConfig, Clocks) {
  auto lgc = [](std::uint32_t min, std::uint32_t max) {
    return [=](const wire::Config& c) {
      ASSERT_TRUE(c.has_smi_lgc());
      EXPECT_EQ(c.smi_lgc().min_mhz(), min);
      EXPECT_EQ(c.smi_lgc().max_mhz(), max);
      EXPECT_FALSE(c.has_smi_lmc());
    };
  };
  auto lmc = [](std::uint32_t min, std::uint32_t max) {
    return [=](const wire::Config& c) {
      ASSERT_TRUE(c.has_smi_lmc());
      EXPECT_EQ(c.smi_lmc().min_mhz(), min);
      EXPECT_EQ(c.smi_lmc().max_mhz(), max);
      EXPECT_FALSE(c.has_smi_lgc());
    };
  };
  run_valid({
      {"nvrc.smi.lgc=1500", lgc(1500, 1500)},
      {"nvrc.smi.lgc=300,1980", lgc(300, 1980)},
      {"nvrc.smi.lgc=1980,1980", lgc(1980, 1980)},
      {"nvrc.smi.lgc=1", lgc(1, 1)},
      {"nvrc.smi.lgc=4294967295", lgc(4294967295u, 4294967295u)},
      {"nvrc.smi.lgc=1,4294967295", lgc(1, 4294967295u)},
      {"nvrc.smi.lgc=01500", lgc(1500, 1500)},
      {"nvrc.smi.lmc=5001", lmc(5001, 5001)},
      {"nvrc.smi.lmc=405,5001", lmc(405, 5001)},
  });
}

TEST(CmdlineConfig, PowerLimit) {
  auto pl = [](std::uint32_t w) {
    return [w](const wire::Config& c) {
      ASSERT_TRUE(c.has_smi_pl_watts());
      EXPECT_EQ(c.smi_pl_watts(), w);
    };
  };
  run_valid({
      {"nvrc.smi.pl=300", pl(300)},
      {"nvrc.smi.pl=1", pl(1)},
      {"nvrc.smi.pl=4294967295", pl(4294967295u)},
  });
}

TEST(CmdlineConfig, SecureRandomSeed) {
  auto srs = [](bool on) {
    return [on](const wire::Config& c) {
      ASSERT_TRUE(c.has_smi_srs());
      EXPECT_EQ(c.smi_srs(), on);
    };
  };
  run_valid({
      {"nvrc.smi.srs=1", srs(true)},
      {"nvrc.smi.srs=enabled", srs(true)},
      {"nvrc.smi.srs=0", srs(false)},
      {"nvrc.smi.srs=disabled", srs(false)},
  });
}

TEST(CmdlineConfig, Booleans) {
  const std::vector<std::pair<std::string, bool>> forms = {
      {"on", true}, {"true", true}, {"1", true},  {"yes", true},  {"off", false}, {"false", false},
      {"0", false}, {"no", false},  {"ON", true}, {"True", true}, {"YES", true},  {"Off", false},
  };
  std::vector<ValidCase> cases;
  for (const auto& [text, on] : forms) {
    bool expected = on;
    cases.push_back({"nvrc.dcgm=" + text, [expected](const wire::Config& c) {
                       EXPECT_EQ(c.dcgm(), expected);
                       EXPECT_TRUE(c.uvm_persistence_mode());
                     }});
    cases.push_back({"nvrc.uvm.persistence.mode=" + text, [expected](const wire::Config& c) {
                       EXPECT_EQ(c.uvm_persistence_mode(), expected);
                       EXPECT_FALSE(c.dcgm());
                     }});
  }
  run_valid(cases);
}

TEST(CmdlineConfig, FabricManager) {
  run_valid({
      {"nvrc.fm.mode=0",
       [](const wire::Config& c) {
         ASSERT_TRUE(c.has_fm_mode());
         EXPECT_EQ(c.fm_mode(), 0u);
       }},
      {"nvrc.fm.mode=1",
       [](const wire::Config& c) {
         ASSERT_TRUE(c.has_fm_mode());
         EXPECT_EQ(c.fm_mode(), 1u);
       }},
      {"nvrc.fm.rail.policy=greedy",
       [](const wire::Config& c) { EXPECT_EQ(c.fm_rail_policy(), wire::RAIL_POLICY_GREEDY); }},
      {"nvrc.fm.rail.policy=symmetric",
       [](const wire::Config& c) { EXPECT_EQ(c.fm_rail_policy(), wire::RAIL_POLICY_SYMMETRIC); }},
      {"nvrc.fm.rail.policy=Symmetric",
       [](const wire::Config& c) { EXPECT_EQ(c.fm_rail_policy(), wire::RAIL_POLICY_SYMMETRIC); }},
  });
}

TEST(CmdlineConfig, TimeoutsForEveryName) {
  for (std::string_view name : timeout_names()) {
    SCOPED_TRACE(name);
    for (std::uint32_t seconds : {1u, 45u, 86400u}) {
      wire::Config c =
          parse_cmdline("nvrc.timeout." + std::string(name) + "=" + std::to_string(seconds));
      ASSERT_EQ(c.timeouts_size(), 1);
      EXPECT_EQ(c.timeouts(0).name(), name);
      EXPECT_EQ(c.timeouts(0).seconds(), seconds);
      EXPECT_EQ(timeout_seconds(c, name, 7), seconds);
      for (std::string_view other : timeout_names()) {
        if (other == name) continue;
        EXPECT_EQ(timeout_seconds(c, other, 7), 7u) << other;
      }
    }
  }
}

TEST(CmdlineConfig, TimeoutsAreStoredInAFixedOrder) {
  wire::Config c = parse_cmdline(
      "nvrc.timeout.nvlsm=7 nvrc.timeout.persistenced=5 nvrc.timeout.lockdown=4 "
      "nvrc.timeout.fabricmanager=6 nvrc.timeout.fabric-launcher=3 "
      "nvrc.timeout.gpu-configurator=2 nvrc.timeout.extensions=1");
  ASSERT_EQ(timeout_names().size(), 7u);
  ASSERT_EQ(c.timeouts_size(), 7);
  for (int i = 0; i < 7; ++i) {
    EXPECT_EQ(c.timeouts(i).name(), timeout_names()[i]);
    EXPECT_EQ(c.timeouts(i).seconds(), static_cast<std::uint32_t>(i + 1));
  }
  EXPECT_EQ(timeout_seconds(wire::Config(), "lockdown", 30), 30u);
}

// The names come from helpers/helpers.table: every helper that runs after the command line
// is read, then the daemons. The mounter runs before /proc/cmdline can be read, so a
// timeout for it could never act.
TEST(CmdlineConfig, TimeoutNamesFollowTheHelperTable) {
  EXPECT_EQ(std::vector<std::string_view>(timeout_names().begin(), timeout_names().end()),
            (std::vector<std::string_view>{"extensions", "gpu-configurator", "fabric-launcher",
                                           "lockdown", "persistenced", "fabricmanager", "nvlsm"}));
  EXPECT_EQ(error_of("nvrc.timeout.mounter=10"),
            "nvrc.timeout.mounter=10: the mounter runs before the kernel command line is read, "
            "so its timeout (30 s) cannot be set; settable: "
            "nvrc.timeout.{extensions,gpu-configurator,fabric-launcher,lockdown,persistenced,"
            "fabricmanager,nvlsm}");
}

TEST(CmdlineConfig, VerityParams) {
  wire::Config c = parse_cmdline(verity(good_verity_fields()));
  ASSERT_EQ(c.extensions_size(), 1);
  const wire::ExtensionVerity& e = c.extensions(0);
  EXPECT_EQ(e.name(), "gpu");
  EXPECT_EQ(e.root_hash(), kRootHash);
  EXPECT_EQ(e.salt(), kSalt);
  EXPECT_EQ(e.data_blocks(), 262144u);
  EXPECT_EQ(e.data_block_size(), 4096u);
  EXPECT_EQ(e.hash_block_size(), 4096u);
}

TEST(CmdlineConfig, VerityParamsValidForms) {
  const std::string hash(kRootHash);
  auto ext = [](std::string_view name, std::uint64_t blocks, std::uint32_t dbs, std::uint32_t hbs) {
    return [=](const wire::Config& c) {
      ASSERT_EQ(c.extensions_size(), 1);
      EXPECT_EQ(c.extensions(0).name(), name);
      EXPECT_EQ(c.extensions(0).root_hash(), kRootHash);
      EXPECT_EQ(c.extensions(0).data_blocks(), blocks);
      EXPECT_EQ(c.extensions(0).data_block_size(), dbs);
      EXPECT_EQ(c.extensions(0).hash_block_size(), hbs);
    };
  };
  std::string upper_hash;
  for (char ch : hash) upper_hash.push_back(static_cast<char>(std::toupper(ch)));
  run_valid({
      // Any field order; the smallest and largest block sizes (dm-verity: 512 to the page).
      {"kata.extension.gpu.verity_params=hash_block_size=512,data_block_size=4096,"
       "data_blocks=1,salt=00,root_hash=" +
           hash,
       ext("gpu", 1, 4096, 512)},
      // Upper-case hex is accepted and stored lower-case.
      {"kata.extension.gpu.verity_params=root_hash=" + upper_hash +
           ",salt=AB,data_blocks=18446744073709551615,data_block_size=512,hash_block_size="
           "4096",
       [&](const wire::Config& c) {
         ext("gpu", 18446744073709551615u, 512, 4096)(c);
         ASSERT_EQ(c.extensions_size(), 1);
         EXPECT_EQ(c.extensions(0).salt(), "ab");
       }},
      {"kata.extension.nv-drv_570.verity_params=" + good_verity_fields(),
       ext("nv-drv_570", 262144, 4096, 4096)},
      // Ten characters: "extension-" plus the name fills the 20-byte virtio serial.
      {"kata.extension.AZaz09_-xy.verity_params=" + good_verity_fields(),
       ext("AZaz09_-xy", 262144, 4096, 4096)},
      {"kata.extension._.verity_params=" + good_verity_fields(), ext("_", 262144, 4096, 4096)},
      {"kata.extension.gpu.verity_params=\"" + good_verity_fields() + "\"",
       ext("gpu", 262144, 4096, 4096)},
      {"kata.extension.gpu.verity_params=" + base_fields() +
           ",data_block_size=1024,hash_block_size=2048",
       ext("gpu", 262144, 1024, 2048)},
  });
}

TEST(CmdlineConfig, ExtensionsAreSortedByName) {
  wire::Config c = parse_cmdline("kata.extension.zeta.verity_params=" + good_verity_fields() +
                                 " kata.extension.alpha.verity_params=" + good_verity_fields() +
                                 " kata.extension.Mid.verity_params=" + good_verity_fields());
  ASSERT_EQ(c.extensions_size(), 3);
  EXPECT_EQ(c.extensions(0).name(), "Mid");
  EXPECT_EQ(c.extensions(1).name(), "alpha");
  EXPECT_EQ(c.extensions(2).name(), "zeta");
}

TEST(CmdlineConfig, AllKeysTogether) {
  wire::Config c = parse_cmdline(
      "nvrc.mode=gpu nvrc.log=info nvrc.smi.lgc=300,1980 nvrc.smi.lmc=5001 nvrc.smi.pl=450 "
      "nvrc.smi.srs=disabled nvrc.uvm.persistence.mode=off nvrc.dcgm=yes nvrc.fm.mode=1 "
      "nvrc.fm.rail.policy=symmetric nvrc.timeout.lockdown=9");
  EXPECT_EQ(c.mode(), wire::MODE_GPU);
  EXPECT_EQ(c.log_level(), wire::LOG_INFO);
  EXPECT_EQ(c.smi_lgc().min_mhz(), 300u);
  EXPECT_EQ(c.smi_lgc().max_mhz(), 1980u);
  EXPECT_EQ(c.smi_lmc().min_mhz(), 5001u);
  EXPECT_EQ(c.smi_pl_watts(), 450u);
  EXPECT_FALSE(c.smi_srs());
  EXPECT_FALSE(c.uvm_persistence_mode());
  EXPECT_TRUE(c.dcgm());
  EXPECT_EQ(c.fm_mode(), 1u);
  EXPECT_EQ(c.fm_rail_policy(), wire::RAIL_POLICY_SYMMETRIC);
  EXPECT_EQ(timeout_seconds(c, "lockdown", 30), 9u);
}

// ---- every bad form ---------------------------------------------------------------------

struct BadCase {
  std::string token;     // the one parameter that is wrong
  std::string expected;  // a part of the message that explains what was expected
};

void run_bad(const std::vector<BadCase>& cases) {
  for (const BadCase& bc : cases) {
    SCOPED_TRACE(bc.token);
    // Surrounded by valid and ignored parameters: the bad one must still be found.
    const char* other = bc.token.starts_with("nvrc.log") ? "nvrc.dcgm=on" : "nvrc.log=warn";
    std::string msg = error_of(std::string("console=hvc0 ") + other + " " + bc.token + " quiet");
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    EXPECT_EQ(msg.rfind(bc.token + ": ", 0), 0u)
        << "message must start with the parameter: " << msg;
    EXPECT_NE(msg.find(bc.expected), std::string::npos) << msg;
  }
}

TEST(CmdlineConfig, BadMode) {
  const std::string e =
      "expected auto, cpu, gpu, nvswitch-nvl4, nvswitch-nvl5, servicevm-nvl4 "
      "or servicevm-nvl5";
  run_bad({{"nvrc.mode=gpus", e},
           {"nvrc.mode=nvswitch", e},
           {"nvrc.mode=nvswitch-nvl6", e},
           {"nvrc.mode=1", e},
           {"nvrc.mode=gpu,cpu", e}});
}

TEST(CmdlineConfig, BadLogLevel) {
  const std::string e = "expected off, error, warn, info, debug or trace";
  run_bad({{"nvrc.log=verbose", e}, {"nvrc.log=0", e}, {"nvrc.log=warning", e}, {"nvrc.log=7", e}});
}

TEST(CmdlineConfig, BadClocks) {
  const std::string e = "expected a clock in MHz: N or MIN,MAX (e.g. 1500 or 300,1980)";
  std::vector<BadCase> cases;
  for (std::string key : {"nvrc.smi.lgc", "nvrc.smi.lmc"}) {
    for (std::string value : {"abc", "0", "0,100", "100,0", "0,0", "1980,300", "1500,", ",1500",
                              "1,2,3", "-1", "+1500", "4294967296", "1,4294967296", "1500MHz",
                              "0x5dc", "1.5", "1500;1600", "99999999999999999999999"})
      cases.push_back({key + "=" + value, e});
  }
  cases.push_back({"nvrc.smi.lgc=1980,300", e + "; MIN must not be above MAX"});
  cases.push_back({"nvrc.smi.lgc=0", e + "; each clock must be from 1 to 4294967295"});
  run_bad(cases);
  // A quoted value is reported without its quotes.
  EXPECT_EQ(error_of("nvrc.smi.lgc=\"1500 \""), "nvrc.smi.lgc=1500 : " + e);
  EXPECT_EQ(error_of("nvrc.smi.lgc=abc"),
            "nvrc.smi.lgc=abc: expected a clock in MHz: N or MIN,MAX (e.g. 1500 or 300,1980)");
}

TEST(CmdlineConfig, BadPowerLimit) {
  const std::string e = "expected a power limit in watts: a whole number from 1 to 4294967295";
  run_bad({{"nvrc.smi.pl=0", e},
           {"nvrc.smi.pl=-1", e},
           {"nvrc.smi.pl=abc", e},
           {"nvrc.smi.pl=300W", e},
           {"nvrc.smi.pl=4294967296", e},
           {"nvrc.smi.pl=300,400", e},
           {"nvrc.smi.pl=3.5", e}});
}

TEST(CmdlineConfig, BadSecureRandomSeed) {
  const std::string e = "expected 0, 1, enabled or disabled";
  run_bad({{"nvrc.smi.srs=ENABLED", e},
           {"nvrc.smi.srs=Enabled", e},
           {"nvrc.smi.srs=on", e},
           {"nvrc.smi.srs=true", e},
           {"nvrc.smi.srs=yes", e},
           {"nvrc.smi.srs=2", e},
           {"nvrc.smi.srs=enable", e}});
}

TEST(CmdlineConfig, BadBooleansAreErrorsNotFalse) {
  const std::string e = "expected a boolean: on/off, true/false, 1/0 or yes/no";
  std::vector<BadCase> cases;
  for (std::string key : {"nvrc.dcgm", "nvrc.uvm.persistence.mode"})
    for (std::string value : {"maybe", "2", "y", "n", "enable", "tru", "onn", "-1", "01"})
      cases.push_back({key + "=" + value, e});
  run_bad(cases);
}

TEST(CmdlineConfig, BadFabricManager) {
  run_bad({{"nvrc.fm.mode=2", "expected 0 (bare metal) or 1 (service VM)"},
           {"nvrc.fm.mode=01", "expected 0 (bare metal) or 1 (service VM)"},
           {"nvrc.fm.mode=on", "expected 0 (bare metal) or 1 (service VM)"},
           {"nvrc.fm.mode=-0", "expected 0 (bare metal) or 1 (service VM)"},
           {"nvrc.fm.rail.policy=random", "expected greedy or symmetric"},
           {"nvrc.fm.rail.policy=greedy,symmetric", "expected greedy or symmetric"}});
}

TEST(CmdlineConfig, BadTimeouts) {
  const std::string e = "expected whole seconds from 1 to 86400";
  std::vector<BadCase> cases;
  for (std::string_view name : timeout_names())
    for (std::string value :
         {"0", "86401", "-1", "1.5", "10s", "4294967296", "99999999999999999999", "abc"})
      cases.push_back({"nvrc.timeout." + std::string(name) + "=" + value, e});
  run_bad(cases);
}

TEST(CmdlineConfig, UnknownNvrcKeys) {
  std::vector<BadCase> cases;
  for (std::string token :
       {"nvrc.foo=1", "nvrc.timeout.agent=5", "nvrc.timeout.=5", "nvrc.timeout=5",
        "nvrc.timeout.Mounter=5", "nvrc.smi.lgc.max=1500", "nvrc.=1", "nvrc.Log=debug",
        "nvrc.smi_lgc=1500", "nvrc.fm_mode=1", "nvrc.uvm.options=opt1=1", "nvrc.foo"})
    cases.push_back({token, "unknown nvrc parameter"});
  run_bad(cases);

  // The message teaches the right spelling: every known key is listed.
  std::string msg = error_of("nvrc.dcgmm=on");
  for (std::string_view key :
       {"nvrc.mode", "nvrc.log", "nvrc.smi.lgc", "nvrc.smi.lmc", "nvrc.smi.pl", "nvrc.smi.srs",
        "nvrc.uvm.persistence.mode", "nvrc.dcgm", "nvrc.fm.mode", "nvrc.fm.rail.policy"})
    EXPECT_NE(msg.find(std::string(key) + ","), std::string::npos) << key << " in " << msg;
  for (std::string_view name : timeout_names())
    EXPECT_NE(msg.find(name), std::string::npos) << name << " in " << msg;
  EXPECT_NE(msg.find("nvrc.timeout."), std::string::npos) << msg;
}

TEST(CmdlineConfig, CaseMistakesInTheNvrcNamespaceAreRefused) {
  // One line naming the parameter as given, and the spelling that would have worked.
  EXPECT_EQ(
      error_of("NVRC.LOG=info")
          .rfind("NVRC.LOG=info: unknown nvrc parameter (names are lower-case: nvrc.log); known "
                 "ones are nvrc.mode, ",
                 0),
      0u)
      << error_of("NVRC.LOG=info");
  EXPECT_EQ(
      error_of("console=hvc0 Nvrc.mode=cpu")
          .rfind("Nvrc.mode=cpu: unknown nvrc parameter (names are lower-case: nvrc.mode)", 0),
      0u)
      << error_of("Nvrc.mode=cpu");
  EXPECT_EQ(
      error_of("nvrc.Log=debug")
          .rfind("nvrc.Log=debug: unknown nvrc parameter (names are lower-case: nvrc.log)", 0),
      0u);
  EXPECT_EQ(error_of("nVrC.TIMEOUT.LOCKDOWN=5")
                .rfind("nVrC.TIMEOUT.LOCKDOWN=5: unknown nvrc parameter (names are lower-case: "
                       "nvrc.timeout.lockdown)",
                       0),
            0u);
  // Unknown in any case: still refused, without a hint that would mislead.
  EXPECT_EQ(error_of("NVRC.FOO=1").rfind("NVRC.FOO=1: unknown nvrc parameter; known ones are ", 0),
            0u);
  EXPECT_EQ(error_of("NVRC.LOG").rfind("NVRC.LOG: unknown nvrc parameter (names", 0), 0u);
  for (std::string token : {"NVRC.log=bogus", "Nvrc.dcgm=on", "nvrC.smi.pl=300"}) {
    std::string msg = error_of(token);
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    EXPECT_EQ(msg.rfind(token + ": unknown nvrc parameter", 0), 0u) << msg;
  }
}

TEST(CmdlineConfig, MisspelledVerityKeysAreRefused) {
  const std::string expected =
      "unknown kata.extension parameter; the one known is "
      "kata.extension.<name>.verity_params, spelled exactly so (lower-case)";
  const std::string value = "=" + good_verity_fields();
  for (std::string key :
       {"KATA.EXTENSION.x.verity_params", "Kata.Extension.gpu.verity_params",
        "kata.extension.foo.verity_param", "kata.extension.foo.VERITY_PARAMS",
        "kata.extension.foo.verity-params", "kata.extension.foo.verityparams",
        "kata.extension.foo.verity_paramsx", "kata.extension.foo.vreity_params",
        "kata.extension.foo.verity", "kata.extension.gpuverity_params", "kata.extension.verity",
        "KATA.extension.nv-driver_570.1.Verity_Params"}) {
    SCOPED_TRACE(key);
    EXPECT_EQ(error_of(key + value),
              escape_for_log(key) + value.substr(0, 81) + "...: " + expected);
    // Without a value too: the name alone says it was meant for us.
    EXPECT_EQ(error_of(key), escape_for_log(key) + ": " + expected);
  }
}

TEST(CmdlineConfig, BadVerityParams) {
  const std::string e =
      "expected root_hash=HEX,salt=HEX,data_blocks=N,data_block_size=N,hash_block_size=N";
  const std::string hash(kRootHash);
  const std::string salt(kSalt);
  const std::string blocks = ",data_blocks=8,data_block_size=4096,hash_block_size=4096";
  const std::string base = "root_hash=" + hash + ",salt=" + salt;
  std::vector<BadCase> cases = {
      {verity("salt=" + salt + blocks), "missing root_hash"},
      {verity("root_hash=" + hash + blocks), "missing salt"},
      {verity(base + ",data_block_size=4096,hash_block_size=4096"), "missing data_blocks"},
      {verity(base + ",data_blocks=8,hash_block_size=4096"), "missing data_block_size"},
      {verity(base + ",data_blocks=8,data_block_size=4096"), "missing hash_block_size"},
      {verity(base + blocks + ",root_hash=" + hash), "root_hash given twice"},
      {verity(base + blocks + ",salt=" + salt), "salt given twice"},
      {verity(base + blocks + ",data_blocks=8"), "data_blocks given twice"},
      {verity(base + blocks + ",foo=1"), "unknown field foo"},
      {verity(base + blocks + ",hash=sha256"), "unknown field hash"},
      {verity(base + blocks + ","), "empty field"},
      {verity("," + base + blocks), "empty field"},
      {verity(base + ",," + blocks.substr(1)), "empty field"},
      {verity(base + blocks + ",no_superblock"), "field no_superblock has no =value"},
      {verity("root_hash=,"
              "salt=" +
              salt + blocks),
       "root_hash is empty"},
      {verity("root_hash=" + hash + ",salt=" + blocks), "salt is empty"},
      {verity("root_hash=" + hash + ",salt=abc" + blocks), "salt=abc is not an even number"},
      {verity("root_hash=" + hash + ",salt=zz" + blocks), "salt=zz is not an even number"},
      {verity(base + ",data_blocks=0,data_block_size=4096,hash_block_size=4096"),
       "data_blocks=0 is not a decimal number from 1 to 18446744073709551615"},
      {verity(base + ",data_blocks=-1,data_block_size=4096,hash_block_size=4096"),
       "data_blocks=-1 is not"},
      {verity(base + ",data_blocks=1e3,data_block_size=4096,hash_block_size=4096"),
       "data_blocks=1e3 is not"},
      {verity(base + ",data_blocks=18446744073709551616,data_block_size=4096,hash_block_size=4096"),
       "data_blocks=18446744073709551616 is not"},
  };
  for (std::string bad_hash :
       {hash.substr(1), hash + "a", hash + "aa", hash.substr(1) + "g", "0x" + hash.substr(2),
        hash.substr(0, 63) + "-", std::string(64, 'z')}) {
    cases.push_back({verity("root_hash=" + bad_hash + ",salt=" + salt + blocks),
                     "root_hash=" + bad_hash + " is not 64 hex digits (a sha256 hash)"});
  }
  for (std::string field : {"data_block_size", "hash_block_size"}) {
    for (std::string size : {"0", "256", "511", "1000", "4095", "8192", "65536", "1048576",
                             "2097152", "4294967296", "4294971392", "-4096", "4k", "0x1000"}) {
      std::string fields = base + ",data_blocks=8";
      fields += field == "data_block_size" ? ",data_block_size=" + size + ",hash_block_size=4096"
                                           : ",data_block_size=4096,hash_block_size=" + size;
      cases.push_back(
          {verity(fields), field + "=" + size + " is not a power of two from 512 to 4096"});
    }
  }
  for (BadCase& bc : cases) bc.expected = e + "; " + bc.expected;
  // Messages cut values at 80 bytes, so compare the start of the token only.
  for (const BadCase& bc : cases) {
    SCOPED_TRACE(bc.token);
    std::string msg = error_of("console=hvc0 " + bc.token);
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    EXPECT_EQ(msg.rfind(bc.token.substr(0, 33 + 80) + "...: ", 0), 0u) << msg;
    EXPECT_NE(msg.find(bc.expected), std::string::npos) << msg;
  }
}

TEST(CmdlineConfig, BadExtensionNames) {
  const std::string e =
      "expected kata.extension.<name>.verity_params with a name of 1 to 10 "
      "characters from A-Z a-z 0-9 _ -";
  const std::string value = "=" + good_verity_fields();
  for (const std::string& key : std::vector<std::string>{
           "kata.extension.verity_params", "kata.extension..verity_params",
           "kata.extension....verity_params", "kata.extension.a/b.verity_params",
           "kata.extension.../x.verity_params", "kata.extension.a:b.verity_params",
           "kata.extension.gpu\xc3\xa9.verity_params", "kata.extension.a*.verity_params",
           "kata.extension." + std::string(11, 'n') + ".verity_params",
           "kata.extension.." + std::string(10, 'n') + ".verity_params",
           // A '.' would make the name a path component ("..") and is no Kata host name.
           "kata.extension.nv-driver_570.1.verity_params", "kata.extension..x.verity_params",
           "kata.extension.a.b.verity_params", "kata.extension.gpu+.verity_params",
           "kata.extension.g%70u.verity_params"}) {
    SCOPED_TRACE(key);
    std::string msg = error_of(key + value);
    EXPECT_EQ(msg.rfind(escape_for_log(key) + "=root_hash=", 0), 0u) << msg;
    EXPECT_NE(msg.find(e), std::string::npos) << msg;
  }
  // A name with a space (possible inside quotes) is refused too.
  EXPECT_NE(error_of("\"kata.extension.a b.verity_params" + value + "\"").find(e),
            std::string::npos);
}

// The rule the extensions helper also applies to a disk's serial.
TEST(CmdlineConfig, ExtensionNameRule) {
  for (std::string_view name : {"gpu", "coco", "a", "0123456789", "A-Z_a-z-09", "-", "_"})
    EXPECT_TRUE(valid_extension_name(name)) << name;
  for (std::string_view name :
       {std::string_view(""), std::string_view("01234567890"), std::string_view("."),
        std::string_view(".."), std::string_view("a.b"), std::string_view("gpu/x"),
        std::string_view("gpu "), std::string_view("g\0", 2), std::string_view("gpu\n"),
        std::string_view("\xc3\xa9"), std::string_view("a:b"), std::string_view("a*")})
    EXPECT_FALSE(valid_extension_name(name)) << escape_for_log(name);
}

TEST(CmdlineConfig, VerityParamsWithoutValue) {
  EXPECT_EQ(error_of("kata.extension.gpu.verity_params"),
            "kata.extension.gpu.verity_params: missing =VALUE; expected "
            "root_hash=HEX,salt=HEX,data_blocks=N,data_block_size=N,hash_block_size=N");
  EXPECT_EQ(error_of("kata.extension.gpu.verity_params="),
            "kata.extension.gpu.verity_params=: empty value; expected "
            "root_hash=HEX,salt=HEX,data_blocks=N,data_block_size=N,hash_block_size=N");
}

// ---- missing and empty values -------------------------------------------------------------

std::vector<std::string> all_value_keys() {
  std::vector<std::string> keys = {"nvrc.mode",
                                   "nvrc.log",
                                   "nvrc.smi.lgc",
                                   "nvrc.smi.lmc",
                                   "nvrc.smi.pl",
                                   "nvrc.smi.srs",
                                   "nvrc.uvm.persistence.mode",
                                   "nvrc.dcgm",
                                   "nvrc.fm.mode",
                                   "nvrc.fm.rail.policy"};
  for (std::string_view name : timeout_names()) keys.push_back("nvrc.timeout." + std::string(name));
  keys.push_back("kata.extension.gpu.verity_params");
  return keys;
}

// A valid value for every key, for duplicate tests.
std::string valid_value(const std::string& key) {
  if (key == "nvrc.mode") return "cpu";
  if (key == "nvrc.log") return "debug";
  if (key == "nvrc.smi.lgc" || key == "nvrc.smi.lmc") return "1500";
  if (key == "nvrc.smi.pl") return "300";
  if (key == "nvrc.smi.srs" || key == "nvrc.fm.mode") return "1";
  if (key == "nvrc.uvm.persistence.mode" || key == "nvrc.dcgm") return "on";
  if (key == "nvrc.fm.rail.policy") return "greedy";
  if (key.starts_with("nvrc.timeout.")) return "60";
  return good_verity_fields();
}

TEST(CmdlineConfig, EveryKeyNeedsAValue) {
  for (const std::string& key : all_value_keys()) {
    SCOPED_TRACE(key);
    std::string missing = error_of("quiet " + key + " ro");
    EXPECT_EQ(missing.rfind(key + ": missing =VALUE; expected ", 0), 0u) << missing;
    for (std::string empty : {key + "=", key + "=\"\"", "\"" + key + "=\""}) {
      std::string msg = error_of("quiet " + empty + " ro");
      EXPECT_EQ(msg.rfind(key + "=: empty value; expected ", 0), 0u) << empty << ": " << msg;
    }
  }
  EXPECT_EQ(error_of("nvrc.dcgm"),
            "nvrc.dcgm: missing =VALUE; expected a boolean: on/off, true/false, 1/0 or yes/no");
  EXPECT_EQ(error_of("nvrc.dcgm="),
            "nvrc.dcgm=: empty value; expected a boolean: on/off, true/false, 1/0 or yes/no");
}

// ---- duplicates ---------------------------------------------------------------------------

// How a parameter appears in messages: key and value each escaped and cut on their own.
std::string shown(const std::string& token) {
  auto eq = token.find('=');
  if (eq == std::string::npos) return escape_for_log(token);
  return escape_for_log(token.substr(0, eq)) + "=" + escape_for_log(token.substr(eq + 1));
}

TEST(CmdlineConfig, EveryKeyOnlyOnce) {
  for (const std::string& key : all_value_keys()) {
    SCOPED_TRACE(key);
    const std::string first = key + "=" + valid_value(key);
    // Same value, a different (even invalid) value, or no value at all: all refused.
    for (std::string second : {first, key + "=other", key}) {
      std::string msg = error_of(first + " console=hvc0 " + second);
      EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
      EXPECT_EQ(msg.rfind(shown(second) + ": given twice, first as parameter 1 (" + shown(first) +
                              "), again as parameter 3",
                          0),
                0u)
          << msg;
      EXPECT_NE(msg.find("each parameter may appear only once"), std::string::npos) << msg;
    }
  }
  EXPECT_EQ(error_of("nvrc.log=info nvrc.log=debug"),
            "nvrc.log=debug: given twice, first as parameter 1 (nvrc.log=info), again as "
            "parameter 2; each parameter may appear only once");
}

TEST(CmdlineConfig, DistinctNamesAreNotDuplicates) {
  wire::Config c = parse_cmdline(
      "nvrc.timeout.gpu-configurator=1 nvrc.timeout.lockdown=2 kata.extension.a.verity_params=" +
      good_verity_fields() + " kata.extension.b.verity_params=" + good_verity_fields() +
      " kata.extension.A.verity_params=" + good_verity_fields());
  EXPECT_EQ(c.timeouts_size(), 2);
  EXPECT_EQ(c.extensions_size(), 3);
  EXPECT_NE(error_of("kata.extension.a.verity_params=" + good_verity_fields() +
                     " kata.extension.a.verity_params=" + good_verity_fields())
                .find("given twice"),
            std::string::npos);
}

TEST(CmdlineConfig, IgnoredKeysMayRepeat) {
  wire::Config c = parse_cmdline(
      "console=ttyS0 console=hvc0 quiet quiet agent.log=debug "
      "agent.log=info kata.extension.gpu.x=1 kata.extension.gpu.x=2");
  EXPECT_EQ(c.mode(), wire::MODE_AUTO);
}

// ---- tokenizing ---------------------------------------------------------------------------

TEST(CmdlineConfig, IgnoresKeysOutsideNvrc) {
  wire::Config c = parse_cmdline(
      "nvrc nvrc=1 nvrcx.log=bogus NVRC=1 nvidia.smi.lgc=abc agent.log=debug "
      "kata.extension.gpu kata.extension.gpu.x=1 KATA.EXTENSION.gpu.size=1 "
      "kata.extension.gpu.size=abc kata.extension.gpu.params=1 kata.extensions.gpu.verity_params=1 "
      "xkata.extension.gpu.verity_params=1 =nvrc.log=bogus = == quiet");
  EXPECT_EQ(c.log_level(), wire::LOG_OFF);
  EXPECT_FALSE(c.log_level_set());
  EXPECT_EQ(c.extensions_size(), 0);
}

TEST(CmdlineConfig, WhitespaceLikeTheKernel) {
  wire::Config c = parse_cmdline("\t nvrc.log=info\n\nnvrc.dcgm=on\r\vnvrc.mode=cpu\f \n");
  EXPECT_EQ(c.log_level(), wire::LOG_INFO);
  EXPECT_TRUE(c.dcgm());
  EXPECT_EQ(c.mode(), wire::MODE_CPU);
  // The kernel's isspace() counts Latin-1 NBSP (0xa0) as a separator.
  c = parse_cmdline("nvrc.log=info\xa0nvrc.dcgm=on");
  EXPECT_EQ(c.log_level(), wire::LOG_INFO);
  EXPECT_TRUE(c.dcgm());
}

TEST(CmdlineConfig, Quotes) {
  wire::Config c = parse_cmdline("nvrc.log=\"debug\"");
  EXPECT_EQ(c.log_level(), wire::LOG_DEBUG);
  c = parse_cmdline("\"nvrc.log=debug\"");
  EXPECT_EQ(c.log_level(), wire::LOG_DEBUG);
  c = parse_cmdline("nvrc.smi.lgc=\"300,1980\"");
  EXPECT_EQ(c.smi_lgc().max_mhz(), 1980u);
  // A quoted group hides what looks like parameters inside it.
  c = parse_cmdline("foo=\"a nvrc.log=bogus b\" nvrc.log=info");
  EXPECT_EQ(c.log_level(), wire::LOG_INFO);
  c = parse_cmdline("dyndbg=\"file nvrc.dcgm=bogus +p\" nvrc.dcgm=on");
  EXPECT_TRUE(c.dcgm());
  // An unterminated quote swallows the rest of the line, as in the kernel.
  c = parse_cmdline("nvrc.log=info foo=\"a nvrc.log=bogus nvrc.bad=1");
  EXPECT_EQ(c.log_level(), wire::LOG_INFO);
  // An unterminated quoted value keeps its text.
  c = parse_cmdline("nvrc.log=\"debug");
  EXPECT_EQ(c.log_level(), wire::LOG_DEBUG);
  // Spaces inside quotes belong to the value, which is then bad.
  EXPECT_EQ(error_of("nvrc.mode=\"c p u\""),
            "nvrc.mode=c p u: expected auto, cpu, gpu, "
            "nvswitch-nvl4, nvswitch-nvl5, servicevm-nvl4 or "
            "servicevm-nvl5");
  EXPECT_EQ(error_of("nvrc.log=\"\""),
            "nvrc.log=: empty value; expected off, error, warn, "
            "info, debug or trace");
  // Quotes in the middle of a value are kept (the kernel only strips the outer ones).
  EXPECT_EQ(error_of("nvrc.log=de\"bu\"g"),
            "nvrc.log=de\"bu\"g: expected off, error, warn, info, debug or trace");
}

TEST(CmdlineConfig, DoubleDashEndsTheParameters) {
  wire::Config c = parse_cmdline("nvrc.log=info -- nvrc.log=bogus nvrc.foo=1 nvrc.dcgm");
  EXPECT_EQ(c.log_level(), wire::LOG_INFO);
  c = parse_cmdline("nvrc.log=info \"--\" nvrc.foo=1");
  EXPECT_EQ(c.log_level(), wire::LOG_INFO);
  c = parse_cmdline("--");
  EXPECT_FALSE(c.log_level_set());
  // Only a lone "--" ends them.
  EXPECT_NE(error_of("--foo nvrc.foo=1").find("unknown nvrc parameter"), std::string::npos);
  EXPECT_NE(error_of("--=x nvrc.foo=1").find("unknown nvrc parameter"), std::string::npos);
  EXPECT_NE(error_of("--- nvrc.foo=1").find("unknown nvrc parameter"), std::string::npos);
}

// ---- message format -----------------------------------------------------------------------

TEST(CmdlineConfig, MessagesEscapeHostileBytes) {
  std::string msg = error_of("nvrc.log=\"de\nbug\"");
  EXPECT_EQ(msg, "nvrc.log=de\\x0abug: expected off, error, warn, info, debug or trace");
  msg = error_of("nvrc.log=\"x\r<3>ccinit: power off: forged\"");
  EXPECT_EQ(msg.find('\r'), std::string::npos);
  EXPECT_EQ(msg.rfind("nvrc.log=x\\x0d<3>ccinit: power off: forged: expected", 0), 0u) << msg;
  msg = error_of("nvrc.log=\x1b[2J\x7f\xff\\");
  EXPECT_EQ(msg.rfind("nvrc.log=\\x1b[2J\\x7f\\xff\\x5c: ", 0), 0u) << msg;
  // Keys are escaped too: a quoted token can carry any byte.
  msg = error_of("\"nvrc.fo\no=1\"");
  EXPECT_EQ(msg.rfind("nvrc.fo\\x0ao=1: unknown nvrc parameter", 0), 0u) << msg;
  for (char c : msg) {
    auto u = static_cast<unsigned char>(c);
    EXPECT_TRUE(u >= 0x20 && u < 0x7f) << "byte " << int(u) << " in " << msg;
  }
}

TEST(CmdlineConfig, MessagesCutLongValues) {
  std::string msg = error_of("nvrc.log=" + std::string(200, 'x'));
  EXPECT_EQ(msg, "nvrc.log=" + std::string(80, 'x') +
                     "...: expected off, error, warn, info, debug or trace");
  // Exactly 80 bytes is not cut.
  msg = error_of("nvrc.log=" + std::string(80, 'x'));
  EXPECT_EQ(msg, "nvrc.log=" + std::string(80, 'x') +
                     ": expected off, error, warn, info, debug or trace");
  // The cut is counted in input bytes, before escaping, so escapes are never split.
  msg = error_of("nvrc.log=\"" + std::string(79, 'x') + "\n\n\"");
  EXPECT_EQ(msg, "nvrc.log=" + std::string(79, 'x') +
                     "\\x0a...: expected off, error, warn, info, debug or trace");
  // A long key is cut as well.
  msg = error_of("nvrc." + std::string(200, 'k') + "=1");
  EXPECT_EQ(msg.rfind("nvrc." + std::string(75, 'k') + "...=1: unknown nvrc parameter", 0), 0u)
      << msg;
}

TEST(CmdlineConfig, EscapeForLog) {
  EXPECT_EQ(escape_for_log("plain text 123"), "plain text 123");
  EXPECT_EQ(escape_for_log(std::string_view("a\0b", 3)), "a\\x00b");
  EXPECT_EQ(escape_for_log("\t\\\x80"), "\\x09\\x5c\\x80");
  EXPECT_EQ(escape_for_log("abcdef", 3), "abc...");
  EXPECT_EQ(escape_for_log("abc", 3), "abc");
  EXPECT_EQ(escape_for_log("", 0), "");
}

// ---- names and description ----------------------------------------------------------------

TEST(CmdlineConfig, NamesRoundTrip) {
  for (int m = wire::Mode_MIN; m <= wire::Mode_MAX; ++m) {
    auto mode = static_cast<wire::Mode>(m);
    EXPECT_EQ(parse_cmdline("nvrc.mode=" + std::string(mode_name(mode))).mode(), mode);
  }
  for (int l = wire::LogLevel_MIN; l <= wire::LogLevel_MAX; ++l) {
    auto level = static_cast<wire::LogLevel>(l);
    EXPECT_EQ(parse_cmdline("nvrc.log=" + std::string(log_level_name(level))).log_level(), level);
  }
  EXPECT_EQ(mode_name(wire::MODE_NVSWITCH_NVL4), "nvswitch-nvl4");
  EXPECT_EQ(log_level_name(wire::LOG_WARN), "warn");
  EXPECT_EQ(mode_name(static_cast<wire::Mode>(99)), "unknown");
  EXPECT_EQ(log_level_name(static_cast<wire::LogLevel>(99)), "unknown");
}

TEST(CmdlineConfig, DescribeDefaults) {
  EXPECT_EQ(describe_config(parse_cmdline("")),
            "nvrc.mode=auto\n"
            "nvrc.log=off\n"
            "nvrc.uvm.persistence.mode=on\n"
            "nvrc.dcgm=off\n");
}

TEST(CmdlineConfig, DescribeEverythingInAStableOrder) {
  const std::string ext = "root_hash=" + std::string(kRootHash) + ",salt=" + std::string(kSalt) +
                          ",data_blocks=262144,data_block_size=4096,hash_block_size=512";
  wire::Config c = parse_cmdline(
      "kata.extension.gpu.verity_params=" + ext +
      " nvrc.timeout.persistenced=1200 nvrc.timeout.lockdown=10 nvrc.fm.rail.policy=GREEDY "
      "nvrc.fm.mode=0 nvrc.dcgm=yes nvrc.uvm.persistence.mode=0 nvrc.smi.srs=enabled "
      "nvrc.smi.pl=450 nvrc.smi.lmc=5001 nvrc.smi.lgc=300,1980 nvrc.log=TRACE nvrc.mode=cpu");
  const std::string expected =
      "nvrc.mode=cpu\n"
      "nvrc.log=trace\n"
      "nvrc.smi.lgc=300,1980\n"
      "nvrc.smi.lmc=5001\n"
      "nvrc.smi.pl=450\n"
      "nvrc.smi.srs=1\n"
      "nvrc.uvm.persistence.mode=off\n"
      "nvrc.dcgm=on\n"
      "nvrc.fm.mode=0\n"
      "nvrc.fm.rail.policy=greedy\n"
      "nvrc.timeout.lockdown=10\n"
      "nvrc.timeout.persistenced=1200\n"
      "kata.extension.gpu.verity_params=" +
      ext + "\n";
  EXPECT_EQ(describe_config(c), expected);

  // The description is itself a valid command line that gives the same config.
  std::string line = expected;
  std::replace(line.begin(), line.end(), '\n', ' ');
  wire::Config again = parse_cmdline(line);
  EXPECT_EQ(again.SerializeAsString(), c.SerializeAsString());
}

TEST(CmdlineConfig, DescribeEscapesNamesFromTheWire) {
  wire::Config c;
  wire::HelperTimeout* t = c.add_timeouts();
  t->set_name("evil\nname");
  t->set_seconds(3);
  std::string text = describe_config(c);
  EXPECT_NE(text.find("nvrc.timeout.evil\\x0aname=3\n"), std::string::npos) << text;
}

}  // namespace
}  // namespace ccinit
