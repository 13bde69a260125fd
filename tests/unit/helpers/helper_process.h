#pragma once

// Runs a built helper the way a person or PID 1 would, and collects what it says.

#include <fcntl.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "common/file_io.h"
#include "common/pipe.h"
#include "common/unique_fd.h"
#include "proto/channel.h"
#include "tests/testlib/paths.h"
#include "tests/testlib/run_program.h"

namespace ccinit::testing {

inline std::string helper_path(const std::string& helper) {
  return bin_dir() + "/" + helper;
}

struct HelperRun : ProgramRun {
  std::string events;  // raw bytes from the event pipe (protocol mode)
};

// How to start a helper in protocol mode.
struct ProtocolSetup {
  std::string request_bytes;      // written to fd 3, then closed
  bool extra_fd = false;          // leave /dev/null open on fd 5 as well
  bool request_not_pipe = false;  // fd 3 is /dev/null instead of the request pipe
};

inline HelperRun run_manual(const std::string& helper, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {helper_path(helper)};
  argv.insert(argv.end(), args.begin(), args.end());
  return {run_program(argv), ""};
}

// Starts the helper without arguments, the request pipe on fd 3 and the event pipe on fd 4.
inline HelperRun run_protocol(const std::string& helper, const ProtocolSetup& setup) {
  Pipe request = make_pipe(), events = make_pipe();
  // The whole request goes in before the helper starts, so one that refuses without reading
  // cannot block the test; it must fit in the pipe for that.
  if (setup.request_bytes.size() > 65536) throw std::invalid_argument("request too big");
  write_all(request.write_end.get(), setup.request_bytes);
  request.write_end.reset();
  // The events are read once the helper has exited: room for all of them meanwhile.
  ::fcntl(events.write_end.get(), F_SETPIPE_SZ, 1 << 20);
  UniqueFd null_fd(::open("/dev/null", O_RDWR | O_CLOEXEC));
  RunOptions options;
  options.fds = {setup.request_not_pipe ? null_fd.get() : request.read_end.get(),
                 events.write_end.get()};
  if (setup.extra_fd) options.fds.push_back(null_fd.get());
  HelperRun run{run_program({helper_path(helper)}, options), ""};
  events.write_end.reset();
  run.events = read_all(events.read_end.get());
  return run;
}

inline std::string request_frame(bool dry_run, wire::Mode mode = wire::MODE_AUTO) {
  wire::Request request;
  request.set_dry_run(dry_run);
  request.mutable_config()->set_mode(mode);
  return wire::encode_frame(request.SerializeAsString());
}

}  // namespace ccinit::testing
