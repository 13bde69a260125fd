#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace ccinit::testing {

// Whether CI=true is set: there a test that cannot run is a failure, not a skip.
bool running_in_ci();

}  // namespace ccinit::testing

// Skips a test that the environment cannot run (not root, no namespaces, no VM images),
// except under CI=true, where such a skip would hide a broken test and so fails instead.
#define CCINIT_SKIP_OR_FAIL(reason)                                                               \
  do {                                                                                            \
    if (::ccinit::testing::running_in_ci()) FAIL() << reason << " (CI=true: this test must run)"; \
    GTEST_SKIP() << reason;                                                                       \
  } while (0)

// CCINIT_SKIP_OR_FAIL with the reason from a check that returns why the test cannot run
// here (a std::optional<std::string>), or nothing when it can.
#define CCINIT_REQUIRE(why_not)                                      \
  do {                                                               \
    if (const std::optional<std::string> ccinit_why_not = (why_not)) \
      CCINIT_SKIP_OR_FAIL(*ccinit_why_not);                          \
  } while (0)
