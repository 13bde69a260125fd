// How ccinit reads other processes from /proc (common/process_tree.h).
#include "common/process_tree.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include "common/process.h"

namespace ccinit {
namespace {

TEST(ProcStat, TheCommMayHoldParenthesesAndSpaces) {
  auto entry = parse_proc_stat("42 (a) b (c)) S 7 42 42 0 -1");
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->pid, 42);
  EXPECT_EQ(entry->comm, "a) b (c)");
  EXPECT_EQ(entry->state, 'S');
  EXPECT_EQ(entry->ppid, 7);
  EXPECT_FALSE(parse_proc_stat("42 (x"));
  EXPECT_FALSE(parse_proc_stat("x (y) S 1 1"));
  EXPECT_FALSE(parse_proc_stat("42 (y) S"));
}

TEST(ProcStat, ReadsThisProcess) {
  auto entry = read_proc_entry(::getpid());
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->ppid, ::getppid());
  EXPECT_TRUE(entry->alive());
}

TEST(ProcessTree, AChildAndItsParentAreDescendantsOfTheParentNotTheOtherWayRound) {
  SpawnOptions options;
  options.path = "/bin/sleep";
  options.argv = {"sleep", "100"};
  Child child = spawn(options);
  EXPECT_TRUE(is_same_or_descendant(child.pid(), ::getpid()));
  EXPECT_TRUE(is_same_or_descendant(::getpid(), ::getpid()));
  EXPECT_FALSE(is_same_or_descendant(::getpid(), child.pid()));
  EXPECT_FALSE(is_same_or_descendant(child.pid(), 0));
  child.kill(SIGKILL);
}

}  // namespace
}  // namespace ccinit
