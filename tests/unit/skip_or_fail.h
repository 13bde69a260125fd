#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>

// Skips a test that the environment cannot run (not root, no namespaces), except under
// CI=true, where such a skip would hide a broken test and so fails instead.
#define CCINIT_SKIP_OR_FAIL(reason)                                    \
  do {                                                                 \
    const char* ccinit_ci_ = std::getenv("CI");                        \
    if (ccinit_ci_ != nullptr && std::strcmp(ccinit_ci_, "true") == 0) \
      FAIL() << reason << " (CI=true: this test must run)";            \
    GTEST_SKIP() << reason;                                            \
  } while (0)
