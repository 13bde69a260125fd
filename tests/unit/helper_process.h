#pragma once

// Runs a built helper the way a person or PID 1 would, and collects what it says.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "common/pipe.h"
#include "common/process.h"
#include "common/unique_fd.h"
#include "common/wait_status.h"
#include "proto/channel.h"

namespace ccinit::testing {

inline std::string helper_path(const std::string& helper) {
  return std::string(CCINIT_BINARY_DIR) + "/bin/" + helper;
}

struct HelperRun {
  int status = -1;  // waitpid status
  std::string out;
  std::string err;
  std::string events;  // raw bytes from the event pipe (protocol mode)

  bool exited_with(int code) const { return WIFEXITED(status) && WEXITSTATUS(status) == code; }
  std::string describe() const {
    return describe_wait_status(status) + "\nstdout:\n" + out + "\nstderr:\n" + err;
  }
  // Lines of stdout.
  std::vector<std::string> out_lines() const {
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start < out.size()) {
      std::size_t end = out.find('\n', start);
      if (end == std::string::npos) end = out.size();
      lines.push_back(out.substr(start, end - start));
      start = end + 1;
    }
    return lines;
  }
};

// How to start a helper in protocol mode.
struct ProtocolSetup {
  std::string request_bytes;      // written to fd 3, then closed
  bool extra_fd = false;          // leave /dev/null open on fd 5 as well
  bool request_not_pipe = false;  // fd 3 is /dev/null instead of the request pipe
};

namespace detail {

// Reads the given fds to EOF together (a helper may fill one pipe while we wait on another).
inline void drain(std::vector<std::pair<int, std::string*>> sources) {
  while (!sources.empty()) {
    std::vector<pollfd> fds;
    for (auto& [fd, _] : sources) fds.push_back({fd, POLLIN, 0});
    if (::poll(fds.data(), fds.size(), 30000) <= 0) throw std::runtime_error("helper hung");
    for (std::size_t i = fds.size(); i-- > 0;) {
      if (fds[i].revents == 0) continue;
      char buf[65536];
      ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n > 0) {
        sources[i].second->append(buf, static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        sources.erase(sources.begin() + static_cast<long>(i));
      }
    }
  }
}

// Starts `path args...` with `targets[i]` as its fd i and nothing else open.
inline Child start_with_fds(const std::string& path, const std::vector<std::string>& args,
                            const std::vector<int>& targets) {
  if (::access(path.c_str(), X_OK) != 0)
    throw std::runtime_error(path + " is missing: build the helper targets before the tests");
  SpawnOptions options;
  options.path = path;
  options.argv.push_back(path);
  options.argv.insert(options.argv.end(), args.begin(), args.end());
  for (std::size_t i = 0; i < targets.size(); ++i)
    options.fds.push_back({static_cast<int>(i), targets[i]});
  return spawn(options);
}

}  // namespace detail

// Runs `path args...` with stdin /dev/null and captures stdout and stderr.
inline HelperRun run_program(const std::string& path, const std::vector<std::string>& args) {
  // stdin: an empty pipe rather than /dev/null, which a scratch root may not have yet.
  Pipe in = make_pipe(), out = make_pipe(), err = make_pipe();
  in.write_end.reset();
  Child child = detail::start_with_fds(
      path, args, {in.read_end.get(), out.write_end.get(), err.write_end.get()});
  out.write_end.reset();
  err.write_end.reset();
  HelperRun run;
  detail::drain({{out.read_end.get(), &run.out}, {err.read_end.get(), &run.err}});
  run.status = child.wait();
  return run;
}

inline HelperRun run_manual(const std::string& helper, const std::vector<std::string>& args) {
  return run_program(helper_path(helper), args);
}

// Starts the helper without arguments, the request pipe on fd 3 and the event pipe on fd 4.
inline HelperRun run_protocol(const std::string& helper, const ProtocolSetup& setup) {
  Pipe out = make_pipe(), err = make_pipe(), request = make_pipe(), events = make_pipe();
  UniqueFd null_fd(::open("/dev/null", O_RDWR | O_CLOEXEC));
  std::vector<int> fds{null_fd.get(), out.write_end.get(), err.write_end.get(),
                       setup.request_not_pipe ? null_fd.get() : request.read_end.get(),
                       events.write_end.get()};
  if (setup.extra_fd) fds.push_back(null_fd.get());
  Child child = detail::start_with_fds(helper_path(helper), {}, fds);
  out.write_end.reset();
  err.write_end.reset();
  events.write_end.reset();
  request.read_end.reset();
  // The helper may refuse before reading: a closed pipe must not kill the test.
  struct sigaction ignore {
  }, old{};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, &old);
  std::string_view rest = setup.request_bytes;
  while (!rest.empty()) {
    ssize_t n = ::write(request.write_end.get(), rest.data(), rest.size());
    if (n <= 0) break;
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
  ::sigaction(SIGPIPE, &old, nullptr);
  request.write_end.reset();
  HelperRun run;
  detail::drain({{out.read_end.get(), &run.out},
                 {err.read_end.get(), &run.err},
                 {events.read_end.get(), &run.events}});
  run.status = child.wait();
  return run;
}

inline std::string request_frame(bool dry_run, wire::Mode mode = wire::MODE_AUTO) {
  wire::Request request;
  request.set_dry_run(dry_run);
  request.mutable_config()->set_mode(mode);
  return wire::encode_frame(request.SerializeAsString());
}

}  // namespace ccinit::testing
