#include "proto/channel.h"

namespace ccinit::wire {

Request HelperChannel::receive_request() {
  std::optional<std::string> frame;
  try {
    frame = read_frame(request_fd_);
  } catch (const FrameError& e) {
    throw ProtocolError(std::string("bad request frame: ") + e.what());
  }
  if (!frame) throw ProtocolError("no request: the request pipe closed before a frame");
  Request request;
  if (!request.ParseFromString(*frame)) throw ProtocolError("malformed request message");
  std::optional<std::string> extra;
  try {
    extra = read_frame(request_fd_);
  } catch (const FrameError& e) {
    throw ProtocolError(std::string("trailing bytes after the request: ") + e.what());
  }
  if (extra) throw ProtocolError("a second request arrived; exactly one is allowed");
  return request;
}

void HelperChannel::write_event(const Event& event) {
  std::string payload;
  if (!event.SerializeToString(&payload)) throw ProtocolError("cannot serialize event");
  write_frame(event_fd_, payload);
}

void HelperChannel::send(const Event& event) {
  if (result_sent_) throw ProtocolError("event after the result");
  if (event.has_result()) throw ProtocolError("results go through send_result");
  write_event(event);
}

void HelperChannel::send_result(bool ok, const std::string& error, const Detected* detected,
                                const Extensions* extensions) {
  if (result_sent_) throw ProtocolError("a second result");
  Event event;
  event.mutable_result()->set_ok(ok);
  event.mutable_result()->set_error(error);
  if (ok && detected != nullptr) *event.mutable_result()->mutable_detected() = *detected;
  if (ok && extensions != nullptr) *event.mutable_result()->mutable_extensions() = *extensions;
  result_sent_ = true;
  write_event(event);
}

std::vector<Event> EventStream::feed(std::string_view bytes) {
  std::vector<Event> events;
  try {
    decoder_.feed(bytes);
    while (auto frame = decoder_.next()) {
      if (result_) throw ProtocolError("frame after the result");
      Event event;
      if (!event.ParseFromString(*frame)) throw ProtocolError("malformed event message");
      if (event.kind_case() == Event::KIND_NOT_SET) throw ProtocolError("event of unknown type");
      if (event.has_result()) result_ = event.result();
      events.push_back(std::move(event));
    }
  } catch (const FrameError& e) {
    throw ProtocolError(std::string("bad frame: ") + e.what());
  }
  return events;
}

void EventStream::end_of_stream() {
  if (decoder_.mid_frame()) throw ProtocolError("bad frame: end of stream inside a frame");
}

}  // namespace ccinit::wire
