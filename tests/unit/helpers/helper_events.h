#pragma once

#include <optional>
#include <string>
#include <vector>

#include "proto/channel.h"

// What a helper run through the protocol (helper_process.h run_protocol) said on its event
// stream, for the confined dry-run tests.
namespace ccinit::testing {

struct HelperEvents {
  std::string error;  // a protocol error, else ""
  std::optional<wire::Result> result;
  std::string text;  // every log line, one a line
  std::vector<std::string> started_steps;
};

inline HelperEvents decode_events(const std::string& bytes) {
  HelperEvents out;
  wire::EventStream stream;
  try {
    for (const wire::Event& event : stream.feed(bytes)) {
      if (event.has_log()) out.text += event.log().text() + "\n";
      if (event.has_progress() && !event.progress().done())
        out.started_steps.push_back(event.progress().step());
    }
    stream.end_of_stream();
  } catch (const std::exception& e) {
    out.error = e.what();
  }
  out.result = stream.result();
  return out;
}

}  // namespace ccinit::testing
