#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "proto/ccinit.pb.h"
#include "proto/frame.h"

namespace ccinit::wire {

// Any breach of the protocol: bad frame, unparsable message, unexpected message type or
// a message out of turn. Always fatal for the helper concerned.
class ProtocolError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Helper side: exactly one request in, then events, then exactly one result.
class HelperChannel {
 public:
  HelperChannel(int request_fd, int event_fd) : request_fd_(request_fd), event_fd_(event_fd) {}

  // Reads the one request and then requires EOF on the request pipe.
  Request receive_request();
  // Sends a non-result event. Throws ProtocolError once the result has been sent.
  void send(const Event& event);
  // Sends the final result; a second call throws.
  // `detected` and `extensions` go only with ok.
  void send_result(bool ok, const std::string& error, const Detected* detected = nullptr,
                   const Extensions* extensions = nullptr);
  bool result_sent() const { return result_sent_; }

 private:
  void write_event(const Event& event);
  int request_fd_;
  int event_fd_;
  bool result_sent_ = false;
};

// PID 1 side: decodes the helper's event stream and enforces its order.
class EventStream {
 public:
  // Decodes the bytes read so far; returns the complete events they finish.
  std::vector<Event> feed(std::string_view bytes);
  // The event pipe reached EOF. Throws ProtocolError when it cut a frame in half.
  void end_of_stream();
  const std::optional<Result>& result() const { return result_; }

 private:
  FrameDecoder decoder_;
  std::optional<Result> result_;
};

}  // namespace ccinit::wire
