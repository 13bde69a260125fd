#include "helpers/runtime/proc_status.h"

#include <gtest/gtest.h>

namespace ccinit::helper {
namespace {

constexpr std::string_view kStatus =
    "Name:\tlockdown\n"
    "CapEffective:\tffff\n"
    "CapEff:\t0000000000210000 \n"
    "Seccomp:\t2\n"
    "NoNewPrivs:";

TEST(ProcStatusField, FindsTheValueOfExactlyThatKey) {
  EXPECT_EQ(proc_status_field(kStatus, "CapEff"), "0000000000210000");
  EXPECT_EQ(proc_status_field(kStatus, "Seccomp"), "2");
  EXPECT_EQ(proc_status_field(kStatus, "Name"), "lockdown");
}

TEST(ProcStatusField, AMissingKeyIsNotFoundAndAnEmptyValueIsEmpty) {
  EXPECT_EQ(proc_status_field(kStatus, "CapBnd"), std::nullopt);
  EXPECT_EQ(proc_status_field(kStatus, "Cap"), std::nullopt);
  EXPECT_EQ(proc_status_field("", "CapEff"), std::nullopt);
  EXPECT_EQ(proc_status_field(kStatus, "NoNewPrivs"), "");
}

}  // namespace
}  // namespace ccinit::helper
