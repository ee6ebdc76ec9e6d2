#include "websocket_session.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/websocket/error.hpp>
#include <boost/json.hpp>

#include <algorithm>

#include "events_topic.h"
#include "read_topics.h"
#include "json_text.h"

namespace gongjian::server {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;
namespace json = boost::json;

namespace {
// Client messages are small JSON commands; anything larger is refused by Beast.
constexpr std::size_t kMaxIncomingMessage = 64 * 1024;
}  // namespace

websocket_session::websocket_session(net::ip::tcp::socket&& socket, std::shared_ptr<shared_state> state,
                                     principal caller, std::string request_id)
    : ws_(std::move(socket)),
      state_(std::move(state)),
      caller_(std::move(caller)),
      request_id_(std::move(request_id)),
      capacity_(state_->config.limits.ws_send_queue) {
  ++state_->stats.connections_open;
  ++state_->stats.websocket_sessions;
}

websocket_session::~websocket_session() {
  stop_topics();
  state_->stats.websocket_send_queue -= static_cast<std::int64_t>(queue_.size());
  --state_->stats.websocket_sessions;
  --state_->stats.connections_open;
  state_->leave(this);
  state_->log->info("request_id={} websocket closed caller={}", request_id_, caller_.name);
}

void websocket_session::run(beast::http::request<beast::http::string_body> request) {
  state_->join(shared_from_this());
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = std::min<std::chrono::steady_clock::duration>(std::chrono::seconds(10),
                                                                             state_->config.shutdown_grace);
  // Beast pings after half the idle timeout and closes a peer silent for the whole of it.
  timeouts.idle_timeout = 2 * state_->config.limits.ws_ping_interval;
  timeouts.keep_alive_pings = true;
  ws_.set_option(timeouts);
  ws_.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) { res.set(beast::http::field::server, "gongjian"); }));
  ws_.read_message_max(kMaxIncomingMessage);
  ws_.async_accept(request, beast::bind_front_handler(&websocket_session::on_accept, shared_from_this()));
}

void websocket_session::on_accept(beast::error_code ec) {
  if (ec) return fail(*state_->log, ec, "websocket accept");
  if (state_->stopping) return shutdown();
  do_read();
}

void websocket_session::shutdown() {
  net::dispatch(ws_.get_executor(), [self = shared_from_this()] {
    if (self->closing_ || !self->ws_.is_open()) return;
    self->closing_ = true;
    self->stop_topics();
    // Beast sends the close frame after a write in flight and lets the read loop see the reply.
    self->ws_.async_close(websocket::close_reason(websocket::close_code::going_away, "server shutting down"),
                          [self](beast::error_code ec) {
                            if (ec) fail(*self->state_->log, ec, "websocket close");
                          });
  });
}

void websocket_session::do_read() {
  ws_.async_read(buffer_, beast::bind_front_handler(&websocket_session::on_read, shared_from_this()));
}

void websocket_session::on_read(beast::error_code ec, std::size_t) {
  if (ec) {
    stop_topics();
    return fail(*state_->log, ec, "websocket read");
  }
  if (!ws_.got_text()) {
    buffer_.consume(buffer_.size());
    send_error(error_kind::invalid_input, "messages must be JSON text frames", "", "");
    return do_read();
  }
  const std::string text = beast::buffers_to_string(buffer_.data());
  buffer_.consume(buffer_.size());
  if (!closing_) handle_message(text);
  do_read();
}

void websocket_session::handle_message(std::string_view text) {
  json::error_code ec;
  json::value parsed = json::parse(text, ec);
  if (ec) return send_error(error_kind::invalid_input, "malformed JSON: " + ec.message(), "", "");
  const json::object* message = parsed.if_object();
  if (message == nullptr) return send_error(error_kind::invalid_input, "a message must be a JSON object", "", "");
  const json::value* op = message->if_contains("op");
  if (op == nullptr || !op->is_string())
    return send_error(error_kind::invalid_input, "\"op\" must be a string", "op", "");
  const std::string_view name = op->get_string();
  if (name == "subscribe") return subscribe(*message);
  if (name == "unsubscribe") {
    const json::value* topic = message->if_contains("topic");
    if (topic == nullptr || !topic->is_string())
      return send_error(error_kind::invalid_input, "\"topic\" must be a string", "topic", "");
    const std::string topic_name(topic->get_string());
    auto it = topics_.find(topic_name);
    if (it == topics_.end())
      return send_error(error_kind::not_found, "not subscribed to " + topic_name, "topic", topic_name);
    it->second->stop();
    topics_.erase(it);
    send_control(json_text(json::object{{"type", "unsubscribed"}, {"topic", topic_name}}));
    return;
  }
  if (name == "ping") {
    json::object pong{{"type", "pong"}};
    if (const json::value* id = message->if_contains("id")) pong["id"] = *id;
    return send_control(json_text(pong));
  }
  send_error(error_kind::invalid_input, "unknown op '" + std::string(name) + "' (subscribe, unsubscribe, ping)", "op",
             "");
}

void websocket_session::subscribe(const json::object& message) {
  const json::value* topic = message.if_contains("topic");
  if (topic == nullptr || !topic->is_string())
    return send_error(error_kind::invalid_input, "\"topic\" must be a string", "topic", "");
  const std::string topic_name(topic->get_string());
  if (topics_.count(topic_name) != 0)
    return send_error(error_kind::conflict, "already subscribed to " + topic_name, "topic", topic_name);

  std::shared_ptr<topic_subscription> subscription;
  if (topic_name == "events") {
    if (!may_read_all_history(caller_))
      return send_error(error_kind::forbidden,
                        "the raw event feed is for auditors, admins and national scopes; role " +
                            std::string(role_name(caller_.who)) + " with scope " + caller_.scope + " may not read it",
                        "topic", topic_name);
    std::uint64_t after = state_->feed.last_position();
    if (const json::value* a = message.if_contains("after")) {
      if (a->is_uint64()) {
        after = a->as_uint64();
      } else if (a->is_int64() && a->as_int64() >= 0) {
        after = static_cast<std::uint64_t>(a->as_int64());
      } else {
        return send_error(error_kind::invalid_input, "\"after\" must be a non-negative integer position", "after",
                          topic_name);
      }
    }
    // Past the head there is nothing to follow yet, and "live" at that position would claim the
    // client caught up to events that do not exist (as REST refuses a position beyond the head).
    const std::uint64_t head = state_->log_head();
    if (after > head)
      return send_error(
          error_kind::invalid_input,
          "\"after\" " + std::to_string(after) + " is beyond the head of the log (" + std::to_string(head) + ")",
          "after", topic_name);
    subscription = std::make_shared<events_topic>(std::weak_ptr<message_sink>(shared_from_this()), ws_.get_executor(),
                                                  state_, after);
  } else if (state_->topics) {
    // rankings, audit, interviews (read_topics.h)
    auto made = state_->topics->make(topic_name, message, caller_, std::weak_ptr<message_sink>(shared_from_this()),
                                     ws_.get_executor(), state_);
    if (!made) return send_error(made.error().kind, made.error().message, made.error().field, topic_name);
    subscription = std::move(made).value();
  } else {
    return send_error(error_kind::not_found, "unknown topic '" + topic_name + "' (available: events)", "topic",
                      topic_name);
  }
  topics_.emplace(topic_name, subscription);
  subscription->start();
}

void websocket_session::send_error(error_kind kind, std::string message, std::string field, std::string topic) {
  json::object error{{"code", code_name(kind)}, {"message", std::move(message)}};
  if (!field.empty()) error["field"] = std::move(field);
  json::object out{{"type", "error"}, {"error", std::move(error)}};
  if (!topic.empty()) out["topic"] = std::move(topic);
  send_control(json_text(out));
}

std::size_t websocket_session::room() const { return counted_ >= capacity_ ? 0 : capacity_ - counted_; }

std::uint64_t websocket_session::send_data(std::shared_ptr<const std::string> text) {
  enqueue({std::move(text), true});
  return queued_;
}

void websocket_session::send_control(std::string text) {
  enqueue({std::make_shared<const std::string>(std::move(text)), false});
}

void websocket_session::topic_ended(const topic_subscription* topic) {
  auto it = std::find_if(topics_.begin(), topics_.end(), [topic](const auto& t) { return t.second.get() == topic; });
  if (it != topics_.end()) topics_.erase(it);
}

void websocket_session::enqueue(outgoing message) {
  if (closing_) return;
  if (message.counted) ++counted_;
  ++queued_;
  queue_.push_back(std::move(message));
  ++state_->stats.websocket_send_queue;
  if (!writing_) do_write();
}

void websocket_session::do_write() {
  writing_ = true;
  ws_.text(true);
  ws_.async_write(net::buffer(*queue_.front().text),
                  beast::bind_front_handler(&websocket_session::on_write, shared_from_this()));
}

void websocket_session::on_write(beast::error_code ec, std::size_t) {
  writing_ = false;
  if (queue_.front().counted) --counted_;
  queue_.pop_front();
  ++written_;
  --state_->stats.websocket_send_queue;
  if (ec) {
    stop_topics();
    return fail(*state_->log, ec, "websocket write");
  }
  ++state_->stats.websocket_messages_sent;
  if (!queue_.empty()) do_write();
  // A snapshot of the topics, since a topic may unsubscribe itself (stop) while being told there
  // is room; kept in a member so this per-message path does not allocate (a copy of the map did).
  room_listeners_.clear();
  for (const auto& [name, topic] : topics_) room_listeners_.push_back(topic);
  for (const auto& topic : room_listeners_) topic->on_room();
  room_listeners_.clear();
}

void websocket_session::stop_topics() {
  for (auto& [name, topic] : topics_) topic->stop();
  topics_.clear();
}

}  // namespace gongjian::server
