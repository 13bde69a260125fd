#include "helpers/runtime/fd_check.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <string>

#include "common/pipe.h"
#include "common/unique_fd.h"
#include "tests/testlib/temp_dir.h"

namespace ccinit::helper {
namespace {

bool contains(const std::vector<int>& fds, int fd) {
  return std::find(fds.begin(), fds.end(), fd) != fds.end();
}

std::string error_of(const std::vector<int>& fds, int request_fd, int event_fd) {
  try {
    check_protocol_fds(fds, request_fd, event_fd);
  } catch (const FdCheckError& e) {
    return e.what();
  }
  return "";
}

TEST(ListOpenFds, ProcfsAndProbingAgree) {
  UniqueFd extra(open("/dev/null", O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(extra);
  auto from_proc = list_open_fds_from_procfs("/proc/self/fd");
  ASSERT_TRUE(from_proc.has_value()) << "/proc is mounted here";
  EXPECT_TRUE(contains(*from_proc, extra.get()));
  EXPECT_TRUE(contains(*from_proc, 0));
  EXPECT_EQ(*from_proc, list_open_fds_by_probing(fd_probe_limit()));

  int closed = extra.get();
  extra.reset();
  EXPECT_FALSE(contains(*list_open_fds_from_procfs("/proc/self/fd"), closed));
  EXPECT_FALSE(contains(list_open_fds_by_probing(fd_probe_limit()), closed));
}

TEST(ListOpenFds, IgnoresDirectoriesThatAreNotProcfs) {
  EXPECT_FALSE(list_open_fds_from_procfs("/no/such/dir").has_value());
  // A stale /proc/self/fd lookalike on an ordinary filesystem must not be believed.
  testing::TempDir dir("fd_check_test");
  EXPECT_FALSE(list_open_fds_from_procfs(dir.path()).has_value());
  // list_open_fds then probes instead.
  EXPECT_EQ(list_open_fds(dir.path()), list_open_fds_by_probing(fd_probe_limit()));
}

TEST(ListOpenFds, ProbeLimitFollowsRlimitButIsCapped) {
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    struct rlimit limit {};
    getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = 100;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) _exit(10);
    if (fd_probe_limit() != 100) _exit(11);
    // Raising the limit needs a hard limit above the cap; root may raise it.
    limit.rlim_cur = limit.rlim_max = 1 << 20;
    if (setrlimit(RLIMIT_NOFILE, &limit) == 0 && fd_probe_limit() != 65536) _exit(12);
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "10 setrlimit, 11 not following, 12 not capped";
}

TEST(CheckProtocolFds, AcceptsExactlyStdioAndThePipes) {
  Pipe request = make_pipe(), events = make_pipe();
  int r = request.read_end.get(), w = events.write_end.get();
  std::vector<int> fds{0, 1, 2, r, w};
  std::sort(fds.begin(), fds.end());
  EXPECT_EQ(error_of(fds, r, w), "");
}

TEST(CheckProtocolFds, RefusesAnExtraDescriptor) {
  Pipe request = make_pipe(), events = make_pipe();
  int r = request.read_end.get(), w = events.write_end.get();
  std::vector<int> fds{0, 1, 2, r, w, 1000};
  std::sort(fds.begin(), fds.end());
  EXPECT_EQ(error_of(fds, r, w),
            "unexpected open fd 1000: a helper must start with no descriptors "
            "but 0-2, " +
                std::to_string(r) + " and " + std::to_string(w));
}

TEST(CheckProtocolFds, RefusesAMissingDescriptor) {
  Pipe request = make_pipe(), events = make_pipe();
  int r = request.read_end.get(), w = events.write_end.get();
  std::vector<int> fds{0, 2, r, w};
  std::sort(fds.begin(), fds.end());
  EXPECT_NE(error_of(fds, r, w).find("fd 1 is not open"), std::string::npos);
  fds = {0, 1, 2, r};
  EXPECT_NE(error_of(fds, r, w).find("fd " + std::to_string(w) + " is not open"),
            std::string::npos);
}

TEST(CheckProtocolFds, RefusesWrongEndsAndNonPipes) {
  Pipe request = make_pipe(), events = make_pipe();
  int r = request.read_end.get(), w = events.write_end.get();
  std::vector<int> fds{0, 1, 2, r, w};
  std::sort(fds.begin(), fds.end());
  // The event pipe's write end offered as the request pipe, and vice versa.
  EXPECT_EQ(error_of(fds, w, r),
            "fd " + std::to_string(w) + " (request pipe): pipe open for writing, expected reading");

  UniqueFd file(open("/dev/null", O_RDONLY | O_CLOEXEC));
  std::vector<int> with_file{0, 1, 2, file.get(), w};
  std::sort(with_file.begin(), with_file.end());
  EXPECT_EQ(error_of(with_file, file.get(), w),
            "fd " + std::to_string(file.get()) + " (request pipe): not a pipe");
}

TEST(SetCloexec, MarksTheDescriptor) {
  UniqueFd fd(open("/dev/null", O_RDONLY));
  ASSERT_TRUE(fd);
  ASSERT_EQ(fcntl(fd.get(), F_GETFD) & FD_CLOEXEC, 0);
  set_cloexec(fd.get());
  EXPECT_NE(fcntl(fd.get(), F_GETFD) & FD_CLOEXEC, 0);
  EXPECT_THROW(set_cloexec(100000), std::exception);
}

}  // namespace
}  // namespace ccinit::helper
