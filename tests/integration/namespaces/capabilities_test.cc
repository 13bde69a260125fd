// Needs root with CAP_SETPCAP (children drop capabilities for real) and, for one test, a
// private mount namespace without /proc: so it runs with the namespace tests (label
// integration), in both presets.
#include "helpers/runtime/capabilities.h"

#include <cap-ng.h>
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>

#include "common/file_io.h"
#include "common/pipe.h"
#include "common/unique_fd.h"
#include "tests/testlib/skip_or_fail.h"

namespace ccinit::helper {
namespace {

constexpr std::uint64_t bit(int cap) {
  return std::uint64_t{1} << cap;
}

bool running_as_root_with_setpcap() {
  return ::geteuid() == 0 && ::prctl(PR_CAPBSET_READ, CAP_SETPCAP) == 1;
}

// The capability lines and NoNewPrivs of /proc/self/status, as numbers.
std::map<std::string, std::uint64_t> parse_status(const std::string& text) {
  std::map<std::string, std::uint64_t> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string key = line.substr(0, colon);
    if (key.starts_with("Cap")) out[key] = std::stoull(line.substr(colon + 1), nullptr, 16);
    if (key == "NoNewPrivs") out[key] = std::stoull(line.substr(colon + 1));
  }
  return out;
}

// Runs `body` in a forked child and returns what it wrote: the child's /proc/self/status
// (or any text it chose), or "ERROR: <what>" when it threw.
std::string in_child(const std::function<std::string()>& body) {
  auto [read_end, write_end] = make_pipe(0);
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    read_end.reset();
    std::string out;
    try {
      out = body();
    } catch (const std::exception& e) {
      out = std::string("ERROR: ") + e.what();
    }
    write_all(write_end.get(), out);
    ::_exit(0);
  }
  write_end.reset();
  std::string text = read_all(read_end.get());
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return "ERROR: child died";
  return text;
}

std::string status_after(
    const std::vector<int>& keep, const std::function<void()>& before = [] {}) {
  return in_child([&] {
    before();
    restrict_capabilities(keep);
    return read_file("/proc/self/status");
  });
}

// Gives the child an inheritable and an ambient capability, so that clearing them is seen.
void raise_ambient(int cap) {
  capng_get_caps_process();
  capng_update(CAPNG_ADD, CAPNG_INHERITABLE, static_cast<unsigned>(cap));
  if (capng_apply(CAPNG_SELECT_CAPS) != 0) throw std::runtime_error("cannot set inheritable");
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) != 0)
    throw std::runtime_error("cannot raise an ambient capability");
}

class CapabilitiesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!running_as_root_with_setpcap()) CCINIT_SKIP_OR_FAIL("needs root with CAP_SETPCAP");
  }
};

TEST_F(CapabilitiesTest, KeepsOnlyTheListedCapabilitiesEverywhere) {
  const std::string text = status_after({CAP_SYS_ADMIN, CAP_NET_ADMIN}, [] {
    raise_ambient(CAP_NET_RAW);
    if (parse_status(read_file("/proc/self/status"))["CapAmb"] != bit(CAP_NET_RAW))
      throw std::runtime_error("the ambient set was not raised before the test");
  });
  ASSERT_FALSE(text.starts_with("ERROR")) << text;
  auto s = parse_status(text);
  const std::uint64_t keep = bit(CAP_SYS_ADMIN) | bit(CAP_NET_ADMIN);
  EXPECT_EQ(s["CapEff"], keep);
  EXPECT_EQ(s["CapPrm"], keep);
  EXPECT_EQ(s["CapBnd"], keep);
  EXPECT_EQ(s["CapInh"], 0u);
  EXPECT_EQ(s["CapAmb"], 0u);
  EXPECT_EQ(s["NoNewPrivs"], 1u);
}

TEST_F(CapabilitiesTest, KeepingNothingDropsEverything) {
  const std::string text = status_after({});
  ASSERT_FALSE(text.starts_with("ERROR")) << text;
  auto s = parse_status(text);
  EXPECT_EQ(s["CapEff"], 0u);
  EXPECT_EQ(s["CapPrm"], 0u);
  EXPECT_EQ(s["CapBnd"], 0u);
  EXPECT_EQ(s["CapInh"], 0u);
  EXPECT_EQ(s["CapAmb"], 0u);
  EXPECT_EQ(s["NoNewPrivs"], 1u);
}

// Like CAP_SYS_MODULE missing from a container's bounding set: asking to keep it is not an
// error, and it is simply not held afterwards.
TEST_F(CapabilitiesTest, ACapabilityTheProcessNeverHadIsNotHeldAfterwards) {
  const std::string text = status_after({CAP_SYS_MODULE, CAP_NET_ADMIN}, [] {
    capng_get_caps_process();
    capng_update(CAPNG_DROP,
                 static_cast<capng_type_t>(CAPNG_EFFECTIVE | CAPNG_PERMITTED | CAPNG_BOUNDING_SET),
                 CAP_SYS_MODULE);
    if (capng_apply(CAPNG_SELECT_BOTH) != 0) throw std::runtime_error("cannot drop sys_module");
  });
  ASSERT_FALSE(text.starts_with("ERROR")) << text;
  auto s = parse_status(text);
  EXPECT_EQ(s["CapEff"], bit(CAP_NET_ADMIN));
  EXPECT_EQ(s["CapPrm"], bit(CAP_NET_ADMIN));
  EXPECT_EQ(s["CapBnd"], bit(CAP_NET_ADMIN));
}

// The mounter runs before /proc is mounted: libcap-ng must manage without it. Checked with
// capget and PR_CAPBSET_READ, which do not need /proc either.
TEST_F(CapabilitiesTest, WorksWithoutProc) {
  const std::string text = in_child([] {
    if (::unshare(CLONE_NEWNS) != 0) return std::string("SKIP: unshare(CLONE_NEWNS) failed");
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
        ::umount2("/proc", MNT_DETACH) != 0)
      return std::string("SKIP: cannot unmount /proc in a private mount namespace");
    restrict_capabilities({CAP_SYS_ADMIN});
    std::string out;
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2]{};
    if (::syscall(SYS_capget, &header, data) != 0) return std::string("ERROR: capget");
    out += "eff=" + std::to_string(data[0].effective) +
           " prm=" + std::to_string(data[0].permitted) +
           " inh=" + std::to_string(data[0].inheritable) +
           " eff_hi=" + std::to_string(data[1].effective) +
           " prm_hi=" + std::to_string(data[1].permitted);
    int bounding = 0;
    for (int cap = 0; cap <= 63; ++cap)
      if (::prctl(PR_CAPBSET_READ, cap) == 1) bounding += cap == CAP_SYS_ADMIN ? 1 : 100;
    out += " bnd=" + std::to_string(bounding);
    out += " nnp=" + std::to_string(::prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
    return out;
  });
  if (text.starts_with("SKIP")) CCINIT_SKIP_OR_FAIL(text);
  const std::string admin = std::to_string(bit(CAP_SYS_ADMIN));
  EXPECT_EQ(text, "eff=" + admin + " prm=" + admin + " inh=0 eff_hi=0 prm_hi=0 bnd=1 nnp=1");
}

// Run by hand without privileges: nothing to drop, the bounding set cannot be touched, but
// no_new_privs is set.
TEST_F(CapabilitiesTest, WithoutCapabilitiesOnlyNoNewPrivsIsSet) {
  const std::string text = status_after({CAP_SYS_ADMIN}, [] {
    capng_get_caps_process();
    capng_clear(CAPNG_SELECT_CAPS);
    if (capng_apply(CAPNG_SELECT_CAPS) != 0) throw std::runtime_error("cannot drop caps");
  });
  ASSERT_FALSE(text.starts_with("ERROR")) << text;
  auto s = parse_status(text);
  EXPECT_EQ(s["CapEff"], 0u);
  EXPECT_EQ(s["CapPrm"], 0u);
  EXPECT_EQ(s["CapBnd"], parse_status(read_file("/proc/self/status"))["CapBnd"]);
  EXPECT_EQ(s["NoNewPrivs"], 1u);
}

// If the bounding set cannot be reduced (no CAP_SETPCAP in effect), the helper must not go
// on with more than it asked for.
TEST_F(CapabilitiesTest, FailsWhenTheBoundingSetCannotBeReduced) {
  const std::string text = status_after({CAP_SYS_ADMIN}, [] {
    capng_get_caps_process();
    capng_update(CAPNG_DROP, CAPNG_EFFECTIVE, CAP_SETPCAP);
    if (capng_apply(CAPNG_SELECT_CAPS) != 0) throw std::runtime_error("cannot drop setpcap");
  });
  // libcap-ng may report success without having touched the bounding set; the read-back
  // after it must catch that.
  EXPECT_TRUE(text.starts_with("ERROR: ")) << text;
  EXPECT_NE(text.find("bounding"), std::string::npos) << text;
}

TEST_F(CapabilitiesTest, RefusesUnknownCapabilities) {
  for (int cap : {-1, 64, 1000}) {
    const std::string text = status_after({cap});
    EXPECT_EQ(text, "ERROR: unknown capability " + std::to_string(cap));
  }
}

TEST(CapabilityNamesTest, NamesCapabilitiesTheWayLogsShowThem) {
  EXPECT_EQ(capability_names({CAP_SYS_ADMIN, CAP_NET_ADMIN}), "cap_sys_admin,cap_net_admin");
  EXPECT_EQ(capability_names({}), "");
}

}  // namespace
}  // namespace ccinit::helper
