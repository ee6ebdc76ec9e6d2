#pragma once
// One WebSocket connection on /api/v1/ws (the Beast chat-multi websocket_session). Runs on its own
// strand: the read loop, the outgoing queue and the topics are touched only there. One write in
// flight; the queue holds at most limits.ws_send_queue data messages (plus a few control
// messages), so a client that does not read costs bounded memory and never slows others.
// Keep-alive: Beast's pings every ws_ping_interval; a peer silent for two intervals is closed.

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <boost/json/object.hpp>

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gongjian/server/auth.h"
#include "shared_state.h"
#include "topic.h"

namespace gongjian::server {

class websocket_session final : public session,
                                public message_sink,
                                public std::enable_shared_from_this<websocket_session> {
 public:
  websocket_session(boost::asio::ip::tcp::socket&& socket, std::shared_ptr<shared_state> state, principal caller,
                    std::string request_id);
  ~websocket_session() override;

  // Accepts the upgrade request read by http_session.
  void run(boost::beast::http::request<boost::beast::http::string_body> request);
  // Closes with a close frame (1001 going away) from any thread.
  void shutdown() override;

  // message_sink, on the strand.
  std::size_t room() const override;
  std::size_t capacity() const override { return capacity_; }
  std::uint64_t send_data(std::shared_ptr<const std::string> text) override;
  std::uint64_t written() const override { return written_; }
  void send_control(std::string text) override;
  void topic_ended(const topic_subscription* topic) override;

 private:
  struct outgoing {
    std::shared_ptr<const std::string> text;
    bool counted;  // a data message, counted against the bound
  };

  void on_accept(boost::beast::error_code ec);
  void do_read();
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  void handle_message(std::string_view text);
  void subscribe(const boost::json::object& message);
  void send_error(error_kind kind, std::string message, std::string field, std::string topic);
  void enqueue(outgoing message);
  void do_write();
  void on_write(boost::beast::error_code ec, std::size_t bytes);
  void stop_topics();

  // Over the bare socket, not beast::tcp_stream: the WebSocket stream keeps its own timeouts
  // (handshake, idle with pings), and tcp_stream's per-operation timer bookkeeping was paid on
  // every write of the fan-out (one per subscriber per ranking change).
  boost::beast::websocket::stream<boost::asio::ip::tcp::socket> ws_;
  boost::beast::flat_buffer buffer_;
  std::shared_ptr<shared_state> state_;
  principal caller_;
  std::string request_id_;
  const std::size_t capacity_;
  std::deque<outgoing> queue_;
  std::size_t counted_ = 0;
  std::uint64_t queued_ = 0;   // messages ever queued (the last one's sequence number)
  std::uint64_t written_ = 0;  // messages ever taken off the queue (written or failed)
  bool writing_ = false;
  bool closing_ = false;
  std::map<std::string, std::shared_ptr<topic_subscription>> topics_;
  std::vector<std::shared_ptr<topic_subscription>> room_listeners_;  // on_write only
};

}  // namespace gongjian::server
