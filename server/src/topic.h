#pragma once
// A WebSocket topic subscription: what a websocket_session holds for each {"op":"subscribe"}.
// New topics (rankings of a jurisdiction, an entity's audit trail, interviews) implement this and
// are created in websocket_session::subscribe from the message's "topic" and parameters.
//
// Threads: every member function runs on the owning session's strand.

#include <cstddef>
#include <memory>
#include <string>

namespace gongjian::server {

class topic_subscription;

// What a topic may do with its session's outgoing queue; implemented by websocket_session.
class message_sink {
 public:
  virtual ~message_sink() = default;
  // Messages that count against the per-connection bound (limits.ws_send_queue) may still be
  // queued; topics must check before sending data, and report lagging instead when it is 0.
  virtual std::size_t room() const = 0;
  virtual std::size_t capacity() const = 0;
  // Queues a data message (counts against the bound). Returns the message's sequence number on
  // this connection (1, 2, ... over every message queued, data or control).
  virtual std::uint64_t send_data(std::shared_ptr<const std::string> text) = 0;
  // How many messages have been written to the socket so far: the message numbered n has left
  // the queue once written() >= n. Lets a topic that only ever needs its newest message keep one
  // in the queue and replace the rest (rankings).
  virtual std::uint64_t written() const = 0;
  // Queues a control message (subscribed/live/lagging/error); not counted, at most a few per
  // topic state change, so the queue stays bounded.
  virtual void send_control(std::string text) = 0;
  // A topic that ended on its own (refused once its parameters were checked on the store pool, or
  // its reads failed) says so after its last message: the session forgets it, so the topic can be
  // subscribed again, and it is not told of room any more.
  virtual void topic_ended(const topic_subscription* topic) = 0;
};

class topic_subscription {
 public:
  virtual ~topic_subscription() = default;
  // Starts delivery (sends the "subscribed" message and begins catch-up). A topic whose
  // parameters can only be checked against the projections (a jurisdiction that must exist) sends
  // "subscribed" once they are, or an error and message_sink::topic_ended.
  virtual void start() = 0;
  // The session wrote a data message: there may be room again.
  virtual void on_room() = 0;
  // Ends delivery; nothing is sent after it returns.
  virtual void stop() = 0;
};

}  // namespace gongjian::server
