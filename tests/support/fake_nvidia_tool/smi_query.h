#pragma once

#include "tests/support/fake_nvidia_tool/record.h"

// `nvidia-smi -q`: the full query report, one block per GPU, each with its Fabric section.
namespace ccinit::fake_nvidia {

// Counts its runs in /run/fake-nvidia/smi-q.count, so fabric_in_progress_queries can let
// the fabric complete after a given number of queries.
int smi_query(const Config& config);

}  // namespace ccinit::fake_nvidia
